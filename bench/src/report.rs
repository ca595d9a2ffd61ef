//! Results: one JSON line per run on stdout, and a table for people at the end.

use std::io::Write;
use std::ops::Deref;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::compare::Comparison;
use crate::procs::Machine;

/// Which system a run measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum System {
    /// GoChat, the system under test.
    Ours,
    /// The reference server (the yardstick, `--reference-url`).
    Reference,
}

impl System {
    /// Its name in the JSON lines.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ours => "gochat",
            Self::Reference => "reference",
        }
    }
}

/// One measured run of a workload.
#[derive(Clone, Debug)]
pub struct Run {
    /// `W1` … `W7`.
    pub workload: &'static str,
    /// Short name of this run, e.g. `2000 msg/s`.
    pub name: String,
    /// What was asked for.
    pub parameters: Value,
    /// What was measured.
    pub results: Value,
    /// The table's summary of the results.
    pub summary: String,
    /// The issue's target for this run, if it has one.
    pub target: Option<String>,
    /// Whether the target was met.
    pub met: Option<bool>,
    /// Contract violations seen (lost, duplicated, out of order, missing): none is the only
    /// correct answer. Any makes the run exit non-zero.
    pub violations: Vec<String>,
    /// Trouble that breaks no message guarantee but should not happen either (the server
    /// closing healthy connections, connects failing): reported, not failed on.
    pub problems: Vec<String>,
}

/// Collects runs, prints each as it completes.
pub struct Reporter {
    machine: Machine,
    command: String,
    runs: Mutex<Vec<(System, Run)>>,
}

/// The [`Reporter`] as one system's workloads see it: what they record is that system's.
pub struct Recorder {
    system: System,
    shared: Arc<Reporter>,
}

impl Recorder {
    /// Records into `shared` as `system`'s.
    pub fn new(system: System, shared: Arc<Reporter>) -> Self {
        Self { system, shared }
    }

    /// Prints the run's JSON line and keeps it, as this system's.
    pub fn record(&self, run: Run) {
        self.shared.record_as(self.system, run);
    }
}

impl Deref for Recorder {
    type Target = Reporter;

    fn deref(&self) -> &Reporter {
        &self.shared
    }
}

impl Reporter {
    /// For the machine and the exact command line.
    pub fn new(machine: Machine, command: String) -> Self {
        Self {
            machine,
            command,
            runs: Mutex::default(),
        }
    }

    /// The machine.
    pub fn machine(&self) -> &Machine {
        &self.machine
    }

    /// Prints the run's JSON line on stdout and keeps it for the table. The reference server's
    /// runs have no targets, and what would be a violation of ours is only reported for it (it
    /// is the yardstick, not the system under test).
    pub fn record_as(&self, system: System, mut run: Run) {
        if system == System::Reference {
            run.target = None;
            run.met = None;
            run.problems.append(&mut run.violations);
        }
        let line = json!({
            "workload": run.workload,
            "system": system.as_str(),
            "name": run.name,
            "parameters": run.parameters,
            "results": run.results,
            "target": run.target,
            "target_met": run.met,
            "violations": run.violations,
            "problems": run.problems,
            "machine": self.machine,
            "command": self.command,
            "finished_at_unix": std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        });
        self.print_line(&line);
        crate::log(&format!(
            "{} {}{}: {}{}{}",
            run.workload,
            run.name,
            label(system),
            run.summary,
            if run.violations.is_empty() {
                String::new()
            } else {
                format!("  VIOLATIONS: {}", run.violations.join("; "))
            },
            if run.problems.is_empty() {
                String::new()
            } else {
                format!("  PROBLEMS: {}", run.problems.join("; "))
            }
        ));
        self.runs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((system, run));
    }

    /// Prints one JSON line on stdout (the runs' and the comparison's).
    pub fn print_line(&self, line: &Value) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }

    /// The JSON line of a summary that is no single run (the comparison): `extra`'s fields after
    /// the machine and the command every line carries.
    pub fn line_with(&self, mut extra: serde_json::Map<String, Value>) -> Value {
        extra.insert("machine".to_owned(), json!(self.machine));
        extra.insert("command".to_owned(), json!(self.command));
        extra.insert(
            "finished_at_unix".to_owned(),
            json!(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs())
            ),
        );
        Value::Object(extra)
    }

    /// Ours and the reference server's W1 and W2, side by side.
    pub fn comparison(&self) -> Comparison {
        let runs = self
            .runs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Comparison::of(&runs, self.machine.cores)
    }

    /// Every violation recorded so far.
    pub fn violations(&self) -> Vec<String> {
        self.runs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .flat_map(|(system, r)| {
                r.violations
                    .iter()
                    .map(move |v| format!("{} {}{}: {v}", r.workload, r.name, label(*system)))
            })
            .collect()
    }

    /// The Markdown table of every run.
    pub fn table(&self) -> String {
        let runs = self
            .runs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut t =
            String::from("| workload | run | result | target | met |\n|---|---|---|---|---|\n");
        for (system, r) in runs.iter() {
            let met = match r.met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "",
            };
            let mut summary = r.summary.clone();
            if !r.violations.is_empty() {
                summary.push_str(&format!(" **VIOLATIONS: {}**", r.violations.join("; ")));
            }
            if !r.problems.is_empty() {
                summary.push_str(&format!(" **PROBLEMS: {}**", r.problems.join("; ")));
            }
            t.push_str(&format!(
                "| {} | {}{} | {} | {} | {} |\n",
                r.workload,
                r.name.replace('|', "/"),
                label(*system),
                summary.replace('|', "/"),
                r.target.as_deref().unwrap_or("").replace('|', "/"),
                met
            ));
        }
        t
    }

    /// The whole Markdown report: the comparison with the reference server (when it ran), the
    /// table, where server CPU went in every run that measured it, the machine and the command.
    pub fn markdown(&self) -> String {
        let mut md = String::new();
        let compared = self
            .runs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .any(|(s, _)| *s == System::Reference);
        if compared {
            md.push_str(&self.comparison().markdown());
            md.push('\n');
        }
        md.push_str("## Results\n\n");
        md.push_str(&self.table());
        md.push_str(&self.cpu_table());
        md.push_str("\n## Machine\n\n");
        let m = &self.machine;
        md.push_str(&format!(
            "- {} cores ({}), {} MiB memory, Linux {}\n- load average when the bench started: {}\n",
            m.cores, m.cpu, m.memory_mib, m.kernel, m.load_average_at_start
        ));
        let pg: Vec<String> = m
            .postgres
            .iter()
            .map(|(k, v)| format!("`{k}={v}`"))
            .collect();
        md.push_str(&format!("- Postgres: {}\n", pg.join(", ")));
        let stack: Vec<String> = m.stack.iter().map(|(k, v)| format!("`{k}={v}`")).collect();
        md.push_str(&format!("- the stack's settings: {}\n", stack.join(", ")));
        md.push_str(&format!("\n## Command\n\n```sh\n{}\n```\n", self.command));
        md
    }

    /// CPU seconds per process group for the runs that measured them, per 1,000 messages.
    fn cpu_table(&self) -> String {
        let runs = self
            .runs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let measured: Vec<&(System, Run)> = runs
            .iter()
            .filter(|(_, r)| r.results.get("cpu").is_some())
            .collect();
        if measured.is_empty() {
            return String::new();
        }
        let groups = [
            "socket-handler",
            "messages",
            "notifications",
            "auth",
            "users",
            "nginx",
            "postgres",
            "rabbitmq",
            "redis",
            "node",
        ];
        let mut t = String::from(
            "\n### Server CPU per 1,000 delivered messages (ms)\n\n\
             Summed from `/proc/<pid>/stat` over the run. Postgres counts the backends of the \
             stack's databases and the server's own processes; RabbitMQ and Redis are whole \
             servers, shared with anything else on the machine. The reference server's rows \
             count its Node.js process (*node*), the backends of its database and Postgres' own \
             processes the same way. *Others* is CPU used on the machine by processes outside \
             the system and the bench, as a share of all cores.\n\n\
             | run |",
        );
        for g in groups {
            t.push_str(&format!(" {g} |"));
        }
        t.push_str(" total | bench | others |\n|---|");
        for _ in 0..groups.len() + 3 {
            t.push_str("---|");
        }
        t.push('\n');
        for (system, r) in measured.iter().copied() {
            let cpu = &r.results["cpu"];
            t.push_str(&format!("| {} {}{} |", r.workload, r.name, label(*system)));
            t.push_str(&group_cells(cpu, &groups, "cpu_ms_per_1000_msgs", 0));
            let total = cpu["system_cpu_ms_per_1000_msgs"].as_f64();
            let msgs_ratio = match (total, cpu["system_cpu_secs"].as_f64()) {
                (Some(t), Some(s)) if s > 0.0 => Some(t / s),
                _ => None,
            };
            let bench = cpu["bench_cpu_secs"]
                .as_f64()
                .zip(msgs_ratio)
                .map(|(b, k)| format!("{:.0}", b * k));
            let wall = cpu["wall_secs"].as_f64().unwrap_or(0.0);
            let others = cpu["other_cpu_secs"].as_f64().map(|o| {
                let share = o / (wall * self.machine.cores.max(1) as f64).max(1e-9);
                format!("{:.0}%", share * 100.0)
            });
            t.push_str(&format!(
                " {} | {} | {} |\n",
                total.map_or("-".to_owned(), |v| format!("{v:.0}")),
                bench.unwrap_or_else(|| "-".to_owned()),
                others.unwrap_or_else(|| "-".to_owned())
            ));
        }
        t.push_str(&postgres_table(&measured));
        t.push_str(&switches_table(&measured, &groups));
        // What the saturation run's CPU cost per message means for throughput.
        if let Some(total) = runs
            .iter()
            .filter(|(s, r)| *s == System::Ours && r.workload == "W2")
            .map(|(_, r)| r)
            .find_map(|r| r.results["cpu"]["system_cpu_ms_per_1000_msgs"].as_f64())
            .filter(|t| *t > 0.0)
        {
            let cores = self.machine.cores.max(1) as f64;
            t.push_str(&format!(
                "\nAt {:.1} ms of server CPU per message (W2), {} cores could deliver at most \
                 {:.0} msg/s even if nothing ever waited; 10,000 msg/s on them needs at most \
                 {:.2} ms per message, {:.0} times less.\n",
                total / 1000.0,
                self.machine.cores,
                cores * 1e6 / total,
                cores * 1000.0 / 10_000.0,
                total / (cores * 1e6 / 10_000.0)
            ));
        }
        t
    }
}

/// The Postgres column of the CPU table split by whom the server's processes worked for (a
/// service's database, or `server`: the postmaster and background processes such as the WAL
/// writer and autovacuum), for our runs: where the database's share of a message goes.
fn postgres_table(measured: &[&(System, Run)]) -> String {
    const PARTS: [&str; 6] = [
        "messages",
        "notifications",
        "socket_handler",
        "users",
        "auth",
        "server",
    ];
    let mut t = String::from(
        "\n### Postgres CPU per 1,000 delivered messages, by database (ms)\n\n| run |",
    );
    for part in PARTS {
        t.push_str(&format!(" {part} |"));
    }
    t.push_str("\n|---|");
    t.push_str(&"---|".repeat(PARTS.len()));
    t.push('\n');
    for (system, r) in measured.iter().filter(|(s, _)| *s == System::Ours) {
        t.push_str(&format!("| {} {}{} |", r.workload, r.name, label(*system)));
        for part in PARTS {
            let v = r.results["cpu"]["postgres_by_database"][part]["cpu_ms_per_1000_msgs"].as_f64();
            t.push_str(&format!(
                " {} |",
                v.map_or("-".to_owned(), |v| format!("{v:.0}"))
            ));
        }
        t.push('\n');
    }
    t
}

/// Context switches per delivered message, per process group: how often a message's work
/// stopped a thread and woke another, which on a small machine costs more than the work itself.
fn switches_table(measured: &[&(System, Run)], groups: &[&str]) -> String {
    let mut t = String::from(
        "\n### Context switches per delivered message\n\n\
         Counted per thread of each process (`/proc/<pid>/task/*/status`) over the run: each \
         time a thread blocked (waiting for a socket, a lock, another thread) or was preempted. \
         A thread that ended during the run is missed.\n\n| run |",
    );
    for g in groups {
        t.push_str(&format!(" {g} |"));
    }
    t.push_str(" total |\n|---|");
    t.push_str(&"---|".repeat(groups.len() + 1));
    t.push('\n');
    for (system, r) in measured.iter().copied() {
        let cpu = &r.results["cpu"];
        t.push_str(&format!("| {} {}{} |", r.workload, r.name, label(*system)));
        t.push_str(&group_cells(cpu, groups, "context_switches_per_msg", 1));
        let total = cpu["system_context_switches_per_msg"].as_f64();
        t.push_str(&format!(
            " {} |\n",
            total.map_or("-".to_owned(), |v| format!("{v:.1}"))
        ));
    }
    t
}

/// One run's `field` of each process group in `groups`, as table cells with `decimals`
/// decimals (`-` where the run has none).
fn group_cells(cpu: &Value, groups: &[&str], field: &str, decimals: usize) -> String {
    groups
        .iter()
        .map(|g| {
            cpu["per_process"][g][field]
                .as_f64()
                .map_or(" - |".to_owned(), |v| format!(" {v:.decimals$} |"))
        })
        .collect()
}

/// `" (reference)"` after the reference server's runs, nothing after ours.
fn label(system: System) -> &'static str {
    match system {
        System::Ours => "",
        System::Reference => " (reference)",
    }
}
