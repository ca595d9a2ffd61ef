#!/usr/bin/env bash
# Validates the gateway configuration without the services:
#   1. renders nginx/ with 127.0.0.1 upstreams into a temporary prefix and runs `nginx -t`;
#   2. starts that nginx on a free port, with upstreams nobody listens on and a stub frontend,
#      and checks the behaviour the contract relies on (routing, SPA fallback, JSON errors, also
#      for raw malformed requests, the headers it forwards, security and cache headers, the
#      sign-in rate limit). The nginx is always stopped.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

have nginx || die "nginx is not installed; run 'make up' (or scripts/deps.sh) first"

work="$(mktemp -d "${TMPDIR:-/tmp}/gochat-nginx-check.XXXXXX")"
pidfile="$work/nginx.pid"
echo_pidfile="$work/echo.pid"
cleanup() {
  stop_pidfile "$pidfile" 5 2>/dev/null || true
  stop_pidfile "$echo_pidfile" 5 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# A stub SPA: an index, one hashed asset.
mkdir -p "$work/html/assets"
printf '<!doctype html><title>stub</title>\n' >"$work/html/index.html"
for _ in $(seq 50); do printf 'console.log("a stub asset, long enough to be compressed");\n'; done \
  >"$work/html/assets/app-abc123.js"
head -c 70000 /dev/zero | tr '\0' 'a' >"$work/big-body"
chmod -R a+rX "$work"

# Port 9 (discard) refuses connections, so a proxied request fails like a service that is down.
# The users and chat-socket upstreams are a tiny echo server when python3 is there, to see what
# nginx forwards.
export AUTH_UPSTREAM=127.0.0.1:9 USERS_UPSTREAM=127.0.0.1:9 SOCKET_UPSTREAM=127.0.0.1:9 \
  MESSAGES_UPSTREAM=127.0.0.1:9 NOTIFICATIONS_UPSTREAM=127.0.0.1:9 FRONTEND_ROOT="$work/html"
if have python3; then
  echo_port="$(free_port 18180)"
  python3 - "$echo_port" >"$work/echo.log" 2>&1 <<'PY' &
import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        status = int(self.path.rsplit("/", 1)[-1]) if "/status/" in self.path else 200
        body = json.dumps({"path": self.path,
                           "headers": {k.lower(): v for k, v in self.headers.items()}}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Frame-Options", "SAMEORIGIN")
        if status == 429:
            self.send_header("Retry-After", "7")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Echo).serve_forever()
PY
  echo $! >"$echo_pidfile"
  USERS_UPSTREAM="127.0.0.1:$echo_port" SOCKET_UPSTREAM="127.0.0.1:$echo_port"
else
  warn "python3 is missing: skipping the checks of what the gateway forwards"
fi
GATEWAY_PORT="$(free_port 18080)"
export GATEWAY_PORT
render_nginx "$work/nginx" "$work/access.log"
nginx_args=(-p "$work/nginx/" -c "$work/nginx/conf/nginx.conf" -e "$work/error.log"
  -g "$(nginx_globals "$pidfile" "$FRONTEND_ROOT")")

info "nginx -t on the rendered gateway"
if ! nginx -t -q "${nginx_args[@]}"; then
  tail_log "$work/error.log"
  die "the nginx configuration is invalid"
fi

info "smoke test of the gateway on port $GATEWAY_PORT"
if ! nginx "${nginx_args[@]}"; then
  tail_log "$work/error.log"
  die "nginx did not start"
fi
base="http://127.0.0.1:$GATEWAY_PORT"
wait_for_http "$base/healthz" 10 || {
  tail_log "$work/error.log"
  die "nginx did not answer on $base"
}

failures=0
# Usage: expect DESCRIPTION STATUS HEADER_REGEX BODY_REGEX CURL_ARGS...
expect() {
  local what="$1" status="$2" header_re="$3" body_re="$4" out
  shift 4
  out="$(curl -s -i --max-time 5 "$@" 2>/dev/null | tr -d '\r\000' || true)"
  if [[ "$(head -n 1 <<<"$out")" != *" $status"* ]] ||
    ! grep -Eiq -- "$header_re" <<<"$out" || ! grep -Eq -- "$body_re" <<<"$out"; then
    warn "FAILED: $what (want $status, /$header_re/, /$body_re/); got:"
    head -n 20 <<<"$out" >&2
    failures=$((failures + 1))
  else
    printf '  ok  %s\n' "$what" >&2
  fi
}

expect "SPA index has security headers and no-cache" 200 \
  '^content-security-policy: default-src .self.; connect-src .self. ws: wss:' 'stub' "$base/"
expect "index.html is no-cache" 200 '^cache-control: no-cache' 'stub' "$base/"
expect "nosniff, DENY, referrer policy" 200 '^x-frame-options: DENY' '' "$base/"
expect "client-side route falls back to index.html" 200 '^x-content-type-options: nosniff' 'stub' \
  "$base/chat/some-conversation"
expect "hashed assets are immutable" 200 '^cache-control: public, max-age=31536000, immutable' \
  'stub' "$base/assets/app-abc123.js"
expect "a missing asset is a 404, not the SPA" 404 '^server: nginx$' '' "$base/assets/missing.js"
expect "gzip for text" 200 '^content-encoding: gzip' '' -H 'Accept-Encoding: gzip' \
  "$base/assets/app-abc123.js"
expect "a service that is down gives the JSON 503" 503 '^content-type: application/json' \
  '"code":"unavailable"' "$base/api/messages/conversations"
if [[ "$USERS_UPSTREAM" != 127.0.0.1:9 ]]; then
  wait_for_port 127.0.0.1 "$echo_port" 10 || die "the echo upstream did not start"
  expect "/api/users keeps the full URI" 200 '^content-type: application/json' \
    '"path": "/api/users\?sort=status&q=al"' "$base/api/users?sort=status&q=al"
  expect "/api/users/ keeps the full URI" 200 '^x-frame-options: DENY' \
    '"path": "/api/users/42"' "$base/api/users/42"
  expect "client address, scheme and origin are forwarded" 200 '^content-type: application/json' \
    '"x-forwarded-for": "127.0.0.1".*"x-forwarded-proto": "http".*"origin": "http://localhost:8080"' \
    -H 'Origin: http://localhost:8080' "$base/api/users/me"
  expect "the Host header is forwarded" 200 '' '"host": "gochat.example"' \
    -H 'Host: gochat.example' "$base/api/users/me"
  expect "the chat socket gets the upgrade headers" 200 '' \
    '"path": "/ws/chat".*"upgrade": "websocket", "connection": "upgrade"' \
    -H 'Connection: Upgrade' -H 'Upgrade: websocket' "$base/ws/chat"
  if curl -s "$base/api/users/1" | grep -q '"connection"'; then
    warn "FAILED: a plain API request forwards a Connection header (breaks upstream keepalive)"
    failures=$((failures + 1))
  else
    printf '  ok  a plain API request keeps the upstream connection alive\n' >&2
  fi
  expect "a service's own 503 passes through" 503 '' '"path": "/api/users/status/503"' \
    "$base/api/users/status/503"
  expect "a service's own 429 keeps its Retry-After" 429 '^retry-after: 7' '"path"' \
    "$base/api/users/status/429"
  if curl -s -D - -o /dev/null "$base/api/users/status/429" | grep -ci '^retry-after' | grep -qx 1 &&
    curl -s -D - -o /dev/null "$base/api/users/1" | grep -ci '^x-frame-options' | grep -qx 1; then
    printf '  ok  no header is sent twice\n' >&2
  else
    warn "FAILED: a header is duplicated"
    failures=$((failures + 1))
  fi
fi
expect "/api/notifications without a slash is routed" 503 '^x-content-type-options: nosniff' \
  '"code":"unavailable"' "$base/api/notifications?unread=true"
expect "the notifications socket is routed" 503 '^content-type: application/json' \
  '"code":"unavailable"' -H 'Connection: Upgrade' -H 'Upgrade: websocket' "$base/ws/notifications"
expect "an unknown API path is a JSON 404" 404 '^content-type: application/json' \
  '"code":"not_found"' "$base/api/nothing-here"
expect "TRACE is a JSON 405" 405 '^content-type: application/json' \
  '"code":"method_not_allowed"' -X TRACE "$base/api/users"
expect "a write to a static file is a JSON 405" 405 '^content-type: application/json' \
  '"code":"method_not_allowed"' -X POST "$base/"
expect "a body over 64k is a JSON 413" 413 '^content-type: application/json' \
  '"code":"payload_too_large"' -X POST -H 'Content-Type: application/json' \
  --data-binary "@$work/big-body" "$base/api/messages/x"
expect "an upload over 64k passes through to messages" 503 '^content-type: application/json' \
  '"code":"unavailable"' -X POST -H 'Content-Type: application/octet-stream' \
  --data-binary "@$work/big-body" "$base/api/messages/attachments?filename=a.bin"
expect "only the upload route takes big bodies" 413 '^content-type: application/json' \
  '"code":"payload_too_large"' -X POST -H 'Content-Type: application/octet-stream' \
  --data-binary "@$work/big-body" "$base/api/messages/attachments/x"

# Raw requests curl cannot (or will not) send: every answer nginx gives itself is the contract's
# JSON error. Usage: expect_raw DESCRIPTION STATUS CODE PRINTF_FORMAT [ARGS...]; the request is
# written with printf (so \xNN escapes work) over bash's /dev/tcp.
expect_raw() {
  local what="$1" status="$2" code="$3" out
  shift 3
  # shellcheck disable=SC2059
  out="$(
    exec 3<>"/dev/tcp/127.0.0.1/$GATEWAY_PORT" || exit 0
    printf "$@" >&3
    timeout 5 cat <&3 | tr -d '\r\000'
  )" || true
  if [[ "$(head -n 1 <<<"$out")" != "HTTP/1.1 $status"* ]] ||
    ! grep -qi '^content-type: application/json' <<<"$out" ||
    ! grep -Eq "^\{\"error\":\{\"code\":\"$code\",\"message\":\"[^\"]+\"\}\}$" <<<"$out"; then
    warn "FAILED: $what (want $status $code in JSON); got:"
    head -n 20 <<<"$out" >&2
    failures=$((failures + 1))
  else
    printf '  ok  %s\n' "$what" >&2
  fi
}
big="$(head -c 9000 /dev/zero | tr '\0' a)"
long_uri="/api/users/$(head -c 14000 /dev/zero | tr '\0' a)"
expect_raw "a %00 in the path is a JSON 400" 400 bad_request \
  'GET /api/users/a%%00b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
expect_raw "a 9 KB header is a JSON 431" 431 headers_too_large \
  'GET /api/users/1 HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\nConnection: close\r\n\r\n' "$big"
expect_raw "a 9 KB cookie is a JSON 431" 431 headers_too_large \
  'GET / HTTP/1.1\r\nHost: x\r\nCookie: a=%s\r\nConnection: close\r\n\r\n' "$big"
expect_raw "Content-Length with Transfer-Encoding is a JSON 400" 400 bad_request \
  'POST /api/auth/refresh HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n'
expect_raw "Transfer-Encoding: chunked, identity is a JSON 501" 501 not_implemented \
  'POST /api/auth/refresh HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\nConnection: close\r\n\r\n0\r\n\r\n'
expect_raw "an unknown Transfer-Encoding is a JSON 501" 501 not_implemented \
  'POST /api/auth/refresh HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nConnection: close\r\n\r\n'
expect_raw "a malformed chunked body is a JSON 400" 400 bad_request \
  'POST /api/auth/refresh HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\nabc\r\n0\r\n\r\n'
expect_raw "a chunked body over 64k is a JSON 413" 413 payload_too_large \
  'POST /api/auth/refresh HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n11170\r\n%s\r\n0\r\n\r\n' \
  "$(head -c 70000 /dev/zero | tr '\0' a)"
expect_raw "a 14 KB URI is a JSON 414" 414 uri_too_long \
  'GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' "$long_uri"
expect_raw "a missing Host is a JSON 400" 400 bad_request \
  'GET /api/users/1 HTTP/1.1\r\nConnection: close\r\n\r\n'
expect_raw "a malformed request line is a JSON 400" 400 bad_request \
  'G@T /api/users/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
expect_raw "an unknown HTTP version is a JSON 505" 505 http_version_not_supported \
  'GET /api/users/1 HTTP/2.0\r\nHost: x\r\nConnection: close\r\n\r\n'
expect_raw "a bad Range on an asset is a JSON 416" 416 range_not_satisfiable \
  'GET /assets/app-abc123.js HTTP/1.1\r\nHost: x\r\nRange: bytes=999999-\r\nConnection: close\r\n\r\n'
expect_raw "a missing asset is a JSON 404" 404 not_found \
  'GET /assets/missing.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
expect_raw "the gateway's own error page is not reachable directly" 404 not_found \
  'GET /_gateway/error HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
# What a service would refuse with an empty 400 of its own never reaches it: the users upstream
# (the echo server when python3 is there) would answer 200.
expect_raw "raw UTF-8 in the path is refused with a JSON 400" 400 bad_request \
  'GET /api/users/\xc3\xa9 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
expect_raw "angle brackets in the query are refused with a JSON 400" 400 bad_request \
  'GET /api/users?q=<b> HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
expect_raw "a backtick in the path is refused with a JSON 400" 400 bad_request \
  'GET /api/users/a`b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
expect_raw "a control character in a forwarded header is refused with a JSON 400" 400 bad_request \
  'GET /api/users/1 HTTP/1.1\r\nHost: x\r\nCookie: a=\x01\r\nConnection: close\r\n\r\n'
if [[ "$USERS_UPSTREAM" != 127.0.0.1:9 ]]; then
  # 200 headers (a service refuses more than 96 with an empty 431): only the ones the services
  # read are forwarded; the others are dropped.
  junk=()
  for i in $(seq 200); do junk+=(-H "X-Junk-$i: v"); done
  out="$(curl -s --max-time 5 -H 'X-Evil: a' -H 'Cookie: auth=x' -H 'User-Agent: ua' "${junk[@]}" \
    "$base/api/users/me" || true)"
  if grep -q '"cookie": "auth=x"' <<<"$out" && grep -q '"user-agent": "ua"' <<<"$out" &&
    ! grep -qi 'x-junk\|x-evil' <<<"$out"; then
    printf '  ok  only the headers the services read are forwarded (201 others dropped)\n' >&2
  else
    warn "FAILED: the gateway forwards headers the services do not read; the echo saw:"
    head -c 2000 <<<"$out" >&2
    failures=$((failures + 1))
  fi
fi

# 10 r/s with a burst of 20, nodelay: of 40 simultaneous POSTs (sign-in and sign-up share the
# limit), about half must be refused with the JSON 429 and a Retry-After.
mkdir -p "$work/burst"
curl -s -i --max-time 10 --parallel --parallel-max 40 -X POST \
  "$base/api/auth/{signin,signup}?n=[1-20]" -o "$work/burst/#1-#2" || true
limited="$(grep -l '^HTTP/1.1 429' "$work/burst"/* 2>/dev/null | wc -l)"
sample="$(grep -l '^HTTP/1.1 429' "$work/burst"/* 2>/dev/null | head -n 1 || true)"
if ((limited > 0)) && tr -d '\r' <"$sample" | grep -qi '^retry-after: 1$' &&
  grep -qi '^content-type: application/json' "$sample" && grep -q '"code":"rate_limited"' "$sample"; then
  printf '  ok  sign-in/up is rate limited with a JSON 429 and Retry-After (%s of 40)\n' "$limited" >&2
else
  warn "FAILED: no proper 429 among 40 simultaneous sign-in/up POSTs ($limited got 429)"
  [[ -n "$sample" ]] && cat "$sample" >&2
  failures=$((failures + 1))
fi
expect "GET sign-in is not rate limited" 503 '^content-type: application/json' '"unavailable"' \
  "$base/api/auth/signin"

if ((failures > 0)); then
  # Refused upstream connections are expected here; show the rest.
  grep -v 'connect() failed (111' "$work/error.log" >"$work/error-unexpected.log" || true
  tail_log "$work/error-unexpected.log" 20
  die "$failures gateway check(s) failed"
fi
ok "nginx gateway configuration is valid and behaves as the contract expects"
