#!/usr/bin/env bash
# A private MariaDB server in a folder of its own, for the fault-injection suite: it can be
# SIGKILLed and restarted (InnoDB crash recovery) without touching the machine's database.
#   mariadb-sandbox.sh start <dir> <port>   initialise on first use, start, wait until it answers
#   mariadb-sandbox.sh kill <dir>           SIGKILL (a crash: no clean shutdown)
#   mariadb-sandbox.sh stop <dir>           clean shutdown (SIGTERM, then SIGKILL after 30 s)
set -euo pipefail

die() { echo "mariadb-sandbox: $*" >&2; exit 1; }
command="${1:-}"; dir="${2:-}"
[ -n "$dir" ] || die "usage: $0 start <dir> <port> | kill <dir> | stop <dir>"
pidfile="$dir/mariadbd.pid"
pid_alive() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

case "$command" in
  start)
    port="${3:?port}"
    command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || die "mariadbd is not installed"
    pid_alive && { echo "mariadb-sandbox: already running (pid $(cat "$pidfile"))" >&2; exit 0; }
    mkdir -p "$dir"
    if [ ! -d "$dir/data/mysql" ]; then
      mariadb-install-db --no-defaults --datadir="$dir/data" --user="$(id -un)" \
        --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1 \
        || die "mariadb-install-db failed (see $dir/install.log)"
    fi
    # Durable commits as in production (flush at every commit); small buffers for a test box.
    nohup /usr/sbin/mariadbd --no-defaults --datadir="$dir/data" --port="$port" --bind-address=127.0.0.1 \
      --socket="$dir/mariadbd.sock" --pid-file="$pidfile" --log-error="$dir/error.log" --user="$(id -un)" \
      --innodb-buffer-pool-size=128M --innodb-flush-log-at-trx-commit=1 --max-connections=500 \
      --skip-name-resolve >/dev/null 2>&1 &
    for _ in $(seq 1 240); do
      port_open "$port" && [ -f "$pidfile" ] && exit 0
      sleep 0.25
    done
    die "not answering on 127.0.0.1:$port after 60 s (see $dir/error.log)" ;;
  kill)
    if pid_alive; then
      pid="$(cat "$pidfile")"; kill -9 "$pid"
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    fi
    rm -f "$pidfile" ;;
  stop)
    if pid_alive; then
      pid="$(cat "$pidfile")"; kill "$pid"
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile" ;;
  *) die "usage: $0 start <dir> <port> | kill <dir> | stop <dir>" ;;
esac
