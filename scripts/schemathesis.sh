#!/usr/bin/env bash
# Property-based tests of the HTTP API with schemathesis, for `make test`: against the stack
# already running at $E2E_BASE_URL, through its gateway. For each of auth, users, messages and
# notifications it reads the OpenAPI document the service itself serves
# (GET /api/<service>/openapi.yaml), generates cases for that service's operations (valid and
# invalid input: the examples, coverage and fuzzing phases) and checks every answer:
#   not_a_server_error            no 5xx, ever
#   status_code_conformance       only documented status codes
#   response_schema_conformance   every body matches its documented schema
# Signed in as a user signed up for the run (its `auth` cookie on every request, our Origin on
# every request); auth runs last, with a user of its own, since it signs out.
#
# Settings: E2E_BASE_URL (required, the gateway, e.g. http://localhost:8080),
# SCHEMATHESIS_MAX_EXAMPLES (per operation and phase, 75: about 90 s on the debug build),
# SCHEMATHESIS_SEED (reproducible, 1). One worker: the tool's generator is not thread-safe here.
# The tool is pinned in tools/schemathesis/requirements.txt and installed into a virtualenv under
# ~/.cache/gochat/ on first use. Reports (JUnit, NDJSON) go to .run/logs/schemathesis/.
# Exits non-zero if any check fails; prints how many cases each service was tried with.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${E2E_BASE_URL:?set E2E_BASE_URL to the gateway of the running stack, e.g. http://localhost:8080}"
BASE="${E2E_BASE_URL%/}"
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-75}"
SEED="${SCHEMATHESIS_SEED:-1}"
REQUIREMENTS="$GOCHAT_ROOT/tools/schemathesis/requirements.txt"
TOOLS_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/gochat"
REPORT_DIR="$LOG_DIR/schemathesis"
CHECKS=not_a_server_error,status_code_conformance,response_schema_conformance

# One virtualenv per Python version and requirements content (as scripts/check-deploy.sh does).
venv_dir() {
  local pyver hash
  pyver="$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  hash="$(sha256sum "$REQUIREMENTS" | cut -c1-12)"
  echo "$TOOLS_CACHE/schemathesis-py$pyver-$hash"
}

install_schemathesis() {
  have python3 || die "python3 is missing; run scripts/deps.sh"
  local venv
  venv="$(venv_dir)"
  if [[ ! -f "$venv/.complete" ]]; then
    info "installing schemathesis into $venv (tools/schemathesis/requirements.txt)"
    rm -rf "$venv"
    mkdir -p "$TOOLS_CACHE"
    python3 -m venv "$venv" ||
      die "python3 -m venv failed (Debian: apt-get install python3-venv, or run scripts/deps.sh)"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
    touch "$venv/.complete"
  fi
  SCHEMATHESIS="$venv/bin/schemathesis"
}

# Signs up a fresh user through the gateway and prints its `auth` cookie's value.
auth_cookie_of_new_user() {
  local name jar status
  name="st$1$(date +%s)$RANDOM"
  jar="$(mktemp)"
  status="$(curl -sS -o /dev/null -w '%{http_code}' -c "$jar" \
    -H 'Content-Type: application/json' -H "Origin: $BASE" \
    --data "{\"email\":\"$name@example.com\",\"username\":\"$name\",\"password\":\"correct horse battery\"}" \
    "$BASE/api/auth/signup")"
  [[ "$status" == 201 ]] || die "signing up the schemathesis user failed with HTTP $status"
  awk '$6 == "auth" { print $7 }' "$jar"
  rm -f "$jar"
}

# Runs schemathesis on one service's own document; records its counts.
total_cases=0
failed=()
summary=()
run_service() {
  local service="$1" cookie="$2" log cases
  log="$REPORT_DIR/$service.log"
  info "schemathesis: $service ($BASE/api/$service/openapi.yaml, operations tagged $service)"
  local rc=0
  # From the report directory: the tool keeps its example database in the working directory.
  (cd "$REPORT_DIR" && "$SCHEMATHESIS" run "$BASE/api/$service/openapi.yaml" \
    --url "$BASE" \
    --include-tag "$service" \
    --checks "$CHECKS" \
    --phases examples,coverage,fuzzing \
    --max-examples "$MAX_EXAMPLES" \
    --seed "$SEED" \
    --workers 1 \
    --request-timeout 10 \
    --header "Cookie: auth=$cookie" \
    --header "Origin: $BASE" \
    --suppress-health-check all \
    --no-shrink \
    --report junit,ndjson \
    --report-junit-path "$REPORT_DIR/$service.junit.xml" \
    --report-ndjson-path "$REPORT_DIR/$service.ndjson" \
    >"$log" 2>&1) || rc=$?
  # "Test cases:" line of the summary, e.g. "Test cases: 412 generated, 412 passed".
  cases="$(grep -Eo '[0-9]+ generated' "$log" | tail -1 | grep -Eo '[0-9]+' || echo 0)"
  total_cases=$((total_cases + cases))
  if ((rc == 0)); then
    summary+=("$(printf '  %-14s %6s cases  ok' "$service" "$cases")")
  else
    summary+=("$(printf '  %-14s %6s cases  FAILED (exit %s, see %s)' "$service" "$cases" "$rc" \
      "${log#"$GOCHAT_ROOT"/}")")
    failed+=("$service")
    tail -n 80 "$log" >&2
  fi
}

install_schemathesis
mkdir -p "$REPORT_DIR"
curl -fsS -o /dev/null "$BASE/api/auth/openapi.yaml" ||
  die "the gateway at $BASE does not serve /api/auth/openapi.yaml; is the stack running?"

cookie="$(auth_cookie_of_new_user u)"
for service in users messages notifications; do
  run_service "$service" "$cookie"
done
# auth signs its user out (and everywhere): a user of its own, last.
run_service auth "$(auth_cookie_of_new_user a)"

header "schemathesis ($("$SCHEMATHESIS" --version | awk '{ print $NF }'), checks $CHECKS)"
printf '%s\n' "${summary[@]}" >&2
if ((${#failed[@]} > 0)); then
  die "schemathesis found failures in: ${failed[*]} ($total_cases cases tried)"
fi
ok "schemathesis: $total_cases cases against 4 services, no 5xx, every answer as documented"
