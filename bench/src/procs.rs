//! The server side as the operating system sees it: which processes make up the system, their
//! CPU time (`/proc/<pid>/stat`), memory (`/proc/<pid>/smaps_rollup`) and file limits, the
//! machine, Postgres' durability settings (through `psql`), and stopping services with SIGKILL.
//!
//! The five services and nginx are found through the pid files `scripts/stack.sh` writes.
//! Postgres, RabbitMQ and Redis may be shared with other work on the machine: Postgres backends
//! are counted only when they serve one of the stack's databases (their process title names it),
//! Postgres' own background processes, RabbitMQ (`beam.smp`) and Redis (`redis-server`) always.
//! The reference server (the yardstick, `--reference-url`) is counted the same way: its Node.js
//! process (with its children, if any), the Postgres backends of its database and Postgres' own
//! background processes.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, bail};
use serde::Serialize;
use serde_json::{Value, json};

/// The five services, in the order the scripts start them.
pub const SERVICES: [&str; 5] = [
    "auth",
    "users",
    "socket-handler",
    "messages",
    "notifications",
];

/// Where the stack lives and how to reach its database server.
#[derive(Clone, Debug)]
pub struct Stack {
    /// `.run` of the checkout that started the stack (holds `pids/`).
    pub run_dir: PathBuf,
    /// `postgres://user@host:port` of the server holding the stack's databases.
    pub pg_url: Option<String>,
    /// The stack's database prefix (`gochat_`, `gochat_bench_`, …).
    pub db_prefix: String,
    /// Set when the system is the reference server instead of ours.
    pub reference: Option<ReferenceServer>,
}

/// The reference server's processes: one Node.js process and one database.
#[derive(Clone, Debug)]
pub struct ReferenceServer {
    /// The Node.js process.
    pub pid: u32,
    /// Its database.
    pub database: String,
}

impl Stack {
    /// The pid recorded for a service (or `nginx`), if that process is alive (never for the
    /// reference server, which has none of them).
    pub fn pid(&self, name: &str) -> Option<u32> {
        if self.reference.is_some() {
            return None;
        }
        let text =
            std::fs::read_to_string(self.run_dir.join("pids").join(format!("{name}.pid"))).ok()?;
        let pid: u32 = text.trim().parse().ok()?;
        Path::new(&format!("/proc/{pid}")).exists().then_some(pid)
    }

    /// The database of a service.
    pub fn database(&self, service: &str) -> String {
        format!("{}{}", self.db_prefix, service.replace('-', "_"))
    }

    /// Runs SQL with `psql` against one of the stack's databases and returns its unaligned output.
    pub fn psql(&self, database: &str, sql: &str) -> anyhow::Result<String> {
        let url = self
            .pg_url
            .as_deref()
            .context("no Postgres URL (set PG_URL or pass --pg-url)")?;
        // Bounded like everything else: ten minutes is far beyond any statement the bench runs.
        let out = Command::new("timeout")
            .args(["600", "psql"])
            .arg(format!("{url}/{database}"))
            .args(["-XqtA", "-v", "ON_ERROR_STOP=1", "-c", sql])
            .output()
            .context("running psql")?;
        if !out.status.success() {
            bail!(
                "psql failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    /// Every process of the system under test, with the group it is counted in.
    pub fn processes(&self) -> Vec<(u32, String)> {
        if let Some(reference) = &self.reference {
            return reference.processes();
        }
        // Further socket-handler nodes (socket-handler-2, …: scripts/lib.sh) count as
        // socket-handler.
        let extra_nodes = (2..).map_while(|n| self.pid(&format!("socket-handler-{n}")));
        let services: HashMap<u32, &str> = SERVICES
            .iter()
            .filter_map(|s| self.pid(s).map(|p| (p, *s)))
            .chain(extra_nodes.map(|p| (p, "socket-handler")))
            .collect();
        let nginx = self.pid("nginx");
        let our_dbs: Vec<String> = SERVICES.iter().map(|s| self.database(s)).collect();
        let mut found = Vec::new();
        for pid in all_pids() {
            let Some(stat) = read_stat(pid) else { continue };
            let group = if let Some(name) = services.get(&pid) {
                (*name).to_owned()
            } else if Some(pid) == nginx || (nginx.is_some() && Some(stat.ppid) == nginx) {
                "nginx".to_owned()
            } else if stat.comm == "postgres" {
                match postgres_database(pid) {
                    Some(db) if !our_dbs.contains(&db) => continue,
                    _ => "postgres".to_owned(),
                }
            } else if stat.comm == "beam.smp" {
                "rabbitmq".to_owned()
            } else if stat.comm == "redis-server" {
                "redis".to_owned()
            } else {
                continue;
            };
            found.push((pid, group));
        }
        found
    }
}

impl ReferenceServer {
    /// Its processes: `node` (the server and any children), `postgres` (the backends of its
    /// database and the server's own background processes).
    fn processes(&self) -> Vec<(u32, String)> {
        let mut found = Vec::new();
        for pid in all_pids() {
            let Some(stat) = read_stat(pid) else { continue };
            let group = if pid == self.pid || stat.ppid == self.pid {
                "node"
            } else if stat.comm == "postgres" {
                match postgres_database(pid) {
                    Some(db) if db != self.database => continue,
                    _ => "postgres",
                }
            } else {
                continue;
            };
            found.push((pid, group.to_owned()));
        }
        found
    }
}

/// A process's `stat` fields the bench needs.
struct Stat {
    comm: String,
    ppid: u32,
    /// utime + stime, in clock ticks.
    ticks: u64,
}

fn all_pids() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .map(|dir| {
            dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

fn read_stat(pid: u32) -> Option<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&text)
}

fn parse_stat(text: &str) -> Option<Stat> {
    // comm is in parentheses and may itself contain spaces or parentheses.
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text[open + 1..close].to_owned();
    let rest: Vec<&str> = text[close + 2..].split_whitespace().collect();
    // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
    Some(Stat {
        comm,
        ppid: rest.get(1)?.parse().ok()?,
        ticks: rest.get(11)?.parse::<u64>().ok()? + rest.get(12)?.parse::<u64>().ok()?,
    })
}

/// The database a Postgres backend serves, from its process title
/// (`postgres: 15/main: user database 127.0.0.1(port) state`); `None` for the postmaster and
/// background processes.
fn postgres_database(pid: u32) -> Option<String> {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let title = String::from_utf8_lossy(&raw).replace('\0', " ");
    let last = title.rsplit(": ").next()?;
    let mut words = last.split_whitespace();
    let _user = words.next()?;
    let database = words.next()?;
    let client = words.next()?;
    (client.contains('(') || client.starts_with("[local]")).then(|| database.to_owned())
}

/// Clock ticks per second of `/proc/<pid>/stat` (`getconf CLK_TCK`, 100 on Linux in practice).
pub fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// The times each of a process's threads stopped running (blocked, or was preempted) since it
/// started, by thread id, from `/proc/<pid>/task/<tid>/status`. Kept per thread because threads
/// come and go (a runtime's blocking pool lets idle ones end): a process's sum can fall between
/// two readings, while a thread's count only grows.
fn context_switches(pid: u32) -> HashMap<u32, u64> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return HashMap::new();
    };
    tasks
        .flatten()
        .filter_map(|task| {
            let tid = task.file_name().to_str()?.parse().ok()?;
            let status = std::fs::read_to_string(task.path().join("status")).ok()?;
            let switches = status
                .lines()
                .filter(|line| line.contains("ctxt_switches:"))
                .filter_map(|line| line.split_whitespace().nth(1)?.parse::<u64>().ok())
                .sum();
            Some((tid, switches))
        })
        .collect()
}

/// CPU time of every process of the system, the bench itself and the whole machine at one moment.
#[derive(Clone, Debug)]
pub struct CpuSnapshot {
    per_pid: HashMap<u32, (String, u64)>,
    /// Each process's context switches (see [`context_switches`]): a thread handing work to
    /// another, or waiting for a socket, stops and is woken again, and on a small machine that
    /// is where much of a message's CPU goes (docs/profiling.md).
    switches: HashMap<u32, HashMap<u32, u64>>,
    /// What each Postgres process works for: a service (its database without the stack's
    /// prefix), the reference, or `server` (the postmaster and background processes).
    postgres_for: HashMap<u32, String>,
    bench: u64,
    machine_busy: u64,
    machine_total: u64,
    at: std::time::Instant,
}

impl CpuSnapshot {
    /// Now.
    pub fn take(stack: &Stack) -> Self {
        let per_pid = stack
            .processes()
            .into_iter()
            .filter_map(|(pid, group)| Some((pid, (group, read_stat(pid)?.ticks))))
            .collect::<HashMap<_, _>>();
        let postgres_for = per_pid
            .iter()
            .filter(|(_, (group, _))| group == "postgres")
            .map(|(pid, _)| {
                let served = postgres_database(*pid).map_or_else(
                    || "server".to_owned(),
                    |db| match db.strip_prefix(stack.db_prefix.as_str()) {
                        Some(service) if stack.reference.is_none() => service.to_owned(),
                        _ => "reference".to_owned(),
                    },
                );
                (*pid, served)
            })
            .collect();
        let switches = per_pid
            .keys()
            .map(|pid| (*pid, context_switches(*pid)))
            .collect();
        let (machine_busy, machine_total) = machine_ticks();
        Self {
            per_pid,
            switches,
            postgres_for,
            bench: read_stat(std::process::id()).map_or(0, |s| s.ticks),
            machine_busy,
            machine_total,
            at: std::time::Instant::now(),
        }
    }

    /// CPU seconds spent between `self` and `later`, per group, plus the bench's and the rest of
    /// the machine's. A process that started in between counts with all its time; one that ended
    /// in between is missed (its time cannot be read any more).
    pub fn until(&self, later: &CpuSnapshot, ticks_per_sec: f64) -> CpuUse {
        let mut groups: BTreeMap<String, f64> = BTreeMap::new();
        let mut postgres: BTreeMap<String, f64> = BTreeMap::new();
        let mut switches: BTreeMap<String, u64> = BTreeMap::new();
        let none = HashMap::new();
        for (pid, (group, ticks)) in &later.per_pid {
            let (before, switches_before) = match self.per_pid.get(pid) {
                Some((g, t)) if g == group => (*t, self.switches.get(pid).unwrap_or(&none)),
                _ => (0, &none),
            };
            // A thread that ended in between is missed; one that started counts whole.
            *switches.entry(group.clone()).or_default() += later
                .switches
                .get(pid)
                .unwrap_or(&none)
                .iter()
                .map(|(tid, n)| n.saturating_sub(switches_before.get(tid).copied().unwrap_or(0)))
                .sum::<u64>();
            let secs = ticks.saturating_sub(before) as f64 / ticks_per_sec;
            *groups.entry(group.clone()).or_default() += secs;
            if let Some(served) = later.postgres_for.get(pid) {
                *postgres.entry(served.clone()).or_default() += secs;
            }
        }
        let system: f64 = groups.values().sum();
        let bench = later.bench.saturating_sub(self.bench) as f64 / ticks_per_sec;
        let busy = later.machine_busy.saturating_sub(self.machine_busy) as f64 / ticks_per_sec;
        let total = later.machine_total.saturating_sub(self.machine_total) as f64 / ticks_per_sec;
        CpuUse {
            wall_secs: later.at.duration_since(self.at).as_secs_f64(),
            groups,
            postgres,
            switches,
            system_secs: system,
            bench_secs: bench,
            other_secs: (busy - system - bench).max(0.0),
            machine_idle_secs: (total - busy).max(0.0),
        }
    }
}

/// CPU seconds over an interval.
#[derive(Clone, Debug)]
pub struct CpuUse {
    /// How long the interval was.
    pub wall_secs: f64,
    /// Per process group of the system under test.
    pub groups: BTreeMap<String, f64>,
    /// The `postgres` group split by whom its processes work for (see
    /// [`CpuSnapshot::postgres_for`]): where the database's share of a message goes.
    pub postgres: BTreeMap<String, f64>,
    /// Context switches per process group.
    pub switches: BTreeMap<String, u64>,
    /// Their sum.
    pub system_secs: f64,
    /// The load generator.
    pub bench_secs: f64,
    /// Everything else on the machine (other people's builds and tests).
    pub other_secs: f64,
    /// Idle CPU time, all cores together.
    pub machine_idle_secs: f64,
}

impl CpuUse {
    /// As JSON, with CPU milliseconds per 1,000 messages when `messages` is given.
    pub fn to_json(&self, messages: Option<u64>) -> Value {
        let per_1000 = |secs: f64| match messages {
            Some(n) if n > 0 => Some(crate::stats::round1(secs * 1000.0 * 1000.0 / n as f64)),
            _ => None,
        };
        let per_message = |n: u64| match messages {
            Some(m) if m > 0 => Some(crate::stats::round1(n as f64 / m as f64)),
            _ => None,
        };
        // Switches are counted per process group; Postgres' split by database has none.
        let by_group = |secs: &BTreeMap<String, f64>,
                        switches: Option<&BTreeMap<String, u64>>|
         -> BTreeMap<String, Value> {
            secs.iter()
                .map(|(g, s)| {
                    let mut entry = json!({"cpu_secs": crate::stats::round3(*s), "cpu_ms_per_1000_msgs": per_1000(*s)});
                    if let Some(n) = switches.and_then(|switches| switches.get(g)) {
                        entry["context_switches"] = json!(n);
                        entry["context_switches_per_msg"] = json!(per_message(*n));
                    }
                    (g.clone(), entry)
                })
                .collect()
        };
        json!({
            "wall_secs": crate::stats::round3(self.wall_secs),
            "system_cpu_secs": crate::stats::round3(self.system_secs),
            "system_cpu_ms_per_1000_msgs": per_1000(self.system_secs),
            "bench_cpu_secs": crate::stats::round3(self.bench_secs),
            "other_cpu_secs": crate::stats::round3(self.other_secs),
            "machine_idle_cpu_secs": crate::stats::round3(self.machine_idle_secs),
            "system_context_switches_per_msg": per_message(self.switches.values().sum()),
            "per_process": by_group(&self.groups, Some(&self.switches)),
            "postgres_by_database": by_group(&self.postgres, None),
        })
    }
}

/// (busy, total) clock ticks of all CPUs since boot, from `/proc/stat`.
fn machine_ticks() -> (u64, u64) {
    let text = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = text.lines().find(|l| l.starts_with("cpu ")) else {
        return (0, 0);
    };
    let fields: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    let total: u64 = fields.iter().take(8).sum();
    // idle and iowait are fields 4 and 5.
    let idle = fields.get(3).copied().unwrap_or(0) + fields.get(4).copied().unwrap_or(0);
    (total.saturating_sub(idle), total)
}

/// Proportional set size of a process, in KiB.
pub fn pss_kib(pid: u32) -> Option<u64> {
    rollup_field(pid, "Pss:")
}

/// Resident set size of a process, in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    rollup_field(pid, "Rss:")
}

fn rollup_field(pid: u32, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    text.lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The children of a process (nginx's workers).
pub fn children(pid: u32) -> Vec<u32> {
    all_pids()
        .into_iter()
        .filter(|p| read_stat(*p).is_some_and(|s| s.ppid == pid))
        .collect()
}

/// The soft limit on open files of a process.
pub fn open_files_limit(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/limits")).ok()?;
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// One variable of a process's environment (what the stack was started with).
pub fn env_of(pid: u32, name: &str) -> Option<String> {
    let raw = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
    raw.split(|b| *b == 0)
        .filter_map(|kv| std::str::from_utf8(kv).ok())
        .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
        .map(str::to_owned)
}

/// The executable of a process.
pub fn exe_of(pid: u32) -> Option<String> {
    std::fs::read_link(format!("/proc/{pid}/exe"))
        .ok()
        .map(|p| p.display().to_string())
}

/// Sends SIGKILL to the five services (after checking each pid still runs that service) and
/// waits until they are gone. Returns the pids killed.
pub async fn kill_services(stack: &Stack) -> anyhow::Result<Vec<u32>> {
    let mut pids = Vec::new();
    for service in SERVICES {
        let pid = stack
            .pid(service)
            .with_context(|| format!("{service} is not running"))?;
        let exe = exe_of(pid).unwrap_or_default();
        if !exe.ends_with(&format!("/{service}")) {
            bail!("pid {pid} is {exe}, not {service}; not killing it");
        }
        pids.push(pid);
    }
    let status = Command::new("kill")
        .arg("-KILL")
        .args(pids.iter().map(u32::to_string))
        .status()
        .context("running kill")?;
    if !status.success() {
        bail!("kill -KILL {pids:?} failed");
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while pids.iter().any(|p| {
        std::fs::read_to_string(format!("/proc/{p}/stat")).is_ok_and(|s| !s.contains(") Z "))
    }) {
        if tokio::time::Instant::now() > deadline {
            bail!("the services did not die within 10 s of SIGKILL");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(pids)
}

/// What the results were measured on.
#[derive(Clone, Debug, Serialize)]
pub struct Machine {
    /// Logical CPUs.
    pub cores: usize,
    /// CPU model.
    pub cpu: String,
    /// Total memory, MiB.
    pub memory_mib: u64,
    /// `uname -r`.
    pub kernel: String,
    /// 1, 5 and 15 minute load averages when the bench started.
    pub load_average_at_start: String,
    /// Postgres settings that decide what a commit costs (`fsync`, `synchronous_commit`, …).
    pub postgres: BTreeMap<String, String>,
    /// Settings the running services were started with (read from their environment).
    pub stack: BTreeMap<String, String>,
}

impl Machine {
    /// Reads it all; what cannot be read is left out.
    pub fn detect(stack: &Stack) -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default();
        let memory_mib = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|t| {
                t.lines()
                    .find(|l| l.starts_with("MemTotal:"))?
                    .split_whitespace()
                    .nth(1)?
                    .parse::<u64>()
                    .ok()
            })
            .map_or(0, |kib| kib / 1024);
        let read = |p: &str| {
            std::fs::read_to_string(p)
                .unwrap_or_default()
                .trim()
                .to_owned()
        };
        let postgres = stack
            .psql(
                "postgres",
                "SELECT name || '=' || current_setting(name) FROM pg_settings WHERE name IN \
                 ('fsync', 'synchronous_commit', 'full_page_writes', 'wal_sync_method', \
                  'shared_buffers', 'server_version', 'max_connections') ORDER BY name",
            )
            .map(|out| {
                out.lines()
                    .filter_map(|l| l.split_once('='))
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect()
            })
            .unwrap_or_else(|e| BTreeMap::from([("error".to_owned(), e.to_string())]));
        let mut settings = BTreeMap::new();
        let lookups = [
            ("socket-handler", "SEND_RATE_PER_SEC"),
            ("socket-handler", "SEND_BURST"),
            ("auth", "BCRYPT_COST"),
            ("messages", "AMQP_PREFETCH"),
            ("messages", "DATABASE_POOL_SIZE"),
            ("socket-handler", "HTTP_WORKERS"),
            ("socket-handler", "RUST_LOG"),
        ];
        for (service, var) in lookups {
            if let Some(pid) = stack.pid(service) {
                let value = env_of(pid, var).unwrap_or_else(|| "(default)".to_owned());
                settings.insert(var.to_owned(), value);
            }
        }
        if let Some(exe) = stack.pid("socket-handler").and_then(exe_of) {
            settings.insert("service_binary".to_owned(), exe);
        }
        Self {
            cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
            cpu,
            memory_mib,
            kernel: read("/proc/sys/kernel/osrelease"),
            load_average_at_start: read("/proc/loadavg"),
            postgres,
            stack: settings,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_read_after_the_command_name() {
        let line = "42 (socket (handler)) S 7 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 \
                    9 0 100 1000 10 18446744073709551615";
        let stat = parse_stat(line).expect("parses");
        assert_eq!(stat.comm, "socket (handler)");
        assert_eq!(stat.ppid, 7);
        assert_eq!(stat.ticks, 300);
    }
}
