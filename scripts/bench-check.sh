#!/usr/bin/env bash
# The benchmark's correctness check, for `make test`: a small W1 (4 pairs both sending, open
# loop, 5 s) and W5 (300 messages to an offline receiver, then catch-up by `after=`) against the
# stack already running at $E2E_BASE_URL. It asserts counts only (nothing lost, nothing
# duplicated, order kept, every acked message in the history) and never a timing: timings are
# reported, not judged. Exits non-zero on a violation; well under a minute on the debug build.
#
# Settings: E2E_BASE_URL (required, the gateway, e.g. http://localhost:8080), PROFILE (cargo
# profile of the bench binary, dev unless set; it is built if missing).
# Output: the JSON lines in .run/logs/bench-check.jsonl, progress and a table on stderr.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${E2E_BASE_URL:?set E2E_BASE_URL to the gateway of the running stack, e.g. http://localhost:8080}"
PROFILE="${PROFILE:-dev}"

ensure_cargo_on_path
(cd "$GOCHAT_ROOT" && cargo build --quiet -p bench --profile "$PROFILE")
bin="${CARGO_TARGET_DIR:-$GOCHAT_ROOT/target}/$(cargo_profile_dir "$PROFILE")/bench"
mkdir -p "$LOG_DIR"
if [[ -f "$ENV_FILE" ]]; then load_env; fi
info "bench --quick against $E2E_BASE_URL"
# The tool bounds itself (110 s); the timeout is a backstop.
timeout 180 "$bin" --quick --base-url "$E2E_BASE_URL" --run-dir "$RUN_DIR" \
  >"$LOG_DIR/bench-check.jsonl"
ok "bench check passed: nothing lost, duplicated or out of order"
