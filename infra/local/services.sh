#!/usr/bin/env bash
# Runs the four services as background processes (no Docker): pid files and logs under
# .run/services/. `start` starts only the services that are not running and returns once
# every /health/ready answers 200; `stop` stops them (SIGTERM, then SIGKILL after 20 s).
# Each service runs under a small supervisor loop (<service>.supervisor.pid): the runtime
# exits when its consumer crashes or stalls, and the loop starts it again after 1 s, as
# compose's restart policy does. <service>.pid is always the node process itself.
#   services.sh start|stop|status [service…]
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
RUN="${INFRA_RUN_DIR:-$ROOT/.run}/services"
READY_TIMEOUT_S="${SERVICES_READY_TIMEOUT_S:-90}"
ALL_SERVICES=(order payment inventory notify)
declare -A PORTS=([order]=8080 [payment]=8082 [inventory]=8083 [notify]=8084)
declare -A DATABASES=([order]=orders [payment]=payments [inventory]=inventory [notify]=notify)

log() { echo "services: $*" >&2; }
die() { echo "services: $*" >&2; exit 1; }
pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
port_of() { local var="${1^^}_PORT"; echo "${!var:-${PORTS[$1]}}"; }

ready() { curl -fsS -o /dev/null "http://127.0.0.1:$(port_of "$1")/health/ready" 2>/dev/null; }

start_one() {
  local service="$1" pidfile="$RUN/$1.pid" port
  port="$(port_of "$service")"
  if pid_alive "$pidfile" || pid_alive "$RUN/$service.supervisor.pid"; then
    log "$service already running (pid $(cat "$pidfile" 2>/dev/null))"; return 0
  fi
  rm -f "$pidfile"
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port is taken by something else; cannot start $service"
  fi
  [ -f "$RUN/$service.log" ] && mv "$RUN/$service.log" "$RUN/$service.log.1"
  # Defaults for the local infrastructure; any of these set in the caller's env wins.
  (
    cd "$ROOT"
    export PORT="$port"
    export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:9092}"
    export SCHEMA_REGISTRY_URL="${SCHEMA_REGISTRY_URL:-http://127.0.0.1:8081/apis/ccompat/v7}"
    export MYSQL_URL="${MYSQL_URL:-mysql://root@127.0.0.1:3306}/${DATABASES[$service]}"
    export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
    if [ "$service" != order ]; then unset REDIS_URL; fi
    rm -f "$RUN/$service.stopping"
    # The supervisor: restart on a non-zero exit unless `stop` asked for it (the flag file).
    nohup bash -c '
      service="$1" run="$2"
      while :; do
        node "services/$service/src/main.ts" &
        echo $! > "$run/$service.pid"
        wait $!; code=$?
        [ -f "$run/$service.stopping" ] || [ "$code" -eq 0 ] && exit 0
        echo "services: $service exited with code $code; restarting in 1 s" >&2
        sleep 1
      done' supervise "$service" "$RUN" >>"$RUN/$service.log" 2>&1 &
    echo $! > "$RUN/$service.supervisor.pid"
    for _ in $(seq 1 50); do [ -f "$RUN/$service.pid" ] && break; sleep 0.1; done
  )
  log "$service starting (pid $(cat "$pidfile"), port $port, log .run/services/$service.log)"
}

stop_one() {
  local service="$1" pidfile="$RUN/$1.pid" supervisor="$RUN/$1.supervisor.pid" pid
  touch "$RUN/$service.stopping" # before the signal: the supervisor must not restart it
  if pid_alive "$pidfile"; then
    pid="$(cat "$pidfile")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then log "$service did not stop in 20s; killing"; kill -9 "$pid" 2>/dev/null || true; fi
    log "$service stopped"
  fi
  if pid_alive "$supervisor"; then
    for _ in $(seq 1 20); do kill -0 "$(cat "$supervisor")" 2>/dev/null || break; sleep 0.1; done
    kill "$(cat "$supervisor")" 2>/dev/null || true
  fi
  rm -f "$pidfile" "$supervisor" "$RUN/$service.stopping"
}

wait_ready() {
  local service="$1" deadline=$((SECONDS + READY_TIMEOUT_S))
  until ready "$service"; do
    if ! pid_alive "$RUN/$service.pid" || grep -q "exited with code" "$RUN/$service.log" 2>/dev/null; then
      local lines; lines="$(tail -n 20 "$RUN/$service.log" 2>/dev/null)"
      stop_one "$service" # no restart loop for a service that cannot start (bad config, no database…)
      die "$service exited during start-up; last log lines:
$lines"
    fi
    [ $SECONDS -lt $deadline ] || die "$service not ready after ${READY_TIMEOUT_S}s (see .run/services/$service.log)"
    sleep 0.5
  done
  log "$service ready on http://127.0.0.1:$(port_of "$service")"
}

command="${1:-}"; shift || true
selected=("$@"); [ ${#selected[@]} -gt 0 ] || selected=("${ALL_SERVICES[@]}")
mkdir -p "$RUN"
case "$command" in
  start)
    for s in "${selected[@]}"; do start_one "$s"; done
    for s in "${selected[@]}"; do wait_ready "$s"; done ;;
  stop) for s in "${selected[@]}"; do stop_one "$s"; done ;;
  status)
    for s in "${selected[@]}"; do
      if pid_alive "$RUN/$s.pid"; then echo "$s pid $(cat "$RUN/$s.pid") port $(port_of "$s")"; fi
    done ;;
  *) echo "usage: $0 start|stop|status [service…]" >&2; exit 2 ;;
esac
