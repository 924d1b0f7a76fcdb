#!/usr/bin/env bash
# Runs the four services as background processes (no Docker): pid files and logs under
# .run/services/. `start` starts only the services that are not running and returns once
# every /health/ready answers 200; `stop` stops them (SIGTERM, then SIGKILL after 20 s).
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
  if pid_alive "$pidfile"; then log "$service already running (pid $(cat "$pidfile"))"; return 0; fi
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
    nohup node "services/$service/src/main.ts" >>"$RUN/$service.log" 2>&1 &
    echo $! > "$RUN/$service.pid"
  )
  log "$service starting (pid $(cat "$pidfile"), port $port, log .run/services/$service.log)"
}

stop_one() {
  local service="$1" pidfile="$RUN/$1.pid" pid
  pid_alive "$pidfile" || { rm -f "$pidfile"; return 0; }
  pid="$(cat "$pidfile")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then log "$service did not stop in 20s; killing"; kill -9 "$pid" 2>/dev/null || true; fi
  rm -f "$pidfile"
  log "$service stopped"
}

wait_ready() {
  local service="$1" deadline=$((SECONDS + READY_TIMEOUT_S))
  until ready "$service"; do
    pid_alive "$RUN/$service.pid" || die "$service exited during start-up; last log lines:
$(tail -n 20 "$RUN/$service.log" 2>/dev/null)"
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
