#!/usr/bin/env bash
# `make up`: install what is missing, make the infrastructure reachable, build (release unless
# PROFILE is set), start the services and the gateway, and wait until all of it answers.
# On failure it says which step failed; `make down` stops whatever is left running.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export PROFILE="${PROFILE:-release}"
scripts="$GOCHAT_ROOT/scripts"
step="start"

on_exit() {
  local rc=$?
  ((rc == 0)) || die "make up FAILED at step $step (exit code $rc)"
}
trap on_exit EXIT

step="1/4 dependencies" && header "$step"
"$scripts/deps.sh"
step="2/4 PostgreSQL, RabbitMQ, Redis" && header "$step"
"$scripts/infra.sh" up
step="3/4 build (cargo profile $PROFILE, frontend)" && header "$step"
"$scripts/build.sh" all
step="4/4 start the services and the gateway" && header "$step"
"$scripts/stack.sh" start
