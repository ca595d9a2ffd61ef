#!/usr/bin/env bash
# `make diagrams`: renders every diagrams/*.mmd to diagrams/<name>.svg with mermaid-cli and
# Debian's Chromium (tools/diagrams). Commit the SVGs: the README shows them, and `make test`
# (scripts/check-deploy.sh diagrams) fails when a diagram does not render or its SVG is missing.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

"$GOCHAT_ROOT/scripts/check-deploy.sh" install-tools diagrams
chromium="$(command -v chromium || command -v chromium-browser || true)"
[[ -n "$chromium" ]] || die "Chromium is missing (Debian package chromium); run scripts/deps.sh"
mapfile -t sources < <(find "$GOCHAT_ROOT/diagrams" -maxdepth 1 -name '*.mmd' | sort)
((${#sources[@]} > 0)) || die "no diagrams/*.mmd found"
info "rendering ${#sources[@]} diagrams into diagrams/"
CHROMIUM_PATH="$chromium" node "$GOCHAT_ROOT/tools/diagrams/render.mjs" "$GOCHAT_ROOT/diagrams" \
  "${sources[@]}"
ok "diagrams/*.svg are up to date with their sources"
