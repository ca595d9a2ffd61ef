#!/usr/bin/env bash
# Builds what the local stack runs.
#   build.sh [all|backend|frontend]
#     backend:  cargo build --workspace --bins with the cargo profile $PROFILE (release unless set;
#               `make test` uses dev, so the test build is reused and nothing is built twice)
#     frontend: npm run build in frontend/ (output frontend/dist)
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PROFILE="${PROFILE:-release}"

build_backend() {
  ensure_cargo_on_path
  info "cargo build --workspace --bins --profile $PROFILE"
  (cd "$GOCHAT_ROOT" && cargo build --workspace --bins --profile "$PROFILE")
}

build_frontend() {
  [[ -f "$FRONTEND_DIR/package.json" ]] || die "frontend/package.json is missing"
  info "npm run build (frontend)"
  (cd "$FRONTEND_DIR" && npm run build)
  [[ -f "$FRONTEND_DIR/dist/index.html" ]] || die "npm run build produced no frontend/dist/index.html"
}

case "${1:-all}" in
  all) build_backend && build_frontend ;;
  backend) build_backend ;;
  frontend) build_frontend ;;
  *) die "usage: $0 [all|backend|frontend]" ;;
esac
