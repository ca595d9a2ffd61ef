#!/usr/bin/env bash
# Lighthouse budgets of the web frontend, against a stack already running at $E2E_BASE_URL
# (tools/lighthouse/run.mjs does the work; tools/lighthouse/pages.mjs lists the pages and how to
# reach each). Both modes first seed the stack through its public API: 1,000 users, a viewer
# with 30 conversations, one of them of 2,000 messages (sign-ups cost a bcrypt each: the stack
# should run with a low BCRYPT_COST, as `make test`'s and `make bench`'s do).
#
#   lighthouse.sh check   `make test`: fails when a page misses a budget that does not depend on
#                         the machine's speed: accessibility or best practices below 0.95, or
#                         Cumulative Layout Shift above 0.05. Timings are not looked at.
#   lighthouse.sh bench   `make bench`: every category, nothing asserted; prints BENCHMARKS.md's
#                         front-end section (performance score, TBT, LCP, FCP, CLS, ...) on stdout:
#                         the median of LIGHTHOUSE_RUNS (3) runs per page.
#
# Settings: E2E_BASE_URL (required, the gateway, e.g. http://localhost:8080), CHROME_PATH
# (Debian's Chromium, /usr/bin/chromium), LIGHTHOUSE_RUNS (bench: runs per page, 3),
# LIGHTHOUSE_SEEDED (a seed.json of an earlier run on the same stack: audit that data again
# instead of seeding more, to compare a change on the same data). Lighthouse comes from tools/lighthouse (npm ci there,
# as scripts/deps.sh does when it is missing).
# Output: .run/lighthouse/<mode>/: <page>.report.json (open in the Lighthouse viewer),
# results.json, seed.json (the seeded viewer's cookie, to look at the same pages by hand).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

LIGHTHOUSE_TOOLS="$GOCHAT_ROOT/tools/lighthouse"

# Installs Lighthouse (tools/lighthouse/package-lock.json) when it is missing or stale.
install_lighthouse() {
  have npm || die "npm is missing; run scripts/deps.sh"
  local stamp="$LIGHTHOUSE_TOOLS/node_modules/.package-lock.json"
  if [[ -f "$stamp" && ! "$LIGHTHOUSE_TOOLS/package-lock.json" -nt "$stamp" ]]; then return 0; fi
  info "npm ci (tools/lighthouse: Lighthouse, using Debian's Chromium)"
  (cd "$LIGHTHOUSE_TOOLS" &&
    PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
}

run_mode() {
  local mode="$1" out seeded=()
  : "${E2E_BASE_URL:?set E2E_BASE_URL to the gateway of the running stack, e.g. http://localhost:8080}"
  export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"
  [[ -x "$CHROME_PATH" ]] || die "Chromium is missing at $CHROME_PATH; run scripts/deps.sh"
  install_lighthouse
  out="$RUN_DIR/lighthouse/$mode"
  if [[ "$mode" == bench && -n "${LIGHTHOUSE_SEEDED:-}" ]]; then
    # Copied first: it may be the seed.json of the output directory about to be emptied.
    mkdir -p "$RUN_DIR/lighthouse"
    cp "$LIGHTHOUSE_SEEDED" "$RUN_DIR/lighthouse/seeded.json"
    seeded=(--seeded "$RUN_DIR/lighthouse/seeded.json")
  fi
  rm -rf "$out"
  mkdir -p "$out"
  info "Lighthouse ($mode) against $E2E_BASE_URL; reports in ${out#"$GOCHAT_ROOT"/}"
  if [[ "$mode" == check ]]; then
    # Bounded: the seeding and three audits take well under a minute on an idle machine.
    timeout 300 node "$LIGHTHOUSE_TOOLS/run.mjs" --base-url "$E2E_BASE_URL" --mode check --out "$out"
    ok "Lighthouse budgets met on every page (accessibility, best practices, CLS)"
  else
    timeout 1800 node "$LIGHTHOUSE_TOOLS/run.mjs" --base-url "$E2E_BASE_URL" --mode bench --out "$out" \
      --runs "${LIGHTHOUSE_RUNS:-3}" --markdown "$out/section.md" "${seeded[@]}"
    cat "$out/section.md"
  fi
}

case "${1:-}" in
  check | bench) run_mode "$1" ;;
  install) install_lighthouse ;;
  *) die "usage: $0 check | bench | install" ;;
esac
