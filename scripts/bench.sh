#!/usr/bin/env bash
# `make bench`: measure GoChat with the benchmark tool (bench/) beside the reference server, and
# write BENCHMARKS.md.
#   1. dependencies and infrastructure (as `make up`), a release build (BENCH_PROFILE to change)
#   2. the stack started with bench settings, on databases, broker names and Redis keys of its
#      own (gochat_bench_*, bench., gochat-bench:), recreated empty for every run:
#        SEND_RATE_PER_SEC / SEND_BURST 100000  (the per-user send limit would otherwise be what
#                                                W1 and W2 measure; SEARCH_ and UPLOAD_ the same
#                                                for W9's and W10's)
#        BCRYPT_COST 4                          (BENCH_BCRYPT_COST; production's 12 makes every
#                                                sign-up cost ~0.25 s of CPU: ten thousand users
#                                                would not fit in the time budget)
#        SOCKET_HANDLER_NODES 2                 (BENCH_SOCKET_HANDLER_NODES; the second node,
#                                                socket-handler-2, serves only W8's members, who
#                                                connect to both nodes directly: see lib.sh)
#      and the reference server, the yardstick of issue 18 (the simplest durable design, kept
#      outside this repository: shared/reference next to the main checkout, or
#      BENCH_REFERENCE_DIR): copied into .run/bench/reference, `npm install`ed there, started
#      untuned on a free port on a database of its own (gochat_bench_reference, recreated every
#      run). Never copy its code into the repository. BENCH_REFERENCE=0 runs without it.
#   3. the workloads, bounded: the tool stops starting workloads after BENCH_BUDGET_SECS (900:
#      ten workloads, two of them seeding a million messages) and is killed 340 s later. W1 and W2 run on the reference server too, in the same process
#      and interleaved with ours (each W1 rate on the reference, then on ours), with the same
#      load generator. W3 restarts the stack between and after its counts, W5 kills every
#      service with SIGKILL and restarts it: both with `scripts/stack.sh start` and these same
#      settings (stack.sh passes the environment on to the services)
#   4. the report: the comparison with the reference (ours, reference, ours ÷ reference and
#      issue 18's targets, met or not), the table, CPU per message, the machine and its load, the
#      command, where the time goes, and the raw JSON lines. Also printed on the terminal. Then
#      the front end's Lighthouse figures (scripts/lighthouse.sh bench) in a section of their own
#   5. the stack and the reference server stopped, the bench databases dropped and its Redis
#      keys deleted (BENCH_KEEP_DATA=1 keeps them)
#
# Only some workloads, e.g. while working on the hot path (a few minutes, reference included):
#     BENCH_ONLY=W1,W2 make bench
# A partial run writes .run/bench/BENCHMARKS.partial.md instead of BENCHMARKS.md (which stays
# the record of the last full run); BENCH_REPORT=FILE writes elsewhere. Every run also appends
# its comparison line (commit, workloads, ours ÷ reference) to .run/bench/history.jsonl, so
# attempts can be compared. BENCH_ARGS adds options to the tool (`bench --help`), e.g.
# BENCH_ARGS="--w1-rates 500,2000" for the two rates the targets name only.
# BENCH_AFTER_START=COMMAND runs COMMAND (with bash) once the stack is up, before the workloads:
# for measurements of a changed stack, such as what a message costs without a service (stop it
# and delete its queues: docs/profiling.md, session 22). Only for the stack this script starts,
# and not again after W3's and W5's restarts of it. The report and history.jsonl say it was run.
# BENCH_ID=NAME puts the bench's databases, broker names and Redis keys under a name of its own
# (gochat_bench_NAME_*, …), for a second checkout measuring on the same machine at the same time
# (its numbers then share the machine, of course).
# Refuses to run while the stack of `make up` runs (it would be restarted with other settings).
#
# To measure a stack started some other way instead (own ports, own settings), set BENCH_BASE_URL
# to its gateway: steps 1-2 and 5 then only build the bench binary and start (and stop) the
# reference server, and BENCH_RUN_DIR (its pid files, for CPU and memory; .run),
# BENCH_DB_PREFIX (its databases; gochat_) and BENCH_RESTART_CMD (how to start it again after
# W5's kill; without it W5 does not kill) describe it. Its settings are read from the processes'
# environment and reported.
set -euo pipefail
# Read by lib.sh, so set before it.
export SOCKET_HANDLER_NODES="${BENCH_SOCKET_HANDLER_NODES:-2}"
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export PROFILE="${BENCH_PROFILE:-release}"
scripts="$GOCHAT_ROOT/scripts"
out_dir="$RUN_DIR/bench"
budget="${BENCH_BUDGET_SECS:-900}"
stack_started=0
only="${BENCH_ONLY:-}"
if [[ -n "$only" || " ${BENCH_ARGS:-} " == *" --only "* ]]; then
  report="${BENCH_REPORT:-$out_dir/BENCHMARKS.partial.md}"
else
  report="${BENCH_REPORT:-$GOCHAT_ROOT/BENCHMARKS.md}"
fi

export SEND_RATE_PER_SEC="${SEND_RATE_PER_SEC:-100000}" SEND_BURST="${SEND_BURST:-100000}"
export SEARCH_RATE_PER_SEC="${SEARCH_RATE_PER_SEC:-100000}" SEARCH_BURST="${SEARCH_BURST:-100000}"
export UPLOAD_RATE_PER_SEC="${UPLOAD_RATE_PER_SEC:-100000}" UPLOAD_BURST="${UPLOAD_BURST:-100000}"
export BCRYPT_COST="${BENCH_BCRYPT_COST:-4}"
bench_id="${BENCH_ID:+${BENCH_ID}_}"
export GOCHAT_DB_PREFIX="gochat_bench_$bench_id" GOCHAT_AMQP_NAMESPACE="bench.${BENCH_ID:+$BENCH_ID.}"
export GOCHAT_REDIS_PREFIX="gochat-bench:${BENCH_ID:+$BENCH_ID:}"

# The reference server: where its source is, where it runs from, its database, pid and log.
reference_src="${BENCH_REFERENCE_DIR:-}"
reference_dir="$out_dir/reference"
reference_db="gochat_bench_${bench_id}reference"
reference_pidfile="$out_dir/reference.pid"
reference_log="$out_dir/reference.log"
reference_started=0

# shellcheck disable=SC2329  # invoked by the EXIT trap
cleanup() {
  local rc=$?
  trap '' INT TERM
  trap - EXIT
  if ((reference_started == 1)); then
    stop_reference || warn "stopping the reference server failed"
  fi
  if ((stack_started == 1)); then
    "$scripts/stack.sh" stop || warn "stopping the stack failed"
    if [[ "${BENCH_KEEP_DATA:-0}" != 1 ]]; then
      drop_bench_databases || warn "dropping the bench databases failed"
    fi
  fi
  ((rc == 0)) || warn "make bench FAILED (exit code $rc); logs in ${LOG_DIR#"$GOCHAT_ROOT"/}, output in ${out_dir#"$GOCHAT_ROOT"/}"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Drops the bench databases and deletes the bench's Redis keys (presence, caches).
# shellcheck disable=SC2329  # invoked by cleanup
drop_bench_databases() {
  local service
  load_env
  for service in "${SERVICES[@]}"; do
    psql "$PG_URL/postgres" -Xq -v ON_ERROR_STOP=1 \
      -c "DROP DATABASE IF EXISTS ${GOCHAT_DB_PREFIX}${service//-/_} WITH (FORCE)" >/dev/null
  done
  if have redis-cli; then
    redis-cli -u "$REDIS_URL" --scan --pattern "${GOCHAT_REDIS_PREFIX}*" |
      xargs -r -n 500 redis-cli -u "$REDIS_URL" DEL >/dev/null
  fi
}

# Prints the reference server's source folder: BENCH_REFERENCE_DIR, else shared/reference next to
# this checkout or next to the main checkout of its repository (for a git worktree).
find_reference() {
  local common candidate
  if [[ -n "$reference_src" ]]; then
    [[ -f "$reference_src/server.js" ]] || die "BENCH_REFERENCE_DIR=$reference_src has no server.js"
    echo "$reference_src"
    return
  fi
  common="$(git -C "$GOCHAT_ROOT" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)"
  for candidate in "$GOCHAT_ROOT/../shared/reference" ${common:+"$(dirname "$common")/../shared/reference"}; do
    if [[ -f "$candidate/server.js" && -f "$candidate/package.json" ]]; then
      (cd "$candidate" && pwd)
      return
    fi
  done
  die "the reference server (shared/reference, the benchmark's yardstick) is not next to this \
checkout; set BENCH_REFERENCE_DIR to its folder, or BENCH_REFERENCE=0 to measure without it"
}

# Installs the reference server from $reference_src into .run/bench/reference (a copy: its source
# stays read-only and outside the repository), recreates its database and starts it on a free
# port. Sets reference_url and reference_pid.
start_reference() {
  local src="$reference_src" port
  have node || die "node is missing (scripts/deps.sh installs it)"
  info "reference server from $src into ${reference_dir#"$GOCHAT_ROOT"/} (npm install)"
  mkdir -p "$reference_dir"
  cp "$src/server.js" "$src/package.json" "$reference_dir/"
  chmod u+w "$reference_dir/server.js" "$reference_dir/package.json"
  (cd "$reference_dir" && npm install --no-audit --no-fund --loglevel=error >/dev/null) ||
    die "npm install of the reference server failed"
  psql "$PG_URL/postgres" -Xq -v ON_ERROR_STOP=1 \
    -c "DROP DATABASE IF EXISTS $reference_db WITH (FORCE)" -c "CREATE DATABASE $reference_db" >/dev/null
  port="$(free_port 18090)"
  reference_started=1
  : >"$reference_log"
  (
    cd "$reference_dir"
    exec setsid node server.js --port "$port" --pg "$PG_URL/$reference_db"
  ) </dev/null >>"$reference_log" 2>&1 &
  echo $! >"$reference_pidfile"
  reference_pid="$(cat "$reference_pidfile")"
  reference_url="http://127.0.0.1:$port"
  if ! wait_for_port 127.0.0.1 "$port" 30 || ! live_pid "$reference_pidfile" >/dev/null; then
    tail_log "$reference_log"
    die "the reference server did not start on port $port"
  fi
  ok "reference server on $reference_url (pid $reference_pid, node $(node -v), database $reference_db)"
}

# Stops the reference server and drops its database (unless BENCH_KEEP_DATA=1).
# shellcheck disable=SC2329  # invoked by cleanup
stop_reference() {
  stop_pidfile "$reference_pidfile"
  reference_started=0
  if [[ "${BENCH_KEEP_DATA:-0}" != 1 ]]; then
    psql "$PG_URL/postgres" -Xq -v ON_ERROR_STOP=1 \
      -c "DROP DATABASE IF EXISTS $reference_db WITH (FORCE)" >/dev/null
  fi
}

# Found before anything is built or started: without it there is nothing to compare with.
if [[ "${BENCH_REFERENCE:-1}" != 0 ]]; then
  reference_src="$(find_reference)"
fi

bench_bin="${CARGO_TARGET_DIR:-$GOCHAT_ROOT/target}/$(cargo_profile_dir "$PROFILE")/bench"
if [[ -z "${BENCH_BASE_URL:-}" ]]; then
  "$scripts/stack.sh" running &&
    die "the stack of 'make up' is running; run 'make down' first (make bench starts and stops its own)"

  header "1/5 dependencies, infrastructure, build (cargo profile $PROFILE)"
  "$scripts/deps.sh"
  "$scripts/infra.sh" reset-databases
  load_env
  export PG_URL AMQP_URL REDIS_URL
  "$scripts/build.sh" all
  [[ -x "$bench_bin" ]] || die "$bench_bin is missing after the build"

  header "2/5 the stack, with bench settings, and the reference server"
  GATEWAY_PORT="${GATEWAY_PORT:-8080}"
  if port_open 127.0.0.1 "$GATEWAY_PORT"; then
    taken="$GATEWAY_PORT"
    GATEWAY_PORT="$(free_port 18080)"
    info "port $taken is taken; the gateway uses port $GATEWAY_PORT for this run"
  fi
  export GATEWAY_PORT
  stack_started=1
  "$scripts/stack.sh" start
  if [[ -n "${BENCH_AFTER_START:-}" ]]; then
    info "BENCH_AFTER_START: $BENCH_AFTER_START"
    bash -c "$BENCH_AFTER_START" || die "BENCH_AFTER_START failed"
  fi
  base_url="http://localhost:$GATEWAY_PORT"
  bench_run_dir="$RUN_DIR"
  restart_cmd="$scripts/stack.sh start"
  # W8's members connect to every socket-handler node directly (the gateway knows the first).
  if ((${#EXTRA_NODES[@]} > 0)); then
    w8_nodes="http://127.0.0.1:${SERVICE_PORT[socket-handler]}"
    for node in "${EXTRA_NODES[@]}"; do w8_nodes+=",http://127.0.0.1:${SERVICE_PORT[$node]}"; done
  fi
  stack_note="the stack started by this script (scripts/stack.sh), release build unless BENCH_PROFILE says otherwise"
  settings_note="\`SEND_RATE_PER_SEC=$SEND_RATE_PER_SEC SEND_BURST=$SEND_BURST\` (otherwise the
per-user send limit is what W1/W2 measure), \`BCRYPT_COST=$BCRYPT_COST\` (sign-up and sign-in hash
at this cost; production's default is 12, which makes W4 bcrypt-bound), cargo profile
\`$PROFILE\`, \`SOCKET_HANDLER_NODES=$SOCKET_HANDLER_NODES\` (W8's members spread over the
socket-handler nodes, connected to them directly; every other workload goes through the gateway
to the first).${BENCH_AFTER_START:+ **Changed after it started** (\`BENCH_AFTER_START\`): \`$BENCH_AFTER_START\`.}"
else
  header "1/5 build the bench (cargo profile $PROFILE); the stack at $BENCH_BASE_URL is measured as it runs"
  ensure_cargo_on_path
  (cd "$GOCHAT_ROOT" && cargo build --quiet -p bench --profile "$PROFILE")
  load_env
  export PG_URL
  base_url="$BENCH_BASE_URL"
  bench_run_dir="${BENCH_RUN_DIR:-$RUN_DIR}"
  restart_cmd="${BENCH_RESTART_CMD:-}"
  GOCHAT_DB_PREFIX="${BENCH_DB_PREFIX:-gochat_}"
  settings_note="As the stack was started: see \`SEND_RATE_PER_SEC\`, \`SEND_BURST\`,
\`BCRYPT_COST\` and the binary under the machine section (read from the processes)."
  stack_note="a stack started by hand at $base_url (pid files in $bench_run_dir); its settings are in the machine section below"
  header "2/5 the reference server (the stack is already running)"
fi
mkdir -p "$out_dir"
reference_note="not run (BENCH_REFERENCE=0): the report has no comparison"
if [[ "${BENCH_REFERENCE:-1}" != 0 ]]; then
  start_reference
  reference_note="\`shared/reference/server.js\` as it is (copied to ${reference_dir#"$GOCHAT_ROOT"/} and
\`npm install\`ed at run time, never committed), untuned (its defaults: a \`pg\` pool of 16), on
Node.js $(node -v), on database \`$reference_db\` of the same Postgres"
fi

header "3/5 the workloads (at most ${budget}s)"
# How busy the machine is with the stack up and idle: two seconds of top.
load_before="$(cat /proc/loadavg)"
top_before="$(top -b -n 2 -d 2 -w 200 2>/dev/null | awk '/^top -/ { n++ } n == 2')" || top_before=""
idle_before="$(awk -F',' '/%Cpu/ { for (i = 1; i <= NF; i++) if ($i ~ / id/) { gsub(/[^0-9.]/, "", $i); print $i } }' <<<"$top_before")"
busy_before="$(awk 'f && $9 + 0 >= 2 { printf "%s %s%%, ", $12, $9 } /PID +USER/ { f = 1 }' <<<"$top_before")"
busy_before="${busy_before%, }"
started_at="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
bench_rc=0
bench_args=(
  --base-url "$base_url"
  --run-dir "$bench_run_dir"
  --pg-url "$PG_URL"
  --db-prefix "$GOCHAT_DB_PREFIX"
  --budget-secs "$budget"
  --markdown "$out_dir/report.md"
)
[[ -z "$restart_cmd" ]] || bench_args+=(--restart-cmd "$restart_cmd")
[[ -z "$only" ]] || bench_args+=(--only "$only")
[[ -z "${w8_nodes:-}" ]] || bench_args+=(--w8-nodes "$w8_nodes")
if ((reference_started == 1)); then
  bench_args+=(--reference-url "$reference_url" --reference-pid "$reference_pid" --reference-db "$reference_db")
fi
# BENCH_ARGS: more options for the tool (smaller runs while working on it, e.g. "--w1-rates 500,2000").
read -r -a extra_args <<<"${BENCH_ARGS:-}"
bench_args+=("${extra_args[@]}")
# W9 writes its plans there; an earlier run's must not end up in this report.
rm -f "$bench_run_dir/bench/w9-plans.txt"
# The last workload started before the budget ends may run for up to five minutes more (W5's
# crash and restarts, W2 on both systems).
timeout "$((budget + 340))" "$bench_bin" "${bench_args[@]}" \
  >"$out_dir/results.jsonl" 2> >(tee "$out_dir/bench.log" >&2) || bench_rc=$?
finished_at="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
[[ -s "$out_dir/report.md" ]] || die "the bench wrote no report (exit code $bench_rc)"
commit="$(git -C "$GOCHAT_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
dirty="$(git -C "$GOCHAT_ROOT" diff --quiet HEAD 2>/dev/null || echo ' with uncommitted changes')"
# One line per run to compare attempts by: when, which commit, which workloads, the comparison.
sed -n "/\"workload\":\"vs-reference\"/ s/^{/{\"at\":\"$finished_at\",\"commit\":\"$commit${dirty:++}\",\"only\":\"${only:-all}\",${BENCH_AFTER_START:+\"changed_after_start\":true,}/p" \
  "$out_dir/results.jsonl" >>"$out_dir/history.jsonl"

# The report, one function per part; write_report puts them together.
# shellcheck disable=SC2329  # invoked by write_report
report_intro() {
  cat <<EOF
# Benchmarks

Written by \`make bench\` (scripts/bench.sh) on $finished_at (started $started_at), commit
\`$commit\`$dirty.${only:+ **Partial run**: only $only (\`BENCH_ONLY\`).}
The tool is \`bench/\`: it drives the running system only through its public contract (sign-up
over HTTP, \`/ws/chat\` and \`/ws/notifications\` with the \`auth\` cookie, REST history), from
the same machine, and prints one JSON line per run (below, at the end).

**Machine state.** The load generator shares the machine with the system. Just before the
workloads, with the stack up and idle, the CPUs were ${idle_before:-?}% idle over 2 s (load
average \`$load_before\`); processes above 2% then: ${busy_before:-none}. The *others* column of
the CPU table says how much of the machine work outside the system and the bench took during
each measured run; when it is far from 0%, the numbers are lower than this machine can do alone.

**The stack measured**: $stack_note. **The reference server**: $reference_note.

**Settings of this run.** $settings_note Postgres is durable (see its fsync settings below).
W7's and W9's million messages each are written with SQL into messages' database in its own
schema (a million sends through the socket would take longer than the whole run may); everything
else goes through the gateway.

EOF
}

# shellcheck disable=SC2329  # invoked by write_report
report_method() {
  cat <<'EOF'

## How the workloads measure

- **W1 fixed rate**: 50 pairs (100 users) each sending to its partner on its own schedule, open
  loop, at stepped total rates; latency from each message's *scheduled* send time to its
  `message.new` at the receiver (a late sender counts as latency: no coordinated omission).
  Counts per step: sent, acked, delivered, lost (missing when the backlog stopped moving),
  duplicated, out of order (`seq` not above the last the receiver saw, or a message of its
  partner older than one already seen: each message carries its sender's counter). A step
  whose p99 passes 1 s ends the stepping (higher rates would only queue), except below 2,000
  msg/s, the highest rate a target names. Delivered msg/s runs from the first scheduled send
  to the last delivery. With the reference server, each rate runs on it and then on ours,
  each with its own 100 users, and both settle before the next step.
- **W2 saturation**: the same pairs in a closed loop, 8 unacknowledged messages per sender;
  delivered messages per second over 10 s after a 2 s warm-up, and the CPU time of every server
  process in that window. The reference server runs it right before ours.
- **W3 idle sockets**: 1,000 and 10,000 signed-in users open `/ws/chat` and stay silent; the
  growth of socket-handler's PSS (`/proc/<pid>/smaps_rollup`) per connection once the stack is
  quiet, and the time to connect them all (200 upgrades in flight). Each count runs on freshly
  started services (memory freed by an earlier run would be reused and hide the cost), and the
  stack is restarted after the last one.
- **W4 connect storm**: arrivals at stepped rates, each a sign-in over HTTP plus a `/ws/chat`
  upgrade, timed from the scheduled arrival to the open socket, until p99 passes 1 s.
- **W5 backlog and crash**: a receiver offline while 10,000 messages arrive, then catching up
  with `GET /api/messages/conversations/{id}/messages?after=` (every acked message, at its
  `seq`, with its id, no gap); then every service killed with SIGKILL right after half of 2,000
  messages are acknowledged, the stack restarted, every acked message looked up, the
  unacknowledged ones sent again with their original `clientMsgId`s, and the conversation
  checked for exactly-once. W5 runs last and, when the delivered rate measured in W1/W2 says
  10,000 and 2,000 would not fit in the time left, uses fewer (its parameters say how many).
- **W6 presence**: 1,000 users on `/ws/notifications` (observers the server closes while the
  others connect reconnect, 20 at a time, up to three rounds; the closes are reported); 20 other
  users connect one at a time; time from the start of the connect to the `presence` frame at
  each connected observer (and from the close to `offline`).
- **W7 history**: 1,000,000 stored messages (half in one conversation, interleaved with 100
  others), newest page and a page from the middle of the long conversation, 300 requests each
  after 20 of warm-up, over one keep-alive connection through the gateway.
- **W8 groups**: 20 groups of 10 members (made with `POST /api/messages/conversations`), each
  member with one `/ws/chat` socket, the members of every group alternating between the two
  socket-handler nodes (connected to them directly); open loop at stepped rates of group
  messages (100, 250, 500 per second in all), each group on its own schedule with its
  members taking turns, so one message is 9 deliveries. Latency from the scheduled send to each
  receiver's `message.new`; per step: deliveries per second (first scheduled send to last
  delivery), lost (deliveries missing when the backlog stopped moving), duplicated, out of
  order (`seq` not above the last its receiver saw of its group), delivered to a non-member or
  from the wrong sender. A step with a p99 over 1 s or a loss ends the stepping; the
  socket-handler CPU column counts both nodes.
- **W9 search**: 1,000,000 more stored messages over 1,000 conversations, a user in 100 of them
  searching (`GET /api/messages/search`, 20 results) for a common word (one message in ten), a
  rare word (one in 100,003), a phrase (one in fifty) and a two-character Chinese word (one in
  twenty is Chinese or Japanese), 200 requests each after 10 of warm-up; the plans behind the
  numbers are below.

## Where the time goes per message

The path is README's "How a message travels"; per message it costs:

1. **socket-handler** parses the frame, checks the sender's allowance (Redis), and queues the
   command in the node's forwarder, which publishes whatever has gathered as one message per
   commands queue while the previous one is being confirmed. Sends and typing go to
   `messages.chat.sends`, kept in memory (confirmed and delivered as soon as the broker has
   them; a send is resent by its client until acknowledged); other commands to the quorum queue
   `messages.chat.commands` (a Raft commit with an fsync before the confirm and the delivery).
2. **messages** consumes each queue in order (a single active consumer each, one batch at a
   time across the two) and applies whatever a queue already holds as one batch in one
   transaction: one commit, so one WAL fsync, per batch. A run of sends costs a fixed number of
   round trips however long it is, the independent statements pipelined: BEGIN, senders and
   receivers, repeats and the locks of the conversations that exist together (a pair's first
   message creates its conversation in a round trip of its own); then, numbered by messages
   from where the locks found each conversation, one insert of every message with its seq and
   unread counts, the outbox rows of its public events (`message.sent`) and COMMIT, together.
3. After the commit messages publishes the batch's deliveries itself (one message per batch to
   the chat delivery exchange, routed to the nodes of its recipients) with its replies, in one
   confirm window, before it takes the next batch. The **outbox relay** reads the events at
   most every 10 ms (woken by `NOTIFY`), publishes them to the quorum queues of their
   subscribers in one confirm window and deletes them without waiting for the disk.
4. **socket-handler** receives the delivery on its node queue and writes `message.ack` and
   `message.new`; **notifications** consumes `message.sent` in batches (one transaction and one
   confirm window for the live pushes per batch) and pushes the notification.

Step 2 is serial by design (per-conversation order, and exactly-once needs one writer per
conversation at a time), so the chat's throughput is one over its per-batch time. Where a
message's latency goes, hop by hop, is measured by the per-hop trace (`RUST_LOG=info,hop=debug`,
then `scripts/hop-trace.py .run/logs`; docs/profiling.md, "One message, hop by hop"). What would
lift it further (docs/profiling.md): CPU per message below saturation, which sets every hop's
p99 on two cores (the quorum-queue work of the public events in RabbitMQ, Postgres' fixed cost
per transaction, the hand-offs between processes).

A history page (W7) costs: the token check with a Redis lookup of revoked sessions, a
membership query and the page query (prepared once per connection; each window spells out its
own `seq` bound so the `(conversation_id, seq)` index serves deep pages directly), and a Redis
pipeline for the vote counts; a page never read before also rebuilds its vote counts with one
Postgres query and caches them in one Redis pipeline (the first request of each page in W7
shows it).
EOF
}

# shellcheck disable=SC2329  # invoked by write_report
report_raw() {
  printf '\n## Raw results (one JSON line per run)\n\n<details><summary>results.jsonl</summary>\n\n```json\n'
  cat "$out_dir/results.jsonl"
  printf '```\n\n</details>\n'
}

# shellcheck disable=SC2329  # invoked by write_report
report_w9_plans() {
  local plans="$bench_run_dir/bench/w9-plans.txt"
  [[ -f "$plans" ]] || return 0
  printf '\n## W9: the plans behind the search numbers\n\n'
  printf 'EXPLAIN (ANALYZE, BUFFERS) of the statement messages runs for each query, after the run.\n\n'
  printf '<details><summary>w9-plans.txt</summary>\n\n```text\n'
  cat "$plans"
  printf '```\n\n</details>\n'
}

write_report() {
  report_intro
  cat "$out_dir/report.md" # the comparison, the tables, the machine, the command (from bench/)
  report_method
  report_w9_plans
  report_raw
}

header "4/5 the report"
mkdir -p "$(dirname "$report")"
write_report >"$report"
ok "wrote ${report#"$GOCHAT_ROOT"/}"
# The front end, measured with Lighthouse against the same stack, in a section of its own (a
# partial run of some workloads only skips it).
if [[ -z "${BENCH_ONLY:-}" ]]; then
  E2E_BASE_URL="$base_url" "$scripts/lighthouse.sh" bench >>"$report" ||
    warn "Lighthouse failed: BENCHMARKS.md has no front-end section this time"
fi

header "5/5 stop"
exit "$bench_rc"

