#!/usr/bin/env bash
# `make profile`: where the CPU goes while the chat is saturated. Starts the stack (release)
# with make bench's settings on databases, broker names and Redis keys of its own (gochat_prof_*,
# prof., gochat-prof:), runs the benchmark's W2 (closed loop, 8 in flight per sender) and
# samples every CPU of the machine meanwhile with perf (cpu-clock, which needs no hardware
# counters, 499 Hz, call graphs), then stops the stack, drops its databases and keys, and writes
# .run/profile/report.txt: CPU by process, by process and binary, and the hottest symbols of
# Postgres and of our services. Installs linux-perf when it is missing.
# Settings: PROFILE_SECS (10, sampled seconds), BENCH_PROFILE (release).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export PROFILE="${BENCH_PROFILE:-release}"
scripts="$GOCHAT_ROOT/scripts"
out_dir="$RUN_DIR/profile"
secs="${PROFILE_SECS:-10}"
export SEND_RATE_PER_SEC=100000 SEND_BURST=100000 BCRYPT_COST=4
export GOCHAT_DB_PREFIX=gochat_prof_ GOCHAT_AMQP_NAMESPACE=prof. GOCHAT_REDIS_PREFIX=gochat-prof:
stack_started=0

# shellcheck disable=SC2329  # invoked by the EXIT trap
cleanup() {
  local rc=$?
  trap - EXIT
  if ((stack_started == 1)); then
    "$scripts/stack.sh" stop || warn "stopping the stack failed"
    local service
    for service in "${SERVICES[@]}"; do
      psql "$PG_URL/postgres" -Xq -c "DROP DATABASE IF EXISTS ${GOCHAT_DB_PREFIX}${service//-/_} WITH (FORCE)" >/dev/null ||
        warn "could not drop ${GOCHAT_DB_PREFIX}${service//-/_}"
    done
    redis-cli -u "$REDIS_URL" --scan --pattern "${GOCHAT_REDIS_PREFIX}*" |
      xargs -r -n 500 redis-cli -u "$REDIS_URL" DEL >/dev/null || true
  fi
  exit "$rc"
}
trap cleanup EXIT

"$scripts/stack.sh" running &&
  die "the stack of 'make up' is running; run 'make down' first (make profile starts and stops its own)"
have perf || { info "installing linux-perf"; as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq linux-perf </dev/null; }
"$scripts/deps.sh"
"$scripts/infra.sh" reset-databases
load_env
export PG_URL AMQP_URL REDIS_URL
"$scripts/build.sh" all
GATEWAY_PORT="${GATEWAY_PORT:-8080}"
port_open 127.0.0.1 "$GATEWAY_PORT" && GATEWAY_PORT="$(free_port 18080)"
export GATEWAY_PORT
stack_started=1
"$scripts/stack.sh" start

mkdir -p "$out_dir"
bench_bin="${CARGO_TARGET_DIR:-$GOCHAT_ROOT/target}/$(cargo_profile_dir "$PROFILE")/bench"
# W2 warms up for 2 s and needs its users signed in first; sampling starts once it is steady.
(sleep 6 && perf record -a -g -e cpu-clock -F 499 -o "$out_dir/perf.data" -- sleep "$secs" 2>"$out_dir/perf.log") &
sampler=$!
"$bench_bin" --only W2 --w2-secs "$((secs + 6))" --base-url "http://localhost:$GATEWAY_PORT" \
  --run-dir "$RUN_DIR" --pg-url "$PG_URL" --db-prefix "$GOCHAT_DB_PREFIX" >"$out_dir/w2.jsonl"
wait "$sampler"

report() { perf report -i "$out_dir/perf.data" --no-children --stdio -g none "$@" 2>/dev/null | grep -v '^#' | grep -v '^$'; }
{
  echo "make profile, $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git -C "$GOCHAT_ROOT" rev-parse --short HEAD)"
  echo "perf record -a -g -e cpu-clock -F 499 for ${secs} s during bench W2 (release, 2 s warm-up)"
  echo
  echo "== share of all samples, by process (thread name) =="
  report --sort comm | sed -n '1,15p'
  echo
  echo "== by process and binary =="
  report --sort comm,dso | sed -n '1,25p'
  echo
  echo "== hottest symbols in Postgres backends =="
  report --comm postgres --sort dso,sym | sed -n '1,25p'
  echo
  echo "== hottest symbols in our services (tokio and actix threads) =="
  report --comm tokio-rt-worker,actix-server\ wo,lapin-io-loop --sort dso,sym | sed -n '1,30p'
} >"$out_dir/report.txt"
ok "wrote ${out_dir#"$GOCHAT_ROOT"/}/report.txt"
cat "$out_dir/report.txt"
