#!/usr/bin/env bash
# PostgreSQL, RabbitMQ and Redis for GoChat, and the S3-compatible server the attachment tests use.
#
#   infra.sh up            for each server: use the machine's when its usual port (5432, 5672,
#                          6379) accepts connections, else start a private instance under .run/
#                          (ports 55432, 55672, 56379); start moto's S3 server (port 59000) when
#                          moto is installed; write .run/env; create the databases.
#   infra.sh down [NAME..] stop the private instances this project started (all, or the named
#                          ones: postgres, rabbitmq, redis, s3). The machine's servers are never
#                          touched.
#   infra.sh status        say what is used and whether it answers.
#   infra.sh reset-databases  drop and recreate the five databases (after editing a migration).
#
# A private instance is recorded by a marker in .run/private/<name>; only those are ever stopped.
# To try the private path on a machine whose servers run, point the probes at a closed port:
#   GOCHAT_PG_PORT=1 GOCHAT_REDIS_PORT=1 GOCHAT_AMQP_PORT=1 scripts/infra.sh up
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# GOCHAT_DB_PREFIX lets `make test` run its stack on databases of its own (see test.sh), so a
# developer's data never affects a test run and a test run never touches it.
DB_PREFIX="${GOCHAT_DB_PREFIX:-gochat_}"
DATABASES=()
for service in "${SERVICES[@]}"; do DATABASES+=("${DB_PREFIX}${service//-/_}"); done

RABBIT_NODE="gochat@localhost"
RABBIT_BASE="$RUN_DIR/rabbitmq"
REDIS_DIR="$RUN_DIR/redis"
S3_DIR="$RUN_DIR/s3"

marker() { echo "$PRIVATE_DIR/$1"; }
# Records that this project started the named instance; extra lines are key=value details.
mark_private() {
  local name="$1"
  shift
  mkdir -p "$PRIVATE_DIR"
  printf '%s\n' "$@" >"$(marker "$name")"
}
# Prints a detail recorded for a private instance. Usage: private_detail NAME KEY
private_detail() { sed -n "s/^$2=//p" "$(marker "$1")" 2>/dev/null | head -n 1; }

# Prints the port to use for a server: the machine's when it answers, else the private one after
# making sure the private instance runs. Usage: ensure_server NAME MACHINE_PORT PRIVATE_PORT
ensure_server() {
  local name="$1" machine_port="$2" private_port="$3"
  if port_open 127.0.0.1 "$machine_port" && [[ ! -f "$(marker "$name")" ]]; then
    info "$name: using the machine's server on 127.0.0.1:$machine_port" >&2
    echo "$machine_port"
    return
  fi
  if port_open 127.0.0.1 "$private_port"; then
    [[ -f "$(marker "$name")" ]] ||
      die "$name: port $private_port is taken by something this project did not start"
    info "$name: reusing the private instance on 127.0.0.1:$private_port" >&2
  else
    info "$name: 127.0.0.1:$machine_port does not answer; starting a private instance on port $private_port" >&2
    "start_private_$name" "$private_port" >&2
  fi
  echo "$private_port"
}

# ---- PostgreSQL ------------------------------------------------------------------------------

pg_bindir() {
  local dir
  dir="$(compgen -G '/usr/lib/postgresql/*/bin' | sort -V | tail -n 1 || true)"
  [[ -n "$dir" && -x "$dir/pg_ctl" ]] ||
    die "postgres: no server binaries under /usr/lib/postgresql/*/bin; run scripts/deps.sh"
  echo "$dir"
}

# PostgreSQL refuses to run as root, so as root it runs as the postgres OS user.
pg_os_user() { if [[ $EUID -eq 0 ]]; then echo postgres; else id -un; fi; }
as_pg() { as_user "$(pg_os_user)" "$@"; }

# The data directory: .run/postgres, unless the postgres user cannot reach the project folder
# (a clone under /root), then a folder under /var/tmp named after the project path.
pg_data_dir() {
  local data="$RUN_DIR/postgres" user
  user="$(pg_os_user)"
  mkdir -p "$data"
  [[ $EUID -ne 0 ]] || chown "$user:" "$data"
  chmod 700 "$data"
  if ! as_pg test -w "$data"; then
    data="/var/tmp/gochat-postgres-$(printf '%s' "$GOCHAT_ROOT" | cksum | cut -d' ' -f1)"
    warn "postgres: $user cannot reach $RUN_DIR; using $data instead" >&2
    mkdir -p "$data"
    chown "$user:" "$data"
    chmod 700 "$data"
  fi
  echo "$data"
}

start_private_postgres() {
  local port="$1" bindir data
  bindir="$(pg_bindir)"
  data="$(pg_data_dir)"
  if [[ ! -s "$data/PG_VERSION" ]]; then
    info "postgres: initdb in $data"
    as_pg "$bindir/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 \
      --locale=C.UTF-8 >/dev/null
    # A throwaway development instance: TCP on loopback only, no socket file, speed over
    # crash safety.
    as_pg tee -a "$data/postgresql.conf" >/dev/null <<CONF

# --- GoChat private development instance (scripts/infra.sh) ---
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  fi
  mark_private postgres "port=$port" "data=$data"
  if ! as_pg "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -o "-p $port" -w -t 60 start \
    >/dev/null; then
    tail_log "$data/server.log"
    die "postgres: the private instance did not start"
  fi
}

stop_private_postgres() {
  local data
  data="$(private_detail postgres data)"
  if [[ -n "$data" && -f "$data/postmaster.pid" ]]; then
    info "postgres: stopping the private instance ($data)"
    as_pg "$(pg_bindir)/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null ||
      warn "postgres: pg_ctl stop failed"
  fi
}

create_databases() {
  local db exists
  for db in "${DATABASES[@]}"; do
    exists="$(psql "$PG_URL/postgres" -XtAq -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" ||
      die "postgres: cannot query $PG_URL as user postgres (trust authentication on 127.0.0.1 is expected)"
    if [[ "$exists" != 1 ]]; then
      info "postgres: creating database $db"
      psql "$PG_URL/postgres" -Xq -v ON_ERROR_STOP=1 -c "CREATE DATABASE $db" >/dev/null
    fi
  done
  info "postgres: databases ${DATABASES[*]} are there"
}

drop_databases() {
  local db
  for db in "${DATABASES[@]}"; do
    info "postgres: dropping database $db"
    psql "$PG_URL/postgres" -Xq -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
  done
}

# ---- Redis -----------------------------------------------------------------------------------

start_private_redis() {
  local port="$1"
  have redis-server || die "redis: redis-server is not installed; run scripts/deps.sh"
  mkdir -p "$REDIS_DIR"
  mark_private redis "port=$port"
  redis-server --port "$port" --bind 127.0.0.1 --dir "$REDIS_DIR" --daemonize yes --save "" \
    --appendonly no --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log"
  if ! wait_for_port 127.0.0.1 "$port" 30; then
    tail_log "$REDIS_DIR/redis.log"
    die "redis: the private instance did not start"
  fi
}

stop_private_redis() {
  [[ -f "$REDIS_DIR/redis.pid" ]] || return 0
  stop_pidfile "$REDIS_DIR/redis.pid" 30
}

# ---- S3 (moto) -------------------------------------------------------------------------------

# Prints the S3 endpoint, starting moto's server when it is not running; nothing (and a warning)
# when moto is not installed, so `make up` needs no Python. A server already answering on the
# port (another clone's) is used as it is.
ensure_s3() {
  local port="$S3_PRIVATE_PORT" moto
  if port_open 127.0.0.1 "$port"; then
    info "s3: using the server on 127.0.0.1:$port" >&2
  else
    if ! moto="$(moto_server_bin)"; then
      warn "s3: moto is not installed (scripts/deps.sh installs it); the S3 attachment tests will fail" >&2
      return 0
    fi
    info "s3: starting moto's S3 server on 127.0.0.1:$port" >&2
    mkdir -p "$S3_DIR"
    mark_private s3 "port=$port"
    nohup "$moto" -H 127.0.0.1 -p "$port" >"$S3_DIR/moto.log" 2>&1 </dev/null &
    echo $! >"$S3_DIR/moto.pid"
    if ! wait_for_port 127.0.0.1 "$port" 60; then
      tail_log "$S3_DIR/moto.log" >&2
      die "s3: moto's server did not start"
    fi
  fi
  echo "http://127.0.0.1:$port"
}

stop_private_s3() {
  [[ -f "$S3_DIR/moto.pid" ]] || return 0
  stop_pidfile "$S3_DIR/moto.pid" 15
}

# ---- RabbitMQ --------------------------------------------------------------------------------

# Runs a RabbitMQ command against the private node. Every setting points into .run/rabbitmq:
# the machine's /etc/rabbitmq files (which pin the listener to 5672) are not read, the Erlang
# cookie lives in a private HOME, and the node registers with its own epmd on a private port, so
# stopping it leaves nothing behind and the machine's node is never involved.
rabbit() {
  local cmd="$1" bindir=/usr/lib/rabbitmq/bin
  shift
  [[ -x "$bindir/$cmd" ]] || bindir="$(dirname "$(command -v "$cmd" || echo /missing/x)")"
  [[ -x "$bindir/$cmd" ]] || die "rabbitmq: $cmd is not installed; run scripts/deps.sh"
  (cd "$RABBIT_BASE" && env \
    HOME="$RABBIT_BASE/home" \
    ERL_EPMD_PORT="$AMQP_PRIVATE_EPMD_PORT" \
    ERL_EPMD_ADDRESS=127.0.0.1 \
    RABBITMQ_NODENAME="$RABBIT_NODE" \
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT="$AMQP_PRIVATE_PORT" \
    RABBITMQ_DIST_PORT="$AMQP_PRIVATE_DIST_PORT" \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    RABBITMQ_CONF_ENV_FILE="$RABBIT_BASE/rabbitmq-env.conf" \
    RABBITMQ_CONFIG_FILE="$RABBIT_BASE/rabbitmq.conf" \
    RABBITMQ_ADVANCED_CONFIG_FILE="$RABBIT_BASE/advanced.config" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$RABBIT_BASE/enabled_plugins" \
    RABBITMQ_MNESIA_BASE="$RABBIT_BASE/mnesia" \
    RABBITMQ_LOG_BASE="$RABBIT_BASE/log" \
    RABBITMQ_PID_FILE="$RABBIT_BASE/rabbitmq.pid" \
    "$bindir/$cmd" "$@")
}

start_private_rabbitmq() {
  local port="$1" deadline
  mkdir -p "$RABBIT_BASE/home" "$RABBIT_BASE/mnesia" "$RABBIT_BASE/log"
  chmod 700 "$RABBIT_BASE/home"
  printf '# GoChat private development node (scripts/infra.sh)\nlisteners.tcp.default = 127.0.0.1:%s\n' \
    "$port" >"$RABBIT_BASE/rabbitmq.conf"
  printf '# GoChat private development node: settings come from the environment.\n' \
    >"$RABBIT_BASE/rabbitmq-env.conf"
  printf '[].\n' >"$RABBIT_BASE/enabled_plugins"
  mark_private rabbitmq "port=$port"
  AMQP_PRIVATE_PORT="$port" rabbit rabbitmq-server -detached >>"$RABBIT_BASE/log/startup.log" 2>&1
  info "rabbitmq: waiting for $RABBIT_NODE to start"
  deadline=$((SECONDS + 120))
  until rabbit rabbitmqctl -n "$RABBIT_NODE" -q await_startup >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      tail_log "$RABBIT_BASE/log/startup.log"
      tail_log "$(compgen -G "$RABBIT_BASE/log/*.log" | grep -v startup | head -n 1 || true)"
      die "rabbitmq: the private node did not start within 120s"
    fi
    sleep 1
  done
  wait_for_port 127.0.0.1 "$port" 30 || die "rabbitmq: the node runs but does not listen on $port"
}

# The pid of the private node: from its pid file, or, when it was interrupted before writing
# one, the Erlang VM whose -home is our private HOME (no other process has that).
rabbit_pid() {
  local pid
  live_pid "$RABBIT_BASE/rabbitmq.pid" && return 0
  for pid in $(pgrep -x beam.smp || true); do
    if tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF "$RABBIT_BASE/home"; then
      echo "$pid"
      return 0
    fi
  done
  return 1
}

stop_private_rabbitmq() {
  local pid deadline
  if pid="$(rabbit_pid)"; then
    info "rabbitmq: stopping the private node $RABBIT_NODE (pid $pid)"
    rabbit rabbitmqctl -n "$RABBIT_NODE" -q stop >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + 30))
    while kill -0 "$pid" 2>/dev/null; do
      if ((SECONDS >= deadline)); then
        warn "rabbitmq: the private node did not stop within 30s; killing it"
        kill -KILL "$pid" 2>/dev/null || true
        break
      fi
      sleep 0.2
    done
  fi
  rm -f "$RABBIT_BASE/rabbitmq.pid"
  # The node's own epmd, on its private port; it exits once no node is registered.
  ERL_EPMD_PORT="$AMQP_PRIVATE_EPMD_PORT" epmd -kill >/dev/null 2>&1 || true
}

# ---- Commands --------------------------------------------------------------------------------

cmd_up() {
  local pg_port amqp_port redis_port s3_endpoint
  mkdir -p "$RUN_DIR"
  pg_port="$(ensure_server postgres "$PG_PORT" "$PG_PRIVATE_PORT")"
  redis_port="$(ensure_server redis "$REDIS_PORT" "$REDIS_PRIVATE_PORT")"
  amqp_port="$(ensure_server rabbitmq "$AMQP_PORT" "$AMQP_PRIVATE_PORT")"
  s3_endpoint="$(ensure_s3)"

  PG_URL="postgres://postgres@127.0.0.1:$pg_port"
  AMQP_URL="amqp://guest:guest@127.0.0.1:$amqp_port/%2f"
  REDIS_URL="redis://127.0.0.1:$redis_port"
  cat >"$ENV_FILE.tmp" <<ENV
# Written by scripts/infra.sh: where GoChat's infrastructure answers. Source it: . .run/env
export PG_URL=$PG_URL
export AMQP_URL=$AMQP_URL
export REDIS_URL=$REDIS_URL
export S3_TEST_ENDPOINT=$s3_endpoint
ENV
  mv "$ENV_FILE.tmp" "$ENV_FILE"
  info "wrote $ENV_FILE (PG_URL=$PG_URL AMQP_URL=$AMQP_URL REDIS_URL=$REDIS_URL)"
  create_databases
}

cmd_down() {
  local names=("$@") name
  ((${#names[@]} > 0)) || names=(rabbitmq redis postgres s3)
  for name in "${names[@]}"; do
    case "$name" in postgres | redis | rabbitmq | s3) ;; *) die "unknown instance: $name" ;; esac
    [[ -f "$(marker "$name")" ]] || continue
    "stop_private_$name"
    rm -f "$(marker "$name")"
    # .run/env names the instance just stopped; `infra.sh up` writes it again.
    rm -f "$ENV_FILE"
  done
  if [[ ! -d "$PRIVATE_DIR" ]] || [[ -z "$(ls -A "$PRIVATE_DIR")" ]]; then
    rm -rf "$PRIVATE_DIR"
  fi
}

cmd_status() {
  local name port kind
  for name in postgres redis rabbitmq; do
    if [[ -f "$(marker "$name")" ]]; then
      kind=private port="$(private_detail "$name" port)"
    else
      kind=machine
      case "$name" in postgres) port=$PG_PORT ;; redis) port=$REDIS_PORT ;; rabbitmq) port=$AMQP_PORT ;; esac
    fi
    if port_open 127.0.0.1 "$port"; then
      printf '  %-9s %-8s 127.0.0.1:%-6s up\n' "$name" "$kind" "$port"
    else
      printf '  %-9s %-8s 127.0.0.1:%-6s down\n' "$name" "$kind" "$port"
    fi
  done
}

case "${1:-}" in
  up) cmd_up ;;
  down) shift && cmd_down "$@" ;;
  status) cmd_status ;;
  reset-databases) cmd_up && drop_databases && create_databases ;;
  *) die "usage: $0 up | down [postgres|redis|rabbitmq|s3 ...] | status | reset-databases" ;;
esac
