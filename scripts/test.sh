#!/usr/bin/env bash
# `make test`: everything CI checks, in order, each step under its own header:
#   dependencies, infrastructure, the nginx gateway check, the deployment artefacts (Kubernetes
#   overlays, Dockerfiles and compose, diagrams), cargo fmt, clippy, the Rust tests,
#   the frontend's typecheck, unit tests and build, the service binaries (dev profile, so the
#   test build is reused), then the whole stack started exactly as `make up` starts it and the
#   end-to-end tests against its gateway, the Lighthouse budgets of the frontend's pages
#   (accessibility, best practices, layout shift: nothing that depends on the machine's speed),
#   the benchmark tool's quick W1/W5 (counts only), and schemathesis against every service's
#   OpenAPI document through the gateway.
# Whatever this run started (the stack, private infrastructure instances) is stopped at the end,
# also on failure or Ctrl-C. Exits non-zero on the first failing step.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export PROFILE=dev
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 PUPPETEER_SKIP_DOWNLOAD=1
scripts="$GOCHAT_ROOT/scripts"
TOTAL_STEPS=18
step_no=0
current_step="start"
summary=()
stack_started=0
private_before=""   # the private instances that ran before this run (set by the infra step)
infra_step_ran=0

# Runs one step under a numbered header and records how long it took.
run_step() {
  local title="$1" started
  shift
  step_no=$((step_no + 1))
  current_step="$title"
  header "[$step_no/$TOTAL_STEPS] $title"
  started=$SECONDS
  "$@"
  summary+=("$(printf '  %-34s %4ss' "$title" $((SECONDS - started)))")
}

# The private infrastructure instances running now (markers in .run/private), one per line.
private_instances() {
  local name
  for name in postgres rabbitmq redis s3; do
    if [[ -f "$PRIVATE_DIR/$name" ]]; then echo "$name"; fi
  done
}

# Stops what this run started: the stack, and the private instances that were not running before.
stop_what_we_started() {
  local started_now
  if ((stack_started == 1)); then
    "$scripts/stack.sh" stop || warn "stopping the stack failed"
    stack_started=0
  fi
  ((infra_step_ran == 1)) || return 0
  started_now="$(comm -13 <(echo "$private_before") <(private_instances) | tr '\n' ' ')"
  if [[ -n "${started_now// /}" ]]; then
    # shellcheck disable=SC2086  # one word per instance name
    "$scripts/infra.sh" down $started_now || warn "stopping the private instances failed"
  fi
}

on_exit() {
  local rc=$?
  # The cleanup must finish even when a second signal arrives (make forwards its own TERM).
  trap '' INT TERM
  trap - EXIT
  stop_what_we_started
  if ((rc != 0)); then
    printf '\n' >&2
    die "make test FAILED at step $step_no/$TOTAL_STEPS: $current_step (exit code $rc)"
  fi
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- Steps -----------------------------------------------------------------------------------

infrastructure() {
  private_before="$(private_instances)"
  infra_step_ran=1
  "$scripts/infra.sh" up
  load_env
  export PG_URL AMQP_URL REDIS_URL S3_TEST_ENDPOINT
}

cargo_fmt() { (cd "$GOCHAT_ROOT" && cargo fmt --all -- --check); }
cargo_clippy() { (cd "$GOCHAT_ROOT" && cargo clippy --workspace --all-targets -- -D warnings); }
rust_tests() {
  if cargo nextest --version >/dev/null 2>&1; then
    (cd "$GOCHAT_ROOT" && cargo nextest run --workspace --no-fail-fast)
  else
    (cd "$GOCHAT_ROOT" && cargo test --workspace --no-fail-fast)
  fi
}
npm_run() { (cd "$FRONTEND_DIR" && npm run "$@"); }

start_stack() {
  # The test stack runs on fresh databases and its own broker and Redis names, so that neither a
  # developer's `make up` data nor a previous run can change what the end-to-end tests see.
  # GOCHAT_E2E_ID lets two checkouts on one machine run this at once without sharing anything.
  local id="${GOCHAT_E2E_ID:-e2e}"
  export GOCHAT_DB_PREFIX="gochat_${id}_" GOCHAT_AMQP_NAMESPACE="$id." GOCHAT_REDIS_PREFIX="gochat-$id:"
  # The Lighthouse step seeds 1,000 users and a conversation of 2,000 messages through the public
  # API in seconds: sign-ups hash at a low bcrypt cost (12 in production), and the per-user send
  # limit is out of the way (its behaviour is covered by socket-handler's own tests), as are
  # the search and upload allowances for schemathesis's bursts (messages' throttle tests).
  export BCRYPT_COST="${BCRYPT_COST:-4}" SEND_RATE_PER_SEC="${SEND_RATE_PER_SEC:-100000}" \
    SEND_BURST="${SEND_BURST:-100000}" SEARCH_RATE_PER_SEC="${SEARCH_RATE_PER_SEC:-100000}" \
    SEARCH_BURST="${SEARCH_BURST:-100000}" UPLOAD_RATE_PER_SEC="${UPLOAD_RATE_PER_SEC:-100000}" \
    UPLOAD_BURST="${UPLOAD_BURST:-100000}"
  "$scripts/infra.sh" reset-databases
  GATEWAY_PORT="${GATEWAY_PORT:-8080}"
  if port_open 127.0.0.1 "$GATEWAY_PORT"; then
    local taken="$GATEWAY_PORT"
    GATEWAY_PORT="$(free_port 18080)"
    info "port $taken is taken; the gateway uses port $GATEWAY_PORT for this run"
  fi
  export GATEWAY_PORT
  stack_started=1
  "$scripts/stack.sh" start
}

e2e() { (cd "$FRONTEND_DIR" && E2E_BASE_URL="http://localhost:$GATEWAY_PORT" npm run e2e); }
lighthouse_budgets() { E2E_BASE_URL="http://localhost:$GATEWAY_PORT" "$scripts/lighthouse.sh" check; }
bench_check() { E2E_BASE_URL="http://localhost:$GATEWAY_PORT" "$scripts/bench-check.sh"; }
api_fuzzing() { E2E_BASE_URL="http://localhost:$GATEWAY_PORT" "$scripts/schemathesis.sh"; }

# ---- Run -------------------------------------------------------------------------------------

"$scripts/stack.sh" running &&
  die "the stack of 'make up' is running; run 'make down' first (make test starts and stops its own)"

started_all=$SECONDS
run_step "dependencies" "$scripts/deps.sh"
ensure_cargo_on_path
run_step "PostgreSQL, RabbitMQ, Redis" infrastructure
run_step "nginx gateway configuration" "$scripts/check-nginx.sh"
run_step "Kubernetes manifests" "$scripts/check-deploy.sh" k8s
run_step "Dockerfiles, docker-compose.yml" "$scripts/check-deploy.sh" docker
run_step "diagrams render" "$scripts/check-deploy.sh" diagrams
run_step "cargo fmt --check" cargo_fmt
run_step "cargo clippy -D warnings" cargo_clippy
run_step "Rust tests" rust_tests
run_step "frontend: typecheck" npm_run typecheck
run_step "frontend: unit tests" npm_run test
run_step "frontend: build" "$scripts/build.sh" frontend
run_step "service binaries (dev profile)" "$scripts/build.sh" backend
run_step "start the stack" start_stack
run_step "end-to-end tests" e2e
run_step "Lighthouse budgets (a11y, best practices, CLS)" lighthouse_budgets
run_step "benchmark correctness check (W1, W5 counts)" bench_check
run_step "API fuzzing (schemathesis, every service)" api_fuzzing

current_step="stop what this run started"
stop_what_we_started
header "Summary"
printf '%s\n' "${summary[@]}" >&2
ok "make test passed: all $TOTAL_STEPS steps succeeded in $((SECONDS - started_all))s"
