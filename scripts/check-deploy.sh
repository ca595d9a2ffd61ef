#!/usr/bin/env bash
# Validates the deployment artefacts, offline and in seconds (part of `make test`):
#   k8s       renders every overlay under k8s/overlays/ with `kubectl kustomize`, validates each
#             object with kubernetes-validate in strict mode against Kubernetes $KUBERNETES_VERSION
#             (the operators' custom resources have no schema there and are listed as skipped),
#             then checks the rules of tools/deploy/checks.py (security context, probes, graceful
#             shutdown, HPA/PDB per service, every Secret/ConfigMap/Service reference resolves...).
#             Skipped, with a warning, where kubectl is not installed.
#   docker    hadolint on every Dockerfile; the service Dockerfiles' rules; docker-compose.yml
#             against the compose specification's JSON schema, then its rules (health-gated
#             start order, declared volumes, one database per service).
#   diagrams  renders every diagrams/*.mmd with mermaid-cli (Debian's Chromium) into a temporary
#             directory: any diagram that does not render fails. Checks that each has its
#             committed SVG (`make diagrams` writes them) and that the README shows it.
#   all       the three (the default).
#   install-tools [python|diagrams]
#             installs what the checks need when it is missing: the pinned Python tools
#             (tools/deploy/requirements.txt) into a virtualenv under ~/.cache/gochat/, and
#             mermaid-cli (tools/diagrams/package-lock.json) into tools/diagrams/node_modules.
#             scripts/deps.sh runs it; the checks run it too when something is missing.
# Exits non-zero when anything is invalid.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KUBERNETES_VERSION="${KUBERNETES_VERSION:-1.37.0}"
PY_TOOLS_REQUIREMENTS="$GOCHAT_ROOT/tools/deploy/requirements.txt"
PY_CHECKS="$GOCHAT_ROOT/tools/deploy/checks.py"
DIAGRAM_TOOLS="$GOCHAT_ROOT/tools/diagrams"
TOOLS_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/gochat"

# ---- Tools -----------------------------------------------------------------------------------

# The virtualenv of the pinned Python tools: one per Python version and requirements content, so
# a change of either installs afresh and an unchanged one is reused across clones and runs.
py_tools_venv() {
  local pyver hash
  pyver="$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  hash="$(sha256sum "$PY_TOOLS_REQUIREMENTS" | cut -c1-12)"
  echo "$TOOLS_CACHE/deploy-tools-py$pyver-$hash"
}

install_python_tools() {
  have python3 || die "python3 is missing; run scripts/deps.sh"
  local venv
  venv="$(py_tools_venv)"
  [[ -f "$venv/.complete" ]] && return 0
  info "installing the deployment check tools into $venv (tools/deploy/requirements.txt)"
  rm -rf "$venv"
  mkdir -p "$TOOLS_CACHE"
  python3 -m venv "$venv" ||
    die "python3 -m venv failed (Debian: apt-get install python3-venv, or run scripts/deps.sh)"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$PY_TOOLS_REQUIREMENTS"
  touch "$venv/.complete"
}

install_diagram_tools() {
  have npm || die "npm is missing; run scripts/deps.sh"
  local stamp="$DIAGRAM_TOOLS/node_modules/.package-lock.json"
  if [[ -f "$stamp" && ! "$DIAGRAM_TOOLS/package-lock.json" -nt "$stamp" ]]; then return 0; fi
  info "npm ci (tools/diagrams: mermaid-cli, using Debian's Chromium)"
  (cd "$DIAGRAM_TOOLS" &&
    PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
}

install_tools() {
  case "${1:-all}" in
    python) install_python_tools ;;
    diagrams) install_diagram_tools ;;
    all) install_python_tools && install_diagram_tools ;;
    *) die "usage: $0 install-tools [python|diagrams]" ;;
  esac
}

py_tools() {
  install_python_tools
  PY_VENV="$(py_tools_venv)"
}

# ---- Checks ----------------------------------------------------------------------------------

work="$(mktemp -d "${TMPDIR:-/tmp}/gochat-deploy-check.XXXXXX")"
trap 'rm -rf "$work"' EXIT

check_k8s() {
  if ! have kubectl; then
    warn "kubectl is not installed: SKIPPING the Kubernetes checks (rendering k8s/overlays/* and"
    warn "validating them). Install kubectl (https://kubernetes.io/docs/tasks/tools/) to run them."
    return 0
  fi
  py_tools
  local overlay name failed=0
  for overlay in "$GOCHAT_ROOT"/k8s/overlays/*/; do
    name="$(basename "$overlay")"
    info "k8s/overlays/$name: kubectl kustomize, kubernetes-validate --strict ($KUBERNETES_VERSION), rules"
    if ! kubectl kustomize "$overlay" >"$work/$name.yaml" 2>"$work/$name.err"; then
      cat "$work/$name.err" >&2
      warn "FAILED: kubectl kustomize k8s/overlays/$name"
      failed=1
      continue
    fi
    "$PY_VENV/bin/python" "$PY_CHECKS" k8s "$name" "$work/$name.yaml" "$KUBERNETES_VERSION" || failed=1
  done
  ((failed == 0)) || die "the Kubernetes manifests are invalid (see above)"
  ok "every Kubernetes overlay renders and validates"
}

check_docker() {
  py_tools
  local dockerfiles=() file failed=0
  mapfile -t dockerfiles < <(cd "$GOCHAT_ROOT" && find . \( -name node_modules -o -name target \
    -o -name .run -o -name .git \) -prune -o \( -name Dockerfile -o -name '*.Dockerfile' \) -print |
    sed 's|^\./||' | sort)
  ((${#dockerfiles[@]} > 0)) || die "no Dockerfile found"
  info "hadolint: ${dockerfiles[*]}"
  for file in "${dockerfiles[@]}"; do
    "$PY_VENV/bin/hadolint" "$GOCHAT_ROOT/$file" || {
      warn "FAILED: hadolint $file"
      failed=1
    }
  done
  info "Dockerfile rules (tools/deploy/checks.py)"
  "$PY_VENV/bin/python" "$PY_CHECKS" dockerfiles "$GOCHAT_ROOT" || failed=1
  info "docker-compose.yml against the compose specification (check-jsonschema vendor.compose-spec)"
  "$PY_VENV/bin/check-jsonschema" --builtin-schema vendor.compose-spec \
    "$GOCHAT_ROOT/docker-compose.yml" || failed=1
  "$PY_VENV/bin/python" "$PY_CHECKS" compose "$GOCHAT_ROOT" || failed=1
  ((failed == 0)) || die "the Dockerfiles or docker-compose.yml are invalid (see above)"
  ok "Dockerfiles and docker-compose.yml are valid"
}

check_diagrams() {
  install_diagram_tools
  local chromium sources=() src name failed=0
  chromium="$(command -v chromium || command -v chromium-browser || true)"
  [[ -n "$chromium" ]] || die "Chromium is missing (Debian package chromium); run scripts/deps.sh"
  mapfile -t sources < <(find "$GOCHAT_ROOT/diagrams" -maxdepth 1 -name '*.mmd' | sort)
  ((${#sources[@]} > 0)) || die "no diagrams/*.mmd found"
  info "rendering ${#sources[@]} diagrams with mermaid-cli ($chromium)"
  CHROMIUM_PATH="$chromium" node "$DIAGRAM_TOOLS/render.mjs" "$work/diagrams" "${sources[@]}" ||
    failed=1
  for src in "${sources[@]}"; do
    name="$(basename "$src" .mmd)"
    if [[ ! -s "$GOCHAT_ROOT/diagrams/$name.svg" ]]; then
      warn "FAILED: diagrams/$name.svg is missing: run 'make diagrams' and commit it"
      failed=1
    fi
    if ! grep -q "(diagrams/$name.svg)" "$GOCHAT_ROOT/README.md"; then
      warn "FAILED: README.md does not show diagrams/$name.svg"
      failed=1
    fi
  done
  ((failed == 0)) || die "a diagram is broken or missing (see above)"
  ok "every diagram renders"
}

case "${1:-all}" in
  k8s) check_k8s ;;
  docker) check_docker ;;
  diagrams) check_diagrams ;;
  all) check_k8s && check_docker && check_diagrams ;;
  install-tools) install_tools "${2:-all}" ;;
  *) die "usage: $0 [all|k8s|docker|diagrams|install-tools [python|diagrams]]" ;;
esac
