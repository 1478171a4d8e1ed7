#!/usr/bin/env bash
# Start, stop or kill the three message brokers the service reads from, on 127.0.0.1, in a scratch folder.
# Installs nothing: it runs Debian's rabbitmq-server, nats-server (JetStream on) and redis-server (AOF on).
#
#   scripts/brokers.sh start [rabbitmq|nats|redis ...]   start (default: all three); already running ones are left alone
#   scripts/brokers.sh stop  [NAME ...]                  stop gracefully
#   scripts/brokers.sh kill  NAME ...                    SIGKILL (fault tests); the data folder stays, start recovers it
#   scripts/brokers.sh status                            which are up, and their URIs
#
# Environment: BROKERS_DIR (default /tmp/scheduler-brokers), RABBITMQ_PORT (5672), NATS_PORT (4222), REDIS_PORT (6379).
set -euo pipefail

dir=${BROKERS_DIR:-/tmp/scheduler-brokers}
rabbitmq_port=${RABBITMQ_PORT:-5672}
nats_port=${NATS_PORT:-4222}
redis_port=${REDIS_PORT:-6379}
# A node name of its own, so a system RabbitMQ (if any) is not disturbed; its distribution port beside the AMQP one.
rabbitmq_node=${RABBITMQ_NODE:-scheduler-$rabbitmq_port@localhost}

usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() { # NAME PORT SECONDS
  local deadline=$((SECONDS + $3))
  until port_open "$2"; do
    if [ $SECONDS -ge $deadline ]; then
      echo "brokers: $1 did not open 127.0.0.1:$2 within $3 s; its log is under $dir/$1" >&2
      return 1
    fi
    sleep 0.2
  done
}

require() {
  command -v "$1" >/dev/null 2>&1 || { echo "brokers: $1 is not installed (apt-get install $2)" >&2; exit 1; }
}

# The pid file, else the process whose command line names the broker's folder: a RabbitMQ stopping late removes
# the pid file its successor wrote, and a kill must still find the server that runs.
pid_of() { if [ -s "$dir/$1/pid" ]; then cat "$dir/$1/pid"; else pgrep -o -f "$dir/$1" 2>/dev/null || true; fi; }

alive() { local pid; pid=$(pid_of "$1"); [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

rabbitmq_env() {
  local base=$dir/rabbitmq
  export RABBITMQ_MNESIA_BASE=$base/mnesia RABBITMQ_LOG_BASE=$base/log
  export RABBITMQ_FEATURE_FLAGS_FILE=$base/feature_flags RABBITMQ_ENABLED_PLUGINS_FILE=$base/enabled_plugins
  export RABBITMQ_PID_FILE=$base/pid RABBITMQ_NODENAME=$rabbitmq_node
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=$rabbitmq_port RABBITMQ_DIST_PORT=$((rabbitmq_port + 20000))
  export RABBITMQ_CONFIG_FILE=$base/rabbitmq ERL_EPMD_ADDRESS=127.0.0.1
  export HOME=$base # the Erlang cookie lives here
}

start_rabbitmq() {
  require rabbitmq-server rabbitmq-server
  if port_open "$rabbitmq_port"; then echo "brokers: rabbitmq already on 127.0.0.1:$rabbitmq_port"; return; fi
  rabbitmq_env
  mkdir -p "$RABBITMQ_MNESIA_BASE" "$RABBITMQ_LOG_BASE"
  [ -f "$RABBITMQ_ENABLED_PLUGINS_FILE" ] || echo '[].' >"$RABBITMQ_ENABLED_PLUGINS_FILE"
  # Loopback only; the default guest user may connect from loopback. Quiet the disk alarm on small scratch disks.
  printf 'listeners.tcp.default = 127.0.0.1:%s\ndisk_free_limit.absolute = 50MB\n' "$rabbitmq_port" >"$RABBITMQ_CONFIG_FILE.conf"
  local runner=()
  if [ "$(id -u)" -eq 0 ]; then
    # As root RabbitMQ runs as its own user, which must own its folders.
    chown -R rabbitmq:rabbitmq "$dir/rabbitmq"
    runner=(runuser -u rabbitmq --preserve-environment --)
  fi
  setsid "${runner[@]}" /usr/lib/rabbitmq/bin/rabbitmq-server >"$dir/rabbitmq/log/stdout.log" 2>&1 </dev/null &
  wait_port rabbitmq "$rabbitmq_port" 90
  echo "brokers: rabbitmq on amqp://127.0.0.1:$rabbitmq_port (node $rabbitmq_node)"
}

start_nats() {
  require nats-server nats-server
  if port_open "$nats_port"; then echo "brokers: nats already on 127.0.0.1:$nats_port"; return; fi
  mkdir -p "$dir/nats/store"
  setsid nats-server -a 127.0.0.1 -p "$nats_port" -js -sd "$dir/nats/store" -P "$dir/nats/pid" \
    >"$dir/nats/server.log" 2>&1 </dev/null &
  wait_port nats "$nats_port" 30
  echo "brokers: nats (JetStream) on nats://127.0.0.1:$nats_port"
}

start_redis() {
  require redis-server redis-server
  if port_open "$redis_port"; then echo "brokers: redis already on 127.0.0.1:$redis_port"; return; fi
  mkdir -p "$dir/redis"
  # AOF on, fsynced before every answer: an entry Redis has answered survives a SIGKILL of the server. With
  # `everysec` Redis postpones its AOF writes for up to 2 s while an fsync is slow (a busy disk) yet still answers,
  # so a kill then loses writes it acknowledged: seen here as results missing after the broker-kill test.
  setsid redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$dir/redis" --appendonly yes --appendfsync always \
    --save '' --pidfile "$dir/redis/pid" --logfile "$dir/redis/server.log" --daemonize no >/dev/null 2>&1 </dev/null &
  echo $! >"$dir/redis/pid"
  wait_port redis "$redis_port" 30
  echo "brokers: redis on redis://127.0.0.1:$redis_port"
}

signal() { # SIGNAL NAME
  local pid
  pid=$(pid_of "$2")
  if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
    echo "brokers: $2 is not running (no live pid under $dir/$2)"
    return
  fi
  kill "-$1" "$pid" 2>/dev/null || true
  # Wait until it is gone, so a start right after finds the port free.
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if [ "$2" = rabbitmq ]; then
    # The Erlang VM's helpers (erl_child_setup, inet_gethost) follow their parent; epmd is shared and stays.
    pkill "-$1" -f "$dir/rabbitmq" 2>/dev/null || true
  fi
  echo "brokers: $2 stopped ($1)"
}

command=${1:-}
[ -n "$command" ] || usage
shift
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(rabbitmq nats redis)
for name in "${names[@]}"; do
  case $name in rabbitmq|nats|redis) ;; *) echo "brokers: unknown broker '$name' (rabbitmq, nats, redis)" >&2; exit 2 ;; esac
done
mkdir -p "$dir"

case $command in
  start)
    for name in "${names[@]}"; do mkdir -p "$dir/$name"; "start_$name"; done ;;
  stop)
    for name in "${names[@]}"; do signal TERM "$name"; done ;;
  kill)
    [ $# -gt 0 ] || { echo "brokers: kill needs a broker name" >&2; exit 2; }
    for name in "${names[@]}"; do signal KILL "$name"; done ;;
  status)
    for name in "${names[@]}"; do
      port_var=${name}_port
      if port_open "${!port_var}"; then echo "$name up on 127.0.0.1:${!port_var}"; else echo "$name down"; fi
    done ;;
  *) usage ;;
esac
