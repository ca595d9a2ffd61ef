# syntax=docker/dockerfile:1
# Any of the five services, chosen at build time. Build from the repository root (the workspace
# is the build context):
#   docker build -f docker/service.Dockerfile --build-arg SERVICE=auth --build-arg PORT=8081 \
#     -t gochat/auth:dev .
# The services differ only in their binary and port, so one Dockerfile serves them all
# (docker-compose.yml passes both arguments; scripts/check-deploy.sh checks that it does).
#
# Stages: cargo-chef plans the dependency graph, cooks (builds) only the dependencies in a layer
# that stays cached until Cargo.toml/Cargo.lock change, then builds the service itself. The
# runtime is Debian slim (the builder's glibc) with curl for the HEALTHCHECK, as a non-root user.

ARG RUST_VERSION=1.95.0
ARG DEBIAN_RELEASE=bookworm

FROM rust:${RUST_VERSION}-slim-${DEBIAN_RELEASE} AS chef
WORKDIR /src
RUN cargo install cargo-chef --locked --version 0.1.78

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
ARG SERVICE
RUN test -n "${SERVICE}" || { echo "build with --build-arg SERVICE=<auth|users|socket-handler|messages|notifications>" >&2; exit 1; }
COPY --from=planner /src/recipe.json recipe.json
RUN cargo chef cook --release --locked --package "${SERVICE}" --recipe-path recipe.json
COPY . .
RUN cargo build --release --locked --package "${SERVICE}" --bin "${SERVICE}" \
    && cp "target/release/${SERVICE}" /src/service

FROM debian:${DEBIAN_RELEASE}-slim AS runtime
ARG SERVICE
ARG PORT
# curl is only for the HEALTHCHECK (the binary has no health subcommand). Versions follow the
# Debian release's security updates, so they are not pinned.
# /data/attachments: where messages keeps attachments on the filesystem (ATTACHMENT_DIR); a
# volume mounted there starts with this owner.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 gochat \
    && useradd --system --uid 10001 --gid gochat --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin gochat \
    && mkdir -p /data/attachments && chown 10001:10001 /data/attachments
COPY --from=builder /src/service /usr/local/bin/service

# Containers listen on every interface and log JSON; everything else comes from the environment
# (README, "Configuration"): DATABASE_URL, AMQP_URL, REDIS_URL, ALLOWED_ORIGINS, COOKIE_SECURE,
# JWT_PUBLIC_KEY_FILE (and, for the signing service, JWT_PRIVATE_KEY_FILE) naming mounted secrets.
LABEL org.opencontainers.image.title="gochat-${SERVICE}"
ENV HOST=0.0.0.0 \
    PORT=${PORT} \
    LOG_FORMAT=json \
    RUST_LOG=info
USER 10001:10001
EXPOSE ${PORT}
# The service drains on SIGTERM (sockets close with 1001, consumers and the outbox stop cleanly).
STOPSIGNAL SIGTERM
# Through sh, so that the port is the container's PORT at run time.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["sh", "-c", "curl -fsS -o /dev/null \"http://127.0.0.1:${PORT}/healthz\""]
ENTRYPOINT ["/usr/local/bin/service"]
