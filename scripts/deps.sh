#!/usr/bin/env bash
# Installs what GoChat needs and is missing, and nothing else:
#   - Debian packages (apt-get update runs only when something must be installed);
#   - a PostgreSQL / Redis / RabbitMQ server only when that server is neither running on its usual
#     port nor installed (scripts/infra.sh starts a private instance of an installed one);
#   - Node.js >= 20 (Debian's, when its version is recent enough), Rust through rustup with the
#     toolchain pinned in rust-toolchain.toml;
#   - the frontend's npm packages (`npm ci`, when node_modules is missing or stale);
#   - the tools of the deployment checks (scripts/check-deploy.sh install-tools): pinned Python
#     tools in a virtualenv under ~/.cache/gochat/, mermaid-cli in tools/diagrams/node_modules.
#     kubectl is not a Debian package: where it is missing, that check is skipped with a warning;
#   - Lighthouse in tools/lighthouse/node_modules (scripts/lighthouse.sh install);
#   - moto's S3-compatible server (a virtualenv under ~/.cache/gochat/) for the attachment tests,
#     unless a moto_server is on PATH already.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NODE_MIN_MAJOR=20

pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
postgres_installed() { compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; }

apt_updated=0
apt_update_once() {
  have apt-get || die "apt-get is missing: install the missing packages by hand"
  if ((apt_updated == 0)); then
    info "apt-get update"
    as_root apt-get update -qq
    apt_updated=1
  fi
}
apt_install() {
  apt_update_once
  info "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" </dev/null
}

# Prints the candidate version of a Debian package (empty when apt does not know it).
apt_candidate() {
  apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { if ($2 != "(none)") print $2 }'
}

node_major() { node -v 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/'; }

# ---- Debian packages -------------------------------------------------------------------------
missing=()
have nginx || missing+=(nginx)
have envsubst || missing+=(gettext-base)
have chromium || have chromium-browser || missing+=(chromium)
have curl || missing+=(curl)
# Makes the Web Push (VAPID) key pair on the first start (scripts/stack.sh).
have openssl || missing+=(openssl)
pkg_installed ca-certificates || missing+=(ca-certificates)
have pkg-config || missing+=(pkg-config)
{ have cc && have make; } || pkg_installed build-essential || missing+=(build-essential)
have psql || missing+=(postgresql-client)
have python3 || missing+=(python3)
# The deployment checks' Python tools live in a virtualenv (Debian splits venv out of python3).
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
port_open 127.0.0.1 "$PG_PORT" || postgres_installed || missing+=(postgresql)
port_open 127.0.0.1 "$REDIS_PORT" || have redis-server || missing+=(redis-server)
port_open 127.0.0.1 "$AMQP_PORT" || have rabbitmq-server || [[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]] ||
  missing+=(rabbitmq-server)

if ((${#missing[@]} > 0)); then
  apt_update_once
  # nginx-light is the smallest nginx with everything the gateway uses, where it exists.
  if [[ -n "$(apt_candidate nginx-light)" ]]; then
    for i in "${!missing[@]}"; do
      if [[ "${missing[i]}" == nginx ]]; then missing[i]=nginx-light; fi
    done
  fi
  apt_install "${missing[@]}"
else
  info "Debian packages: nothing missing"
fi

# ---- Node.js ---------------------------------------------------------------------------------
major="$(node_major || true)"
if [[ "$major" =~ ^[0-9]+$ ]] && ((major >= NODE_MIN_MAJOR)); then
  info "Node.js $(node -v), npm $(npm -v 2>/dev/null || echo missing)"
else
  found="$(node -v 2>/dev/null || echo none)"
  apt_update_once
  candidate="$(apt_candidate nodejs)"
  candidate_major="$(sed -E 's/^([0-9]+:)?([0-9]+).*/\2/' <<<"$candidate")"
  if [[ "$candidate_major" =~ ^[0-9]+$ ]] && ((candidate_major >= NODE_MIN_MAJOR)); then
    apt_install nodejs npm
  else
    die "Node.js >= $NODE_MIN_MAJOR is required (found: $found) and Debian offers only \
'${candidate:-nothing}'. Install Node.js $NODE_MIN_MAJOR or newer, e.g. from \
https://nodejs.org/en/download or NodeSource (https://github.com/nodesource/distributions), \
then run this again."
  fi
fi
have npm || die "npm is missing next to Node.js $(node -v); install npm (Debian package npm)"

# ---- Rust ------------------------------------------------------------------------------------
if ! have cargo && [[ ! -f "$HOME/.cargo/env" ]]; then
  info "installing rustup (https://rustup.rs)"
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs |
    sh -s -- -y --no-modify-path --profile minimal --default-toolchain none
fi
ensure_cargo_on_path
toolchain="$(sed -nE 's/^[[:space:]]*channel[[:space:]]*=[[:space:]]*"([^"]+)".*/\1/p' \
  "$GOCHAT_ROOT/rust-toolchain.toml" 2>/dev/null || true)"
if [[ -n "$toolchain" ]] && have rustup; then
  if ! rustup toolchain list | grep -q "^$toolchain"; then
    info "installing the Rust toolchain $toolchain (rust-toolchain.toml)"
    rustup toolchain install "$toolchain" --profile minimal -c rustfmt -c clippy
  else
    installed="$(rustup component list --installed --toolchain "$toolchain" 2>/dev/null || true)"
    for component in rustfmt clippy; do
      grep -q "^$component" <<<"$installed" ||
        rustup component add --toolchain "$toolchain" "$component"
    done
  fi
fi
info "$(cd "$GOCHAT_ROOT" && cargo --version)"
if ! cargo nextest --version >/dev/null 2>&1; then
  info "cargo-nextest is not installed: the Rust tests will run with 'cargo test'"
fi

# ---- Frontend packages -----------------------------------------------------------------------
if [[ -f "$FRONTEND_DIR/package.json" ]]; then
  stamp="$FRONTEND_DIR/node_modules/.package-lock.json"
  if [[ ! -f "$stamp" || "$FRONTEND_DIR/package-lock.json" -nt "$stamp" ]]; then
    info "npm ci (frontend)"
    (cd "$FRONTEND_DIR" &&
      PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund)
  else
    info "frontend node_modules are up to date with package-lock.json"
  fi
else
  warn "frontend/package.json is missing: skipping npm ci"
fi
# ---- The S3-compatible server of the attachment tests (moto) ---------------------------------
if moto_server_bin >/dev/null; then
  info "moto_server: $(moto_server_bin)"
else
  info "installing moto[server] $MOTO_VERSION into $MOTO_VENV (the tests' S3-compatible server)"
  rm -rf "$MOTO_VENV"
  mkdir -p "$(dirname "$MOTO_VENV")"
  python3 -m venv "$MOTO_VENV" ||
    die "python3 -m venv failed (Debian: apt-get install python3-venv)"
  "$MOTO_VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
fi

# ---- Tools of the deployment checks, Lighthouse ----------------------------------------------
"$GOCHAT_ROOT/scripts/check-deploy.sh" install-tools
"$GOCHAT_ROOT/scripts/lighthouse.sh" install

ok "dependencies are in place"
