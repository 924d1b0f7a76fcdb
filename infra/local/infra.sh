#!/usr/bin/env bash
# Local infrastructure without Docker: Apache Kafka (KRaft) and Apicurio Registry, fetched
# from Maven Central into .cache/, state and logs under .run/ (both git-ignored).
# MariaDB and Redis are the machine's own on 127.0.0.1; they are started if stopped.
#
#   infra.sh fetch               resolve Kafka + Apicurio into .cache/
#   infra.sh start|stop|status   single-node Kafka (9092) + registry (8081) + MariaDB/Redis check
#   infra.sh cluster-start|cluster-stop   three KRaft brokers (19092/19093/19094)
#   infra.sh cluster-kill <n>             SIGKILL broker n of the cluster (cluster-start restarts it)
#   infra.sh kafka-stop|kafka-kill|kafka-start   only the single-node broker (fault injection;
#                                         KAFKA_PORT, KAFKA_CONTROLLER_PORT, INFRA_RUN_DIR pick another one)
set -euo pipefail

KAFKA_VERSION="4.4.0"
APICURIO_VERSION="3.3.3"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$ROOT/infra/local"
CACHE="$ROOT/.cache"
RUN="${INFRA_RUN_DIR:-$ROOT/.run}"
KAFKA_LIB="$CACHE/kafka-$KAFKA_VERSION/lib"
APICURIO_HOME="$CACHE/apicurio-registry-$APICURIO_VERSION"
READY_TIMEOUT_S="${INFRA_READY_TIMEOUT_S:-120}"
# The single-node broker's ports; the fault-injection suite runs a private broker on others
# (with its own INFRA_RUN_DIR) so it can restart it without disturbing anything else.
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"

log() { echo "infra: $*" >&2; }
die() { echo "infra: $*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_until() { # wait_until <what> <command...>: polls until the command succeeds or the deadline passes
  local what="$1"; shift
  local deadline=$((SECONDS + READY_TIMEOUT_S))
  until "$@"; do
    [ $SECONDS -lt $deadline ] || die "$what not ready after ${READY_TIMEOUT_S}s (logs in $RUN/logs)"
    sleep 0.5
  done
}

stop_pidfile() { # stop_pidfile <pidfile> <name>: SIGTERM, wait, then SIGKILL; no process left behind
  local pidfile="$1" name="$2"
  pid_alive "$pidfile" || { rm -f "$pidfile"; return 0; }
  local pid; pid="$(cat "$pidfile")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then log "$name did not stop in 30s; killing"; kill -9 "$pid" 2>/dev/null || true; fi
  rm -f "$pidfile"
  log "$name stopped"
}

java_major() { "$1" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }

find_java() { # find_java <min-major>: prints a java binary of at least that major version
  local min="$1" candidate
  for candidate in "${JAVA_HOME:+$JAVA_HOME/bin/java}" "$(command -v java || true)" /usr/lib/jvm/*/bin/java; do
    [ -n "$candidate" ] && [ -x "$candidate" ] || continue
    if [ "$(java_major "$candidate")" -ge "$min" ] 2>/dev/null; then echo "$candidate"; return 0; fi
  done
  return 1
}

fetch() {
  command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch Kafka and Apicurio from Maven Central"
  if [ ! -f "$KAFKA_LIB/kafka_2.13-$KAFKA_VERSION.jar" ]; then
    log "fetching Apache Kafka $KAFKA_VERSION from Maven Central"
    rm -rf "$KAFKA_LIB"; mkdir -p "$KAFKA_LIB"
    mvn -B -q -f "$HERE/pom.xml" -Dkafka.version="$KAFKA_VERSION" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIB" >&2
  fi
  if [ ! -f "$APICURIO_HOME/quarkus-run.jar" ]; then
    log "fetching Apicurio Registry $APICURIO_VERSION from Maven Central"
    local tmp; tmp="$(mktemp -d)"
    mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
      -Dartifact="io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all" -DoutputDirectory="$tmp" >&2
    mkdir -p "$APICURIO_HOME.partial"
    tar -xzf "$tmp"/apicurio-registry-app-*.tar.gz -C "$APICURIO_HOME.partial"
    rm -rf "$tmp" "$APICURIO_HOME"; mv "$APICURIO_HOME.partial" "$APICURIO_HOME"
  fi
}

# ---- MariaDB and Redis: the machine's own ----
ensure_mariadb() {
  port_open 3306 && return 0
  if [ -x /usr/sbin/mariadbd ] && command -v start-stop-daemon >/dev/null; then
    log "MariaDB not running on 127.0.0.1:3306; starting it"
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
    wait_until "MariaDB" port_open 3306
  else
    die "MariaDB/MySQL is not reachable on 127.0.0.1:3306 and no mariadbd to start (set MYSQL_URL to use your own)"
  fi
}

ensure_redis() {
  port_open 6379 && return 0
  if command -v redis-server >/dev/null; then
    log "Redis not running on 127.0.0.1:6379; starting it"
    mkdir -p "$RUN/redis"
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir "$RUN/redis" --logfile "$RUN/logs/redis.log"
    wait_until "Redis" port_open 6379
  else
    die "Redis is not reachable on 127.0.0.1:6379 and no redis-server to start (set REDIS_URL to use your own)"
  fi
}

# ---- Kafka (KRaft) ----
# write_broker_config <dir> <node-id> <broker-port> <controller-port> <voters> <rf> <min-isr>
write_broker_config() {
  local dir="$1" id="$2" port="$3" cport="$4" voters="$5" rf="$6" isr="$7"
  mkdir -p "$dir/data"
  cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=$id
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/data
num.partitions=3
default.replication.factor=$rf
min.insync.replicas=$isr
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$isr
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$isr
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.retention.hours=24
PROPS
}

start_broker() { # start_broker <dir> <name> <port> <cluster-id>
  local dir="$1" name="$2" port="$3" cluster_id="$4" java
  java="$(find_java 17)" || die "Kafka needs Java 17 or newer (none found)"
  if pid_alive "$dir/pid"; then log "$name already running (pid $(cat "$dir/pid"))"; return 0; fi
  if port_open "$port"; then
    # Another checkout's (or the machine's) broker: use it, like MariaDB and Redis, but never stop it.
    [ "$name" = kafka ] && { log "a Kafka broker already answers on 127.0.0.1:$port (not started here); using it"; FOREIGN_KAFKA=yes; return 0; }
    die "port $port is taken by something else; cannot start $name"
  fi
  if [ ! -f "$dir/data/meta.properties" ]; then
    "$java" -cp "$KAFKA_LIB/*" kafka.tools.StorageTool format -t "$cluster_id" \
      -c "$dir/server.properties" -g >>"$RUN/logs/$name.log" 2>&1
  fi
  # A fresh log per start: readiness is read from it ("Kafka Server started").
  [ -f "$RUN/logs/$name.log" ] && mv "$RUN/logs/$name.log" "$RUN/logs/$name.log.1"
  nohup "$java" -Xms256m -Xmx512m -XX:+UseG1GC -Dlog4j2.configurationFile="$HERE/log4j2.properties" \
    -Dkafka.logs.file="$RUN/logs/$name.log" -cp "$KAFKA_LIB/*" kafka.Kafka "$dir/server.properties" \
    >>"$RUN/logs/$name.out" 2>&1 &
  echo $! > "$dir/pid"
  log "$name starting (pid $!, port $port)"
}

cluster_id() { # a stable cluster id per state folder, so restarts reuse the formatted logs
  local file="$1"
  [ -f "$file" ] || "$(find_java 17)" -cp "$KAFKA_LIB/*" kafka.tools.StorageTool random-uuid > "$file"
  cat "$file"
}

kafka_start() {
  local dir="$RUN/kafka"
  mkdir -p "$dir" "$RUN/logs"
  write_broker_config "$dir" 1 "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "1@127.0.0.1:$KAFKA_CONTROLLER_PORT" 1 1
  start_broker "$dir" kafka "$KAFKA_PORT" "$(cluster_id "$dir/cluster-id")"
}

broker_ready() { # broker_ready <name> <port>: KRaft logs "Kafka Server started" once it serves clients
  port_open "$2" && grep -q "Kafka Server started" "$RUN/logs/$1.log" 2>/dev/null
}
FOREIGN_KAFKA=no
kafka_ready() { if [ "$FOREIGN_KAFKA" = yes ]; then port_open "$KAFKA_PORT"; else broker_ready kafka "$KAFKA_PORT"; fi; }

cluster_start() {
  local voters="1@127.0.0.1:19192,2@127.0.0.1:19193,3@127.0.0.1:19194" i id
  mkdir -p "$RUN/cluster" "$RUN/logs"
  id="$(cluster_id "$RUN/cluster/cluster-id")"
  for i in 1 2 3; do
    write_broker_config "$RUN/cluster/broker-$i" "$i" "$((19091 + i))" "$((19191 + i))" "$voters" 3 2
    start_broker "$RUN/cluster/broker-$i" "kafka-broker-$i" "$((19091 + i))" "$id"
  done
  for i in 1 2 3; do wait_until "kafka-broker-$i" broker_ready "kafka-broker-$i" "$((19091 + i))"; done
  log "three-broker cluster up: 127.0.0.1:19092,127.0.0.1:19093,127.0.0.1:19094"
}

cluster_stop() {
  local i
  for i in 1 2 3; do stop_pidfile "$RUN/cluster/broker-$i/pid" "kafka-broker-$i"; done
}

# ---- Apicurio Registry ----
registry_ready() { curl -fsS -o /dev/null "http://127.0.0.1:8081/apis/ccompat/v7/subjects" 2>/dev/null; }

registry_start() {
  local dir="$RUN/registry" java
  mkdir -p "$dir" "$RUN/logs"
  if pid_alive "$dir/pid"; then log "schema registry already running (pid $(cat "$dir/pid"))"; return 0; fi
  if registry_ready; then log "a schema registry already answers on 127.0.0.1:8081 (not started here); using it"; return 0; fi
  port_open 8081 && die "port 8081 is taken by something else; cannot start the schema registry"
  java="$(find_java 21)" || die "Apicurio Registry $APICURIO_VERSION needs Java 21 or newer (none found under /usr/lib/jvm or JAVA_HOME)"
  # In-memory storage: the services re-register their schemas at start, but ids are handed out
  # again from 1, so records written before a registry restart no longer decode (README).
  (
    cd "$APICURIO_HOME"
    nohup "$java" -Xms128m -Xmx384m -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port=8081 \
      -Dapicurio.rules.global.compatibility=BACKWARD -Dquarkus.log.level=WARN \
      -jar quarkus-run.jar >>"$RUN/logs/registry.log" 2>&1 &
    echo $! > "$dir/pid"
  )
  log "schema registry starting (pid $(cat "$dir/pid"), port 8081)"
}

start() {
  fetch
  mkdir -p "$RUN/logs"
  ensure_mariadb
  ensure_redis
  kafka_start
  registry_start
  wait_until "Kafka" kafka_ready
  wait_until "schema registry" registry_ready
  log "ready: Kafka 127.0.0.1:9092, registry http://127.0.0.1:8081/apis/ccompat/v7, MariaDB 127.0.0.1:3306, Redis 127.0.0.1:6379"
}

stop() {
  stop_pidfile "$RUN/registry/pid" "schema registry"
  stop_pidfile "$RUN/kafka/pid" "kafka"
  cluster_stop
}

status() {
  local name pidfile
  for name in kafka registry cluster/broker-1 cluster/broker-2 cluster/broker-3; do
    pidfile="$RUN/$name/pid"
    if pid_alive "$pidfile"; then echo "$name pid $(cat "$pidfile")"; fi
  done
  port_open 3306 && echo "mariadb 127.0.0.1:3306 (machine)"
  port_open 6379 && echo "redis 127.0.0.1:6379 (machine)"
  return 0
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  kafka-start) kafka_start; wait_until "Kafka" kafka_ready ;;
  kafka-stop) stop_pidfile "$RUN/kafka/pid" "kafka" ;;
  kafka-kill) # SIGKILL, like a crash: no controlled shutdown, the next start recovers the logs
    if pid_alive "$RUN/kafka/pid"; then
      pid="$(cat "$RUN/kafka/pid")"; kill -9 "$pid"
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    fi
    rm -f "$RUN/kafka/pid" ;;
  cluster-start) fetch; cluster_start ;;
  cluster-stop) cluster_stop ;;
  cluster-kill) # cluster-kill <1|2|3>: SIGKILL one broker (a crash); cluster-start brings it back
    pidfile="$RUN/cluster/broker-${2:?broker number}/pid"
    if pid_alive "$pidfile"; then
      pid="$(cat "$pidfile")"; kill -9 "$pid"
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    fi
    rm -f "$pidfile" ;;
  *) echo "usage: $0 fetch|start|stop|status|kafka-start|kafka-stop|kafka-kill|cluster-start|cluster-stop|cluster-kill N" >&2; exit 2 ;;
esac
