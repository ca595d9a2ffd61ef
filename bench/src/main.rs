//! GoChat's benchmark: drives a running stack only through its public contract (sign-up over
//! HTTP, `/ws/chat` and `/ws/notifications` with the `auth` cookie, REST history) and measures
//! it. Every run is bounded in count and time and talks only to localhost.
//!
//! Workloads (see `workloads/`): W1 fixed-rate latency, W2 saturation, W3 idle sockets, W4
//! connect storm, W5 backlog and crash, W6 presence fan-out, W7 history, W8 group fan-out
//! across socket-handler nodes, W9 search, W10 attachments. `--quick` is the
//! correctness check of `make test`: a small W1 and W5 whose counts must be exact.
//!
//! With `--reference-url`, W1 and W2 also run against the reference server (the yardstick of
//! issue 18: the simplest durable design, speaking the subset of the contract they use), in the
//! same process and interleaved with ours, and the report compares the two (`compare.rs`).
//!
//! Output: one JSON line per run on stdout (workload, system, parameters, results, machine,
//! command), progress and a table on stderr, the table also as Markdown with `--markdown FILE`.
//! `scripts/bench.sh` (`make bench`) starts a stack with bench settings and the reference server,
//! and runs all of it.

mod compare;
mod http;
mod net;
mod procs;
mod report;
mod stats;
mod users;
mod workloads;
mod ws;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::time::Instant;

use crate::net::{SourceAddrs, Target};
use crate::procs::{CpuSnapshot, Machine, ReferenceServer, Stack};
use crate::report::{Recorder, Reporter, System};

/// What to run, from the command line.
#[derive(Clone, Debug)]
pub struct Opts {
    /// The gateway.
    pub base_url: String,
    /// The small correctness run.
    pub quick: bool,
    /// Workloads to run (all unless given).
    pub only: Option<Vec<String>>,
    /// `.run` of the stack.
    pub run_dir: PathBuf,
    /// Postgres server URL (no database).
    pub pg_url: Option<String>,
    /// Database prefix of the stack.
    pub db_prefix: String,
    /// Shell command that starts the stack again after W5's kill (none: W5 does not kill).
    pub restart_cmd: Option<String>,
    /// No workload starts after this many seconds.
    pub budget_secs: u64,
    /// Also write the table here.
    pub markdown: Option<PathBuf>,
    /// The reference server to run W1 and W2 against as well (none: ours alone).
    pub reference_url: Option<String>,
    /// The reference server's process, for its CPU time.
    pub reference_pid: Option<u32>,
    /// The reference server's database, for its Postgres backends' CPU time.
    pub reference_db: Option<String>,
    /// W1: offered rates, msg/s.
    pub w1_rates: Vec<u32>,
    /// W1: pairs of users.
    pub w1_pairs: usize,
    /// W1: seconds per rate.
    pub w1_secs: f64,
    /// W2: measured seconds.
    pub w2_secs: f64,
    /// W2: unacknowledged messages per sender.
    pub w2_window: usize,
    /// W3: idle connection counts.
    pub w3_counts: Vec<usize>,
    /// W4: arrival rates, per second.
    pub w4_rates: Vec<u32>,
    /// W4: seconds per rate.
    pub w4_secs: f64,
    /// W5: messages while the receiver is away.
    pub w5_messages: usize,
    /// W5: senders sharing them.
    pub w5_senders: usize,
    /// W5: messages of the crash part.
    pub w5_crash_messages: usize,
    /// W6: connected users watching presence.
    pub w6_users: usize,
    /// W6: users whose connects are timed.
    pub w6_subjects: usize,
    /// W7: messages to store.
    pub w7_messages: usize,
    /// W7: requests per page kind.
    pub w7_requests: usize,
    /// W8: groups.
    pub w8_groups: usize,
    /// W8: members per group.
    pub w8_members: usize,
    /// W8: offered rates, group messages per second (all groups together).
    pub w8_rates: Vec<u32>,
    /// W8: seconds per rate.
    pub w8_secs: f64,
    /// W8: socket-handler nodes (`http://host:port`) the members connect to directly, in turn;
    /// none: through the gateway.
    pub w8_nodes: Vec<String>,
    /// W9: messages to store.
    pub w9_messages: usize,
    /// W9: conversations they are spread over (the searcher is in a tenth of them).
    pub w9_conversations: usize,
    /// W9: requests per query kind.
    pub w9_requests: usize,
}

impl Opts {
    fn defaults() -> Self {
        Self {
            base_url: std::env::var("E2E_BASE_URL")
                .unwrap_or_else(|_| "http://localhost:8080".to_owned()),
            quick: false,
            only: None,
            run_dir: PathBuf::from(".run"),
            pg_url: std::env::var("PG_URL").ok(),
            db_prefix: std::env::var("GOCHAT_DB_PREFIX").unwrap_or_else(|_| "gochat_".to_owned()),
            restart_cmd: None,
            budget_secs: 560,
            markdown: None,
            reference_url: None,
            reference_pid: None,
            reference_db: None,
            w1_rates: vec![20, 50, 100, 200, 500, 1000, 2000, 5000, 10000],
            w1_pairs: 50,
            w1_secs: 5.0,
            w2_secs: 10.0,
            w2_window: 8,
            w3_counts: vec![1000, 10000],
            w4_rates: vec![50, 100, 200, 400, 800, 1600, 3200],
            w4_secs: 3.0,
            w5_messages: 10_000,
            w5_senders: 1,
            w5_crash_messages: 2_000,
            w6_users: 1000,
            w6_subjects: 20,
            w7_messages: 1_000_000,
            w7_requests: 300,
            w8_groups: 20,
            w8_members: 10,
            w8_rates: vec![100, 250, 500],
            w8_secs: 5.0,
            w8_nodes: Vec::new(),
            w9_messages: 1_000_000,
            w9_conversations: 1_000,
            w9_requests: 200,
        }
    }

    fn parse(args: &[String]) -> anyhow::Result<Self> {
        let mut o = Self::defaults();
        let mut quick_given = false;
        let mut it = args.iter();
        while let Some(flag) = it.next() {
            if flag == "--help" || flag == "-h" {
                bail!("{USAGE}");
            }
            if flag == "--quick" {
                quick_given = true;
                continue;
            }
            let value = it
                .next()
                .with_context(|| format!("{flag} needs a value\n\n{USAGE}"))?;
            match flag.as_str() {
                "--base-url" => o.base_url = value.clone(),
                "--only" => {
                    o.only = Some(value.split(',').map(|w| w.trim().to_uppercase()).collect());
                }
                "--run-dir" => o.run_dir = PathBuf::from(value),
                "--pg-url" => o.pg_url = Some(value.clone()),
                "--db-prefix" => o.db_prefix = value.clone(),
                "--restart-cmd" => o.restart_cmd = Some(value.clone()),
                "--budget-secs" => o.budget_secs = num(flag, value)?,
                "--markdown" => o.markdown = Some(PathBuf::from(value)),
                "--reference-url" => o.reference_url = Some(value.clone()),
                "--reference-pid" => o.reference_pid = Some(num(flag, value)?),
                "--reference-db" => o.reference_db = Some(value.clone()),
                "--w1-rates" => o.w1_rates = list(flag, value)?,
                "--w1-pairs" => o.w1_pairs = num(flag, value)?,
                "--w1-secs" => o.w1_secs = num(flag, value)?,
                "--w2-secs" => o.w2_secs = num(flag, value)?,
                "--w2-window" => o.w2_window = num(flag, value)?,
                "--w3-counts" => o.w3_counts = list(flag, value)?,
                "--w4-rates" => o.w4_rates = list(flag, value)?,
                "--w4-secs" => o.w4_secs = num(flag, value)?,
                "--w5-messages" => o.w5_messages = num(flag, value)?,
                "--w5-senders" => o.w5_senders = num(flag, value)?,
                "--w5-crash-messages" => o.w5_crash_messages = num(flag, value)?,
                "--w6-users" => o.w6_users = num(flag, value)?,
                "--w6-subjects" => o.w6_subjects = num(flag, value)?,
                "--w7-messages" => o.w7_messages = num(flag, value)?,
                "--w7-requests" => o.w7_requests = num(flag, value)?,
                "--w8-groups" => o.w8_groups = num(flag, value)?,
                "--w8-members" => o.w8_members = num(flag, value)?,
                "--w8-rates" => o.w8_rates = list(flag, value)?,
                "--w8-secs" => o.w8_secs = num(flag, value)?,
                "--w8-nodes" => {
                    o.w8_nodes = value
                        .split(',')
                        .map(|v| v.trim().to_owned())
                        .filter(|v| !v.is_empty())
                        .collect();
                }
                "--w9-messages" => o.w9_messages = num(flag, value)?,
                "--w9-conversations" => o.w9_conversations = num(flag, value)?,
                "--w9-requests" => o.w9_requests = num(flag, value)?,
                _ => bail!("unknown option {flag}\n\n{USAGE}"),
            }
        }
        if quick_given {
            // Small and exact: counts are asserted, timings only reported. Sized for the stack of
            // `make test` (debug build, default settings, a busy machine) to finish well within
            // a minute, and within socket-handler's default send limit (20/s, burst 40 per
            // user): 3 msg/s per user in W1; W5's senders resend when told to slow down.
            o.quick = true;
            o.only
                .get_or_insert_with(|| vec!["W1".to_owned(), "W5".to_owned()]);
            o.w1_pairs = 4;
            o.w1_rates = vec![24];
            o.w1_secs = 5.0;
            o.w5_messages = 300;
            o.w5_senders = 3;
            // W8 only when asked for (--only W8): 4 groups of 4 at 12 group msg/s, within the
            // default send limit.
            o.w8_groups = 4;
            o.w8_members = 4;
            o.w8_rates = vec![12];
            o.w8_secs = 3.0;
            o.restart_cmd = None;
            o.reference_url = None;
            o.budget_secs = o.budget_secs.min(110);
        }
        if o.reference_url.is_some() && (o.reference_pid.is_none() || o.reference_db.is_none()) {
            bail!("--reference-url needs --reference-pid and --reference-db (for its CPU time)");
        }
        Ok(o)
    }

    /// Whether workload `w` is to run.
    pub fn wants(&self, w: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|only| only.iter().any(|o| o == w))
    }
}

fn num<T: std::str::FromStr>(flag: &str, value: &str) -> anyhow::Result<T> {
    value
        .parse()
        .map_err(|_| anyhow::anyhow!("{flag}: not a number: {value}"))
}

fn list<T: std::str::FromStr>(flag: &str, value: &str) -> anyhow::Result<Vec<T>> {
    value.split(',').map(|v| num(flag, v.trim())).collect()
}

const USAGE: &str = "usage: bench [--quick] [--only W1,W2,...] [--base-url URL] [--run-dir DIR]
             [--pg-url URL] [--db-prefix PREFIX] [--restart-cmd CMD] [--budget-secs N]
             [--markdown FILE] [--reference-url URL --reference-pid PID --reference-db DB]
             [--w1-rates R,..] [--w1-pairs N] [--w1-secs S] [--w2-secs S]
             [--w2-window N] [--w3-counts N,..] [--w4-rates R,..] [--w4-secs S]
             [--w5-messages N] [--w5-senders N] [--w5-crash-messages N] [--w6-users N]
             [--w6-subjects N] [--w7-messages N] [--w7-requests N] [--w8-groups N]
             [--w8-members N] [--w8-rates R,..] [--w8-secs S] [--w8-nodes URL,..]
             [--w9-messages N] [--w9-conversations N] [--w9-requests N]

Drives a running GoChat stack at --base-url (default $E2E_BASE_URL, else http://localhost:8080)
through its public contract. JSON lines on stdout, progress and a table on stderr.
--quick: the correctness check (small W1 and W5, counts only); exits 1 on a violation.
--restart-cmd: how to start the stack again after W5 kills every service (sh -c); without it W5
does not kill. The stack's processes are found through --run-dir/pids (default .run).
--reference-url: the reference server (shared/reference, the yardstick), also driven through W1
and W2 in this run, interleaved with ours; the report then compares the two (ours / reference).
Its CPU time is that of --reference-pid and of the Postgres backends of --reference-db.
--w8-nodes: socket-handler nodes (http://127.0.0.1:PORT,...) W8's members connect to directly,
in turn, so that every group spans them; without it W8 goes through the gateway.";

/// Everything a workload needs, for one system (ours or the reference server).
pub struct Ctx {
    /// What was asked for.
    pub opts: Opts,
    /// Which system this context drives.
    pub system: System,
    /// The gateway (or the reference server).
    pub target: Target,
    /// Client addresses.
    pub sources: SourceAddrs,
    /// The server processes.
    pub stack: Stack,
    /// Results, recorded as this system's.
    pub reporter: Recorder,
    /// No workload starts after this.
    pub deadline: Instant,
    /// Distinguishes this run's usernames from earlier runs' on the same databases.
    pub run_tag: String,
    /// Clock ticks per second of `/proc`.
    pub ticks: f64,
    next_user: AtomicUsize,
    /// Messages per second the system delivered in W2 (or W1), to size W5 to the time left.
    measured_rate: std::sync::Mutex<Option<f64>>,
}

impl Ctx {
    /// A context for `system` at `target`, recording into `reporter`.
    fn new(
        opts: Opts,
        system: System,
        target: Target,
        stack: Stack,
        reporter: &Arc<Reporter>,
        deadline: Instant,
        run_tag: String,
    ) -> Self {
        Self {
            opts,
            system,
            target,
            sources: SourceAddrs::new(1000),
            stack,
            reporter: Recorder::new(system, reporter.clone()),
            deadline,
            run_tag,
            ticks: procs::clock_ticks(),
            next_user: AtomicUsize::new(0),
            measured_rate: std::sync::Mutex::new(None),
        }
    }

    /// Reserves `count` user indices, returns the first.
    pub fn next_user_index(&self, count: usize) -> usize {
        self.next_user.fetch_add(count, Ordering::Relaxed)
    }

    /// Remembers the delivered rate a workload measured.
    pub fn set_measured_rate(&self, rate: f64) {
        let mut r = self
            .measured_rate
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *r = Some(r.map_or(rate, |old| old.max(rate)));
    }

    /// The delivered rate measured so far, if any.
    pub fn measured_rate(&self) -> Option<f64> {
        *self
            .measured_rate
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Starts the stack again with `--restart-cmd` (`sh -c`, its output on stderr, at most
    /// 300 s) and returns how long it took. Errors without a restart command.
    pub async fn restart_stack(&self) -> anyhow::Result<f64> {
        let cmd = self
            .opts
            .restart_cmd
            .clone()
            .context("no --restart-cmd to start the stack with")?;
        let started = Instant::now();
        let status = tokio::task::spawn_blocking(move || {
            std::process::Command::new("timeout")
                .args(["300", "sh", "-c", &cmd])
                .stdout(std::process::Stdio::from(std::io::stderr()))
                .status()
        })
        .await??;
        anyhow::ensure!(status.success(), "the restart command failed: {status}");
        Ok(started.elapsed().as_secs_f64())
    }

    /// Seconds left before the budget runs out.
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// CPU time of the system now.
    pub fn cpu(&self) -> CpuSnapshot {
        CpuSnapshot::take(&self.stack)
    }

    /// Waits until the services, nginx and Postgres are nearly idle (under a tenth of a core for
    /// a second) or `max` passes, so one workload's aftermath (closing thousands of sockets,
    /// presence fan-out, backlogs, and in Postgres the merge of the search indexes' pending
    /// entries for a burst of messages, which messages asks for in the seconds after it) does
    /// not land in the next one's numbers. RabbitMQ and Redis are left out: an idle broker's
    /// own background work is not an aftermath.
    pub async fn settle(&self, max: Duration) {
        // The correctness check asserts counts, not timings: it need not wait for quiet.
        let max = if self.opts.quick {
            max.min(Duration::from_secs(2))
        } else {
            max
        };
        let until = Instant::now() + max;
        let mut quiet = 0;
        let mut before = self.cpu();
        while Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let now = self.cpu();
            let used = before.until(&now, self.ticks);
            let ours: f64 = used
                .groups
                .iter()
                .filter(|(g, _)| !matches!(g.as_str(), "rabbitmq" | "redis"))
                .map(|(_, s)| s)
                .sum();
            quiet = if ours < 0.05 * used.wall_secs.max(0.1) * 2.0 {
                quiet + 1
            } else {
                0
            };
            if quiet >= 2 {
                return;
            }
            before = now;
        }
        log(&format!("the stack was still busy after {max:?}; going on"));
    }
}

static EPOCH: OnceLock<std::time::Instant> = OnceLock::new();

/// Progress on stderr with the time since start (stdout carries only the JSON lines).
pub fn log(message: &str) {
    let t = EPOCH.get_or_init(std::time::Instant::now).elapsed();
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "[{:7.1}s] {message}", t.as_secs_f64());
}

fn main() -> ExitCode {
    EPOCH.get_or_init(std::time::Instant::now);
    let args: Vec<String> = std::env::args().collect();
    let opts = match Opts::parse(&args[1..]) {
        Ok(o) => o,
        Err(e) => {
            log(&format!("{e:#}"));
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            log(&format!("cannot start the runtime: {e}"));
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(opts, &args)) {
        Ok(code) => code,
        Err(e) => {
            log(&format!("bench failed: {e:#}"));
            ExitCode::from(2)
        }
    }
}

async fn run(opts: Opts, args: &[String]) -> anyhow::Result<ExitCode> {
    let fd_limit = raise_fd_limit();
    log(&format!("open files limit of the bench: {fd_limit}"));
    let target = Target::parse(&opts.base_url)?;
    let stack = Stack {
        run_dir: opts.run_dir.clone(),
        pg_url: opts.pg_url.clone(),
        db_prefix: opts.db_prefix.clone(),
        reference: None,
    };
    let machine = Machine::detect(&stack);
    let command = args
        .iter()
        .map(|a| shell_quote(a))
        .collect::<Vec<_>>()
        .join(" ");
    let budget = Duration::from_secs(opts.budget_secs);
    let deadline = Instant::now() + budget;
    let run_tag = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let reporter = Arc::new(Reporter::new(machine, command));
    let reference = match (&opts.reference_url, opts.reference_pid, &opts.reference_db) {
        (Some(url), Some(pid), Some(database)) => {
            let stack = Stack {
                reference: Some(ReferenceServer {
                    pid,
                    database: database.clone(),
                }),
                ..stack.clone()
            };
            let target = Target::parse(url)?;
            Some(Ctx::new(
                opts.clone(),
                System::Reference,
                target,
                stack,
                &reporter,
                deadline,
                run_tag.clone(),
            ))
        }
        _ => None,
    };
    let ctx = Ctx::new(
        opts,
        System::Ours,
        target,
        stack,
        &reporter,
        deadline,
        run_tag,
    );
    log(&format!(
        "gateway {} from {} client addresses; machine: {}",
        ctx.target.addr,
        ctx.sources.len(),
        serde_json::to_string(ctx.reporter.machine()).unwrap_or_default()
    ));
    health_check(&ctx).await?;
    if let Some(reference) = &reference {
        log(&format!(
            "reference server at {} (pid {:?}, database {:?}): W1 and W2 run against it too",
            reference.target.addr, reference.opts.reference_pid, reference.opts.reference_db
        ));
        reference_health_check(reference).await?;
    }

    let outcome = tokio::time::timeout(
        budget + Duration::from_secs(60),
        workloads::run_all(&ctx, reference.as_ref(), fd_limit),
    )
    .await;
    let mut completed = match outcome {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            log(&format!("the run failed: {e:#}"));
            false
        }
        Err(_) => {
            log("the run exceeded its time budget and was stopped");
            false
        }
    };

    let table = ctx.reporter.table();
    let comparison = reference.is_some().then(|| ctx.reporter.comparison());
    {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "\n{table}");
        if let Some(c) = &comparison {
            let _ = writeln!(err, "{}", c.markdown());
        }
    }
    if let Some(c) = &comparison {
        ctx.reporter
            .print_line(&ctx.reporter.line_with(c.json_fields()));
        let missing = c.missing();
        if !missing.is_empty() {
            log(&format!(
                "the comparison with the reference is incomplete: {}",
                missing.join("; ")
            ));
            completed = false;
        }
    }
    if let Some(path) = &ctx.opts.markdown {
        std::fs::write(path, ctx.reporter.markdown())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let violations = ctx.reporter.violations();
    if !violations.is_empty() {
        log(&format!(
            "{} contract violation(s): {}",
            violations.len(),
            violations.join("; ")
        ));
        return Ok(ExitCode::from(1));
    }
    if !completed {
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

/// The gateway answers and the stack is the one at --run-dir (if a pid file is there).
async fn health_check(ctx: &Ctx) -> anyhow::Result<()> {
    let response = http::once(
        &ctx.target,
        std::net::Ipv4Addr::LOCALHOST,
        "GET",
        "/healthz",
        None,
        None,
    )
    .await
    .with_context(|| format!("the gateway at {} does not answer", ctx.opts.base_url))?;
    if response.status != 200 {
        return Err(response.unexpected("gateway /healthz"));
    }
    let found: Vec<&str> = procs::SERVICES
        .iter()
        .copied()
        .filter(|s| ctx.stack.pid(s).is_some())
        .collect();
    if found.len() < procs::SERVICES.len() {
        log(&format!(
            "only {found:?} have live pid files under {}: server CPU and memory are measured for \
             those alone, and W5 will not kill anything",
            ctx.stack.run_dir.display()
        ));
    }
    Ok(())
}

/// The reference server answers: it has no `/healthz`, so `GET /api/auth/currentuser` without a
/// cookie, which it answers 401.
async fn reference_health_check(ctx: &Ctx) -> anyhow::Result<()> {
    let response = http::once(
        &ctx.target,
        std::net::Ipv4Addr::LOCALHOST,
        "GET",
        "/api/auth/currentuser",
        None,
        None,
    )
    .await
    .with_context(|| {
        format!(
            "the reference server at {} does not answer",
            ctx.target.addr
        )
    })?;
    if response.status != 401 {
        return Err(response.unexpected("reference GET /api/auth/currentuser without a cookie"));
    }
    Ok(())
}

/// Raises the soft (and, as root, the hard) limit on open files: W3 holds ten thousand sockets.
fn raise_fd_limit() -> u64 {
    const WANTED: u64 = 65_536;
    if let Ok((soft, hard)) = rlimit::getrlimit(rlimit::Resource::NOFILE)
        && hard < WANTED
        && soft < WANTED
    {
        // Only root may raise the hard limit; otherwise go as high as it allows.
        let _ = rlimit::setrlimit(rlimit::Resource::NOFILE, WANTED, WANTED);
    }
    rlimit::increase_nofile_limit(WANTED).unwrap_or(0)
}

fn shell_quote(arg: &str) -> String {
    if !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c))
    {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}
