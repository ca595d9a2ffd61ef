#!/usr/bin/env bash
# shellcheck shell=bash disable=SC2034  # the variables below are used by the scripts sourcing this
# Shared helpers for the GoChat developer scripts: paths, logging, waiting, process control and
# rendering the nginx gateway. Source it (`. "$(dirname "$0")/lib.sh"`); it does nothing by itself.

GOCHAT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN_DIR="$GOCHAT_ROOT/.run"         # everything a local run writes: env, logs, pids, private data
LOG_DIR="$RUN_DIR/logs"             # one log per service, plus nginx's
PID_DIR="$RUN_DIR/pids"             # one pid file per service, plus nginx's
PRIVATE_DIR="$RUN_DIR/private"      # one marker per infrastructure instance this project started
ENV_FILE="$RUN_DIR/env"             # PG_URL, AMQP_URL, REDIS_URL for services and tests
FRONTEND_DIR="$GOCHAT_ROOT/frontend"

# The five services, in start order, and the port each listens on: GOCHAT_SERVICE_PORT_BASE (8081)
# and the four after it, so that a second stack (another checkout) can run beside the first.
SERVICES=(auth users socket-handler messages notifications)
SERVICE_PORT_BASE="${GOCHAT_SERVICE_PORT_BASE:-8081}"
declare -A SERVICE_PORT=(
  [auth]=$SERVICE_PORT_BASE [users]=$((SERVICE_PORT_BASE + 1)) [socket-handler]=$((SERVICE_PORT_BASE + 2))
  [messages]=$((SERVICE_PORT_BASE + 3)) [notifications]=$((SERVICE_PORT_BASE + 4))
)
# socket-handler nodes beyond the first (SOCKET_HANDLER_NODES in all, 1 unless set; `make bench`
# runs 2): socket-handler-2, … on the ports after the five services'. The gateway sends /ws/* to
# the first alone; the bench's W8 connects to every node directly.
SOCKET_HANDLER_NODES="${SOCKET_HANDLER_NODES:-1}"
EXTRA_NODES=()
for ((node = 2; node <= SOCKET_HANDLER_NODES; node++)); do
  EXTRA_NODES+=("socket-handler-$node")
  SERVICE_PORT[socket-handler-$node]=$((SERVICE_PORT_BASE + 3 + node))
done
unset node

# The well-known local infrastructure ports, and the ports of the private instances started under
# .run/ when those are closed. Overridable through GOCHAT_-prefixed variables (e.g.
# GOCHAT_PG_PORT=1 forces a private Postgres); the prefix keeps clear of the REDIS_PORT=tcp://...
# style variables that Docker links and Kubernetes services put into environments.
PG_PORT="${GOCHAT_PG_PORT:-5432}"
PG_PRIVATE_PORT="${GOCHAT_PG_PRIVATE_PORT:-55432}"
REDIS_PORT="${GOCHAT_REDIS_PORT:-6379}"
REDIS_PRIVATE_PORT="${GOCHAT_REDIS_PRIVATE_PORT:-56379}"
AMQP_PORT="${GOCHAT_AMQP_PORT:-5672}"
AMQP_PRIVATE_PORT="${GOCHAT_AMQP_PRIVATE_PORT:-55672}"
AMQP_PRIVATE_DIST_PORT="${GOCHAT_AMQP_PRIVATE_DIST_PORT:-55673}"
AMQP_PRIVATE_EPMD_PORT="${GOCHAT_AMQP_PRIVATE_EPMD_PORT:-54369}"
# The S3-compatible server the attachment tests run against (moto's, always a private instance:
# no machine has one on a well-known port).
S3_PRIVATE_PORT="${GOCHAT_S3_PORT:-59000}"
MOTO_VERSION="5.2.1"
MOTO_VENV="${XDG_CACHE_HOME:-$HOME/.cache}/gochat/moto-$MOTO_VERSION"

# ---------------------------------------------------------------------------------------------
# Logging

if [[ -t 2 && -z "${NO_COLOR:-}" ]]; then
  _c_bold=$'\e[1m' _c_blue=$'\e[34m' _c_yellow=$'\e[33m' _c_red=$'\e[31m' _c_green=$'\e[32m'
  _c_reset=$'\e[0m'
else
  _c_bold='' _c_blue='' _c_yellow='' _c_red='' _c_green='' _c_reset=''
fi

info() { printf '%s==>%s %s\n' "$_c_blue" "$_c_reset" "$*" >&2; }
warn() { printf '%swarning:%s %s\n' "$_c_yellow" "$_c_reset" "$*" >&2; }
ok() { printf '%s%s%s\n' "$_c_green" "$*" "$_c_reset" >&2; }
die() {
  printf '%serror:%s %s\n' "$_c_red" "$_c_reset" "$*" >&2
  exit 1
}
# A step header, so a long run reads as a list of steps.
header() { printf '\n%s%s=== %s ===%s\n' "$_c_bold" "$_c_blue" "$*" "$_c_reset" >&2; }

# Prints the last lines of a log file, framed, to stderr.
tail_log() {
  local file="$1" lines="${2:-40}"
  if [[ -s "$file" ]]; then
    printf -- '----- last %s lines of %s -----\n' "$lines" "$file" >&2
    tail -n "$lines" "$file" >&2
    printf -- '----- end of %s -----\n' "$file" >&2
  else
    printf -- '(%s is empty or missing)\n' "$file" >&2
  fi
}

# ---------------------------------------------------------------------------------------------
# Commands and privileges

have() { command -v "$1" >/dev/null 2>&1; }

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
  if [[ $EUID -eq 0 ]]; then
    "$@"
  elif have sudo; then
    sudo "$@"
  else
    die "need root for: $* (run as root or install sudo)"
  fi
}

# Runs a command as the given OS user (from /, so an unreadable working directory is no problem).
as_user() {
  local user="$1"
  shift
  if [[ "$(id -un)" == "$user" ]]; then
    (cd / && "$@")
  elif [[ $EUID -eq 0 ]]; then
    (cd / && runuser -u "$user" -- "$@")
  else
    (cd / && sudo -u "$user" -- "$@")
  fi
}

# ---------------------------------------------------------------------------------------------
# Ports and HTTP

# True when something accepts TCP connections on host:port.
port_open() {
  local host="$1" port="$2"
  # shellcheck disable=SC2016  # $1 and $2 expand in the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$host" "$port" >/dev/null 2>&1
}

# Prints the first port from $1 upwards that nobody listens on.
free_port() {
  local port="$1"
  while port_open 127.0.0.1 "$port"; do
    port=$((port + 1))
    ((port < 65535)) || die "no free port found"
  done
  echo "$port"
}

# Waits until host:port accepts connections. Usage: wait_for_port HOST PORT TIMEOUT_SECS
wait_for_port() {
  local host="$1" port="$2" timeout="$3" deadline
  deadline=$((SECONDS + timeout))
  until port_open "$host" "$port"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# Prints the HTTP status of a GET (000 when nothing answered).
http_status() {
  curl -s -o /dev/null -w '%{http_code}' --connect-timeout 2 --max-time 5 "$1" 2>/dev/null || true
}

# Waits until a GET answers with the expected status (200 unless given).
# Usage: wait_for_http URL TIMEOUT_SECS [STATUS]
wait_for_http() {
  local url="$1" timeout="$2" want="${3:-200}" deadline
  deadline=$((SECONDS + timeout))
  until [[ "$(http_status "$url")" == "$want" ]]; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

# ---------------------------------------------------------------------------------------------
# Processes started by these scripts

# Prints the pid recorded in a pid file if that process is still alive.
live_pid() {
  local file="$1" pid
  [[ -s "$file" ]] || return 1
  pid="$(tr -dc '0-9' <"$file")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# Stops the processes of some pid files together: TERM to all, a bounded wait, then KILL for any
# left. Removes the pid files. Usage: stop_pidfiles TIMEOUT_SECS PIDFILE...
stop_pidfiles() {
  local timeout="$1" file pid deadline names=() pids=() left
  shift
  for file in "$@"; do
    if pid="$(live_pid "$file")"; then
      pids+=("$pid")
      names+=("$(basename "$file" .pid) ($pid)")
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  if ((${#pids[@]} > 0)); then
    info "stopping ${names[*]}"
    deadline=$((SECONDS + timeout))
    while :; do
      left=()
      for pid in "${pids[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then left+=("$pid"); fi
      done
      ((${#left[@]} > 0)) || break
      if ((SECONDS >= deadline)); then
        warn "pids ${left[*]} did not stop within ${timeout}s; killing them"
        kill -KILL "${left[@]}" 2>/dev/null || true
        # A process with thousands of sockets takes a moment to die; its port is free after.
        for pid in "${left[@]}"; do
          while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline + 10)); do sleep 0.1; done
        done
        break
      fi
      sleep 0.2
    done
  fi
  rm -f "$@"
}

# Stops the process of one pid file (see stop_pidfiles). Usage: stop_pidfile PIDFILE [TIMEOUT]
stop_pidfile() { stop_pidfiles "${2:-15}" "$1"; }

# ---------------------------------------------------------------------------------------------
# Environment written by scripts/infra.sh

# Prints the moto_server to run: the project's virtualenv's (scripts/deps.sh), else one on PATH.
moto_server_bin() {
  if [[ -x "$MOTO_VENV/bin/moto_server" ]]; then
    echo "$MOTO_VENV/bin/moto_server"
  elif have moto_server; then
    command -v moto_server
  else
    return 1
  fi
}

load_env() {
  [[ -f "$ENV_FILE" ]] || die "$ENV_FILE is missing: run 'scripts/infra.sh up' (or 'make up') first"
  # shellcheck source=/dev/null
  . "$ENV_FILE"
}

# ---------------------------------------------------------------------------------------------
# Cargo

# Puts rustup's cargo on PATH when it is installed but not on PATH yet (a fresh login).
ensure_cargo_on_path() {
  if ! have cargo && [[ -f "$HOME/.cargo/env" ]]; then
    # shellcheck source=/dev/null
    . "$HOME/.cargo/env"
  fi
  have cargo || die "cargo is missing: run scripts/deps.sh (make up installs it)"
}

# The directory under target/ that a cargo profile writes to.
cargo_profile_dir() {
  case "$1" in
    dev | test) echo debug ;;
    bench) echo release ;;
    *) echo "$1" ;;
  esac
}

# ---------------------------------------------------------------------------------------------
# nginx gateway

# The variables the gateway template uses. envsubst gets exactly this list, so nginx's own
# $variables ($host, $uri, ...) pass through untouched.
# shellcheck disable=SC2016
NGINX_TEMPLATE_VARS='${AUTH_UPSTREAM} ${USERS_UPSTREAM} ${SOCKET_UPSTREAM} ${MESSAGES_UPSTREAM} ${NOTIFICATIONS_UPSTREAM} ${FRONTEND_ROOT} ${GATEWAY_PORT}'

# Renders nginx/nginx.conf and the gateway template into a private nginx prefix:
#   PREFIX/conf/nginx.conf, PREFIX/conf/mime.types, PREFIX/conf/conf.d/{00-local.conf,gateway.conf}
# 00-local.conf points temp files and the access log into the prefix, so nginx never writes to
# /var/lib/nginx or /var/log/nginx. The upstream variables must be set by the caller.
# Usage: render_nginx PREFIX ACCESS_LOG
render_nginx() {
  local prefix="$1" access_log="$2" mime var
  for var in AUTH_UPSTREAM USERS_UPSTREAM SOCKET_UPSTREAM MESSAGES_UPSTREAM NOTIFICATIONS_UPSTREAM \
    FRONTEND_ROOT GATEWAY_PORT; do
    [[ -n "${!var:-}" ]] || die "render_nginx: $var is not set"
    export "${var?}"
  done
  have envsubst || die "envsubst is missing (Debian package gettext-base); run 'make up' to install it"
  mime=/etc/nginx/mime.types
  [[ -f "$mime" ]] || die "$mime is missing (Debian package nginx-common)"

  rm -rf "$prefix/conf"
  mkdir -p "$prefix/conf/conf.d" "$prefix/temp" "$(dirname "$access_log")"
  cp "$GOCHAT_ROOT/nginx/nginx.conf" "$prefix/conf/nginx.conf"
  cp "$mime" "$prefix/conf/mime.types"
  envsubst "$NGINX_TEMPLATE_VARS" <"$GOCHAT_ROOT/nginx/templates/gateway.conf.template" \
    >"$prefix/conf/conf.d/gateway.conf"
  cat >"$prefix/conf/conf.d/00-local.conf" <<CONF
# Written by scripts/lib.sh (render_nginx) for a local, non-system nginx instance.
access_log $access_log gochat;
client_body_temp_path $prefix/temp/client_body;
proxy_temp_path $prefix/temp/proxy;
fastcgi_temp_path $prefix/temp/fastcgi;
uwsgi_temp_path $prefix/temp/uwsgi;
scgi_temp_path $prefix/temp/scgi;
CONF
}

# The -g directives of a local nginx: its pid file, and when we are root, workers that run as
# root too if the default worker user ("nobody") cannot read the frontend (e.g. a clone under
# /root). Usage: nginx_globals PIDFILE FRONTEND_ROOT
nginx_globals() {
  local pidfile="$1" root="$2" globals
  globals="pid $pidfile;"
  if [[ $EUID -eq 0 ]] && ! runuser -u nobody -- test -r "$root/index.html" 2>/dev/null; then
    globals+=" user root;"
  fi
  echo "$globals"
}
