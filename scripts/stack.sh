#!/usr/bin/env bash
# The running GoChat stack: the five services and the nginx gateway, from already built binaries.
#
#   stack.sh start    start everything in the background and wait (bounded) until every
#                     service's /readyz answers 200 and the gateway serves the app
#   stack.sh stop     stop the services and nginx (idempotent)
#   stack.sh status   what runs and whether it is ready
#   stack.sh logs     follow every log in .run/logs
#
# Settings: PROFILE (cargo profile of the binaries, release unless set), GATEWAY_PORT (8080),
# READY_TIMEOUT (seconds, 120), RUST_LOG (info), FRONTEND_ROOT (frontend/dist), VAPID_SUBJECT
# (the contact in every push's VAPID token), SOCKET_HANDLER_NODES (1; more start socket-handler-2,
# … beside the first, reached directly rather than through the gateway: see lib.sh).
# Needs .run/env from scripts/infra.sh.
# Each service logs to .run/logs/<name>.log and has its pid in .run/pids/<name>.pid.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PROFILE="${PROFILE:-release}"
GATEWAY_PORT="${GATEWAY_PORT:-8080}"
READY_TIMEOUT="${READY_TIMEOUT:-120}"
NGINX_PREFIX="$RUN_DIR/nginx"
NGINX_PIDFILE="$PID_DIR/nginx.pid"
FRONTEND_ROOT="${FRONTEND_ROOT:-$FRONTEND_DIR/dist}"

# Every service process: the five services, then any further socket-handler nodes.
PROCESSES=("${SERVICES[@]}" "${EXTRA_NODES[@]}")

pidfile() { echo "$PID_DIR/$1.pid"; }
logfile() { echo "$LOG_DIR/$1.log"; }
readyz_url() { echo "http://127.0.0.1:${SERVICE_PORT[$1]}/readyz"; }
gateway_url() { echo "http://127.0.0.1:$GATEWAY_PORT/"; }

# The VAPID key pair of Web Push (notifications signs every push with it; browsers subscribe
# with its public half), made on the first start and kept: a new key would silently end every
# browser's subscription. Deployments keep theirs in a Secret (see README, "Push notifications").
VAPID_KEY_FILE="$RUN_DIR/vapid/private.pem"
ensure_vapid_key() {
  [[ -s "$VAPID_KEY_FILE" ]] && return 0
  have openssl || die "openssl is not installed; run scripts/deps.sh (make up installs it)"
  mkdir -p "$(dirname "$VAPID_KEY_FILE")"
  (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$VAPID_KEY_FILE.tmp")
  mv "$VAPID_KEY_FILE.tmp" "$VAPID_KEY_FILE"
  info "made the VAPID key pair for push notifications (${VAPID_KEY_FILE#"$GOCHAT_ROOT"/}); keep it"
}

# Starts one service process in its own session (so a Ctrl-C in the terminal does not reach it).
# A further node (socket-handler-2) is its service's binary on that service's database.
start_service() {
  local name="$1" bin="$2" log settings=() service="${1%-[0-9]*}"
  log="$(logfile "$name")"
  : >"$log"
  # Settings only one service needs.
  if [[ "$name" == notifications ]]; then
    settings=(VAPID_PRIVATE_KEY_FILE="$VAPID_KEY_FILE"
      VAPID_SUBJECT="${VAPID_SUBJECT:-mailto:webpush@localhost.invalid}")
  fi
  # Attachments on the filesystem under .run/, one directory per database prefix (so a test
  # stack never sees a developer's files), unless ATTACHMENT_* in the environment say otherwise.
  if [[ "$name" == messages ]]; then
    settings=(ATTACHMENT_DIR="${ATTACHMENT_DIR:-$RUN_DIR/attachments/${GOCHAT_DB_PREFIX:-gochat_}}")
  fi
  (
    cd "$GOCHAT_ROOT"
    exec env "${settings[@]}" \
      HOST=127.0.0.1 \
      PORT="${SERVICE_PORT[$name]}" \
      DATABASE_URL="$PG_URL/${GOCHAT_DB_PREFIX:-gochat_}${service//-/_}" \
      AMQP_NAMESPACE="${GOCHAT_AMQP_NAMESPACE:-}" \
      REDIS_PREFIX="${GOCHAT_REDIS_PREFIX:-gochat:}" \
      AMQP_URL="$AMQP_URL" \
      REDIS_URL="$REDIS_URL" \
      ALLOWED_ORIGINS="http://localhost:$GATEWAY_PORT,http://127.0.0.1:$GATEWAY_PORT" \
      COOKIE_SECURE=false \
      RUST_LOG="${RUST_LOG:-info}" \
      NO_COLOR=1 \
      setsid "$bin"
  ) </dev/null >>"$log" 2>&1 &
  echo $! >"$(pidfile "$name")"
  info "started $name on 127.0.0.1:${SERVICE_PORT[$name]} (pid $!, log ${log#"$GOCHAT_ROOT"/})"
}

start_gateway() {
  local log="$LOG_DIR/nginx-error.log" args
  have nginx || die "nginx is not installed; run scripts/deps.sh (make up installs it)"
  export AUTH_UPSTREAM="127.0.0.1:${SERVICE_PORT[auth]}" \
    USERS_UPSTREAM="127.0.0.1:${SERVICE_PORT[users]}" \
    SOCKET_UPSTREAM="127.0.0.1:${SERVICE_PORT[socket-handler]}" \
    MESSAGES_UPSTREAM="127.0.0.1:${SERVICE_PORT[messages]}" \
    NOTIFICATIONS_UPSTREAM="127.0.0.1:${SERVICE_PORT[notifications]}" \
    FRONTEND_ROOT GATEWAY_PORT
  render_nginx "$NGINX_PREFIX" "$LOG_DIR/nginx-access.log"
  : >"$log"
  args=(-p "$NGINX_PREFIX/" -c "$NGINX_PREFIX/conf/nginx.conf" -e "$log")
  if ! nginx -t -q "${args[@]}" -g "$(nginx_globals "$NGINX_PIDFILE" "$FRONTEND_ROOT")"; then
    tail_log "$log"
    die "the rendered nginx configuration is invalid"
  fi
  # In the foreground of its own session, like the services, so $! is the master's pid.
  setsid nginx "${args[@]}" -g "daemon off; $(nginx_globals "$NGINX_PIDFILE" "$FRONTEND_ROOT")" \
    </dev/null >>"$log" 2>&1 &
  echo $! >"$NGINX_PIDFILE"
  info "started nginx on port $GATEWAY_PORT (pid $!, log ${log#"$GOCHAT_ROOT"/})"
}

# Stops the stack and exits 1 after showing why it failed.
fail_start() {
  local name
  for name in "$@"; do
    if [[ "$name" == gateway ]]; then tail_log "$LOG_DIR/nginx-error.log"; else tail_log "$(logfile "$name")"; fi
  done
  cmd_stop
  die "the stack did not start (logs are kept in ${LOG_DIR#"$GOCHAT_ROOT"/})"
}

# Polls until every service is ready and the gateway serves the app, or a process dies, or the
# deadline passes.
wait_until_ready() {
  local deadline next_report pending=("${PROCESSES[@]}" gateway) still name pid
  deadline=$((SECONDS + READY_TIMEOUT))
  next_report=$((SECONDS + 10))
  info "waiting up to ${READY_TIMEOUT}s for ${pending[*]}"
  while ((${#pending[@]} > 0)); do
    still=()
    for name in "${pending[@]}"; do
      if [[ "$name" == gateway ]]; then
        pid="$(live_pid "$NGINX_PIDFILE")" || {
          warn "nginx exited"
          fail_start gateway
        }
        [[ "$(http_status "$(gateway_url)")" == 200 ]] || still+=("$name")
      else
        pid="$(live_pid "$(pidfile "$name")")" || {
          warn "$name exited during start-up"
          fail_start "$name"
        }
        [[ "$(http_status "$(readyz_url "$name")")" == 200 ]] || still+=("$name")
      fi
    done
    pending=("${still[@]}")
    ((${#pending[@]} > 0)) || break
    if ((SECONDS >= deadline)); then
      warn "not ready after ${READY_TIMEOUT}s: ${pending[*]}"
      fail_start "${pending[@]}"
    fi
    if ((SECONDS >= next_report)); then
      info "still waiting for: ${pending[*]}"
      next_report=$((SECONDS + 10))
    fi
    sleep 0.5
  done
}

cmd_start() {
  local bindir name
  load_env
  bindir="${CARGO_TARGET_DIR:-$GOCHAT_ROOT/target}/$(cargo_profile_dir "$PROFILE")"
  for name in "${SERVICES[@]}"; do
    [[ -x "$bindir/$name" ]] || die "$bindir/$name is missing: build first (PROFILE=$PROFILE scripts/build.sh backend)"
  done
  [[ -f "$FRONTEND_ROOT/index.html" ]] || die "$FRONTEND_ROOT/index.html is missing: build first (scripts/build.sh frontend)"

  cmd_stop quiet
  for name in "${PROCESSES[@]}"; do
    ! port_open 127.0.0.1 "${SERVICE_PORT[$name]}" ||
      die "port ${SERVICE_PORT[$name]} ($name) is in use by a process this project did not start; stop it first"
  done
  ! port_open 127.0.0.1 "$GATEWAY_PORT" ||
    die "the gateway port $GATEWAY_PORT is in use by another process; stop it or set GATEWAY_PORT"
  mkdir -p "$LOG_DIR" "$PID_DIR"
  ensure_vapid_key

  for name in "${PROCESSES[@]}"; do start_service "$name" "$bindir/${name%-[0-9]*}"; done
  start_gateway
  wait_until_ready
  ok "GoChat is up: http://localhost:$GATEWAY_PORT"
}

cmd_stop() {
  local name files=()
  if ! cmd_running; then
    [[ "${1:-}" == quiet ]] || info "the stack is not running"
  fi
  # The gateway first, so nothing new reaches a service that is stopping.
  stop_pidfile "$NGINX_PIDFILE" 15
  for name in "${SERVICES[@]}"; do files+=("$(pidfile "$name")"); done
  # Further socket-handler nodes, also those a start with another SOCKET_HANDLER_NODES left.
  files+=("$PID_DIR"/socket-handler-[0-9]*.pid)
  stop_pidfiles 20 "${files[@]}"
}

# True when any part of the stack runs.
cmd_running() {
  local name
  live_pid "$NGINX_PIDFILE" >/dev/null && return 0
  for name in "${SERVICES[@]}"; do live_pid "$(pidfile "$name")" >/dev/null && return 0; done
  for name in "$PID_DIR"/socket-handler-[0-9]*.pid; do live_pid "$name" >/dev/null && return 0; done
  return 1
}

cmd_status() {
  local name pid ready
  for name in "${PROCESSES[@]}"; do
    if pid="$(live_pid "$(pidfile "$name")")"; then
      ready="$(http_status "$(readyz_url "$name")")"
      printf '  %-16s pid %-7s port %s  /readyz %s\n' "$name" "$pid" "${SERVICE_PORT[$name]}" "$ready"
    else
      printf '  %-16s stopped\n' "$name"
    fi
  done
  if pid="$(live_pid "$NGINX_PIDFILE")"; then
    printf '  %-16s pid %-7s (gateway)\n' nginx "$pid"
  else
    printf '  %-16s stopped\n' nginx
  fi
}

cmd_logs() {
  compgen -G "$LOG_DIR/*.log" >/dev/null || die "no logs yet in ${LOG_DIR#"$GOCHAT_ROOT"/}: run 'make up' first"
  exec tail -n 20 -F "$LOG_DIR"/*.log
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  running) cmd_running ;;
  status) cmd_status ;;
  logs) cmd_logs ;;
  *) die "usage: $0 start | stop | status | running | logs" ;;
esac
