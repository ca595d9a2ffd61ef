//! Ours beside the reference server, the yardstick of issue 18 (`shared/reference`: the simplest
//! durable design, one Node.js process that inserts each message into Postgres, then acks and
//! pushes it): W1 at every rate either ran and W2, measured in the same run by the same load
//! generator, with the ratio ours ÷ reference for each measure and the issue's targets judged on
//! those ratios. Absolute numbers move from run to run on a shared machine; the ratio within one
//! run is what counts.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::report::{Run, System};

/// The W1 rates the issue's targets name (msg/s). W1 keeps stepping up to the highest of them
/// even past saturation, so that both systems have a number there.
pub const W1_TARGET_RATES: [u32; 2] = [LOW_RATE, HIGH_RATE];
const LOW_RATE: u32 = 500;
const HIGH_RATE: u32 = 2000;
/// W1's p99 at 500 msg/s must be at most this, in ms.
const P99_AT_LOW_RATE_MS: f64 = 10.0;
/// W2's delivered rate must be at least this many times the reference's.
const PEAK_FACTOR: f64 = 2.0;
/// A ratio this close to 1 reads as "about the same" (noise on a shared machine).
const SAME: f64 = 0.05;
/// Above this share of the machine's CPU used by others during a compared run, the section
/// warns that the machine was busy.
const BUSY_MACHINE: f64 = 0.25;

/// What one run of W1 or W2 measured: the fields compared.
#[derive(Clone, Debug, Default)]
struct Measured {
    p50_ms: Option<f64>,
    p99_ms: Option<f64>,
    delivered_per_sec: Option<f64>,
    /// Server CPU per delivered message, ms.
    cpu_ms_per_msg: Option<f64>,
    lost: u64,
    /// Still undelivered when the drain time ran out (latencies then leave them out).
    pending: u64,
    duplicated: u64,
    out_of_order: u64,
    /// CPU used by processes outside the system and the bench, as a share of all cores.
    others_share: Option<f64>,
}

impl Measured {
    fn of(run: &Run, cores: usize) -> Self {
        let r = &run.results;
        let count = |key: &str| r[key].as_u64().unwrap_or(0);
        let cpu = &r["cpu"];
        let others_share = cpu["other_cpu_secs"]
            .as_f64()
            .zip(cpu["wall_secs"].as_f64())
            .filter(|(_, wall)| *wall > 0.0)
            .map(|(other, wall)| other / (wall * cores.max(1) as f64));
        Self {
            p50_ms: r["latency_ms"]["p50"].as_f64(),
            p99_ms: r["latency_ms"]["p99"].as_f64(),
            delivered_per_sec: r["delivered_per_sec"].as_f64(),
            cpu_ms_per_msg: cpu["system_cpu_ms_per_1000_msgs"]
                .as_f64()
                .map(|per_1000| per_1000 / 1000.0),
            lost: count("lost"),
            pending: count("pending_when_drain_ended"),
            duplicated: count("duplicated"),
            out_of_order: count("out_of_order"),
            others_share,
        }
    }

    /// Nothing lost, pending, duplicated or out of order.
    fn clean(&self) -> bool {
        self.lost + self.pending + self.duplicated + self.out_of_order == 0
    }

    fn to_json(&self) -> Value {
        json!({
            "p50_ms": self.p50_ms,
            "p99_ms": self.p99_ms,
            "delivered_per_sec": self.delivered_per_sec,
            "cpu_ms_per_msg": self.cpu_ms_per_msg,
            "lost": self.lost,
            "pending_when_drain_ended": self.pending,
            "duplicated": self.duplicated,
            "out_of_order": self.out_of_order,
            "others_cpu_share": self.others_share,
        })
    }
}

/// One line of the comparison: a W1 rate or W2, as each system ran it (if it did).
#[derive(Debug)]
struct Row {
    run: String,
    ours: Option<Measured>,
    reference: Option<Measured>,
}

impl Row {
    fn both(&self) -> Option<(&Measured, &Measured)> {
        self.ours.as_ref().zip(self.reference.as_ref())
    }
}

/// One of the issue's targets, judged.
#[derive(Debug)]
struct Target {
    what: String,
    ours: Option<f64>,
    reference: Option<f64>,
    unit: &'static str,
    /// What the ratio must be, when the target is one.
    needs: Option<String>,
    /// `None` when it could not be judged (a system did not run it).
    met: Option<bool>,
}

/// Ours and the reference server side by side.
#[derive(Debug)]
pub struct Comparison {
    rows: Vec<Row>,
    targets: Vec<Target>,
    /// Lost / duplicated / out of order over every compared run of each system.
    ours_faults: (u64, u64, u64),
    reference_faults: (u64, u64, u64),
}

impl Comparison {
    /// From every recorded run (the W1 steps and W2 of both systems are picked out).
    pub fn of(runs: &[(System, Run)], cores: usize) -> Self {
        let rate_of = |r: &Run| r.parameters["rate_msgs_per_sec"].as_u64();
        let find = |system: System, pick: &dyn Fn(&Run) -> bool| {
            runs.iter()
                .find(|(s, r)| *s == system && pick(r))
                .map(|(_, r)| Measured::of(r, cores))
        };
        let rates: BTreeSet<u64> = runs
            .iter()
            .filter(|(_, r)| r.workload == "W1")
            .filter_map(|(_, r)| rate_of(r))
            .collect();
        let mut rows: Vec<Row> = rates
            .into_iter()
            .map(|rate| {
                let pick = |r: &Run| r.workload == "W1" && rate_of(r) == Some(rate);
                Row {
                    run: format!("W1 {rate} msg/s"),
                    ours: find(System::Ours, &pick),
                    reference: find(System::Reference, &pick),
                }
            })
            .collect();
        let w2 = |r: &Run| r.workload == "W2" && r.results.get("delivered_per_sec").is_some();
        let w2_ours = find(System::Ours, &w2);
        let w2_reference = find(System::Reference, &w2);
        if w2_ours.is_some() || w2_reference.is_some() {
            rows.push(Row {
                run: "W2 saturation".to_owned(),
                ours: w2_ours,
                reference: w2_reference,
            });
        }
        let faults = |pick: fn(&Row) -> Option<&Measured>| {
            rows.iter().filter_map(pick).fold((0, 0, 0), |t, m| {
                (
                    t.0 + m.lost + m.pending,
                    t.1 + m.duplicated,
                    t.2 + m.out_of_order,
                )
            })
        };
        let ours_faults = faults(|r| r.ours.as_ref());
        let reference_faults = faults(|r| r.reference.as_ref());
        let targets = targets(&rows);
        Self {
            rows,
            targets,
            ours_faults,
            reference_faults,
        }
    }

    /// What the comparison lacks: a workload that ran on ours but on the reference server at
    /// no rate (it failed there). One skipped for both (no time left) is in the table instead.
    pub fn missing(&self) -> Vec<String> {
        let mut missing = Vec::new();
        for w in ["W1", "W2"] {
            let rows = || self.rows.iter().filter(|r| r.run.starts_with(w));
            if rows().any(|r| r.ours.is_some()) && !rows().any(|r| r.both().is_some()) {
                missing.push(format!("{w} ran on ours but not on the reference server"));
            }
        }
        missing
    }

    /// The comparison's JSON line's fields (the reporter adds the machine and the command).
    pub fn json_fields(&self) -> Map<String, Value> {
        let rows: Vec<Value> = self
            .rows
            .iter()
            .map(|r| {
                let ratio =
                    |f: fn(&Measured) -> Option<f64>| r.both().and_then(|(o, x)| ratio(f(o), f(x)));
                json!({
                    "run": r.run,
                    "ours": r.ours.as_ref().map(Measured::to_json),
                    "reference": r.reference.as_ref().map(Measured::to_json),
                    "ours_over_reference": {
                        "p50_ms": ratio(|m| m.p50_ms),
                        "p99_ms": ratio(|m| m.p99_ms),
                        "delivered_per_sec": ratio(|m| m.delivered_per_sec),
                        "cpu_ms_per_msg": ratio(|m| m.cpu_ms_per_msg),
                    },
                })
            })
            .collect();
        let targets: Vec<Value> = self
            .targets
            .iter()
            .map(|t| {
                json!({
                    "target": t.what,
                    "ours": t.ours,
                    "reference": t.reference,
                    "unit": t.unit,
                    "ours_over_reference": ratio(t.ours, t.reference),
                    "met": t.met,
                })
            })
            .collect();
        let (l, d, o) = self.ours_faults;
        let all_met = self
            .targets
            .iter()
            .map(|t| t.met)
            .collect::<Option<Vec<bool>>>()
            .map(|m| m.iter().all(|met| *met) && l + d + o == 0);
        let mut fields = Map::new();
        fields.insert("workload".to_owned(), json!("vs-reference"));
        fields.insert("system".to_owned(), json!("both"));
        fields.insert("name".to_owned(), json!("ours ÷ reference"));
        fields.insert(
            "parameters".to_owned(),
            json!({"lower_is_better": ["p50_ms", "p99_ms", "cpu_ms_per_msg"],
                   "higher_is_better": ["delivered_per_sec"]}),
        );
        fields.insert(
            "results".to_owned(),
            json!({
                "rows": rows,
                "targets": targets,
                "lost_duplicated_out_of_order": {
                    "ours": [self.ours_faults.0, self.ours_faults.1, self.ours_faults.2],
                    "reference": [self.reference_faults.0, self.reference_faults.1,
                                  self.reference_faults.2],
                },
            }),
        );
        fields.insert(
            "target".to_owned(),
            json!(
                "issue 18: W2 ≥ 2 × reference; W1 p99 at 2,000 msg/s ≤ reference; W1 p99 at \
                   500 msg/s ≤ 10 ms; server CPU per message ≤ reference"
            ),
        );
        fields.insert("target_met".to_owned(), json!(all_met));
        fields.insert("violations".to_owned(), json!([]));
        fields.insert("problems".to_owned(), json!([]));
        fields
    }

    /// The Markdown section: how to read it, the side-by-side table and the targets.
    pub fn markdown(&self) -> String {
        let mut md = String::from(
            "## Against the reference server (issue 18)\n\n\
             The reference is `shared/reference/server.js`, the simplest durable design: one \
             Node.js process that inserts each message into Postgres (one commit per message), \
             then acknowledges it and pushes it to the receiver; no `seq`, no events, no read \
             state. `make bench` installs and starts it untuned beside our stack, and the same \
             load generator drives both through the same contract subset (sign-up, `auth` \
             cookie, `/ws/chat`), interleaved: each W1 rate on the reference, then on ours; W2 \
             on the reference, then on ours. Absolute numbers move with the machine's load; \
             compare the ratios.\n\n\
             **Reading a ratio**: every ratio is *ours ÷ reference*. For latency and CPU per \
             message lower is better, so below 1× we are ahead; for delivered msg/s higher is \
             better, so above 1× we are ahead. Each ratio also says *better*, *worse* or *same* \
             (within 5%) from our side. Order is checked per sender for both (each message \
             carries its sender's counter) and by `seq` for ours too; the reference's \
             out-of-order count is what its design does, not a fault of the run.\n\n\
             | run | p50 latency, ms: ours / ref (ours÷ref) | p99 latency, ms: ours / ref \
             (ours÷ref) | delivered msg/s: ours / ref (ours÷ref) | server CPU per message, ms: \
             ours / ref (ours÷ref) | lost, duplicated, out of order: ours · ref | CPU of others \
             on the machine: ours · ref |\n|---|---|---|---|---|---|---|\n",
        );
        for r in &self.rows {
            let cell = |f: fn(&Measured) -> Option<f64>, higher_better: bool| {
                let o = r.ours.as_ref().and_then(f);
                let x = r.reference.as_ref().and_then(f);
                let mut c = format!("{} / {}", num(o), num(x));
                if let Some(q) = ratio(o, x) {
                    c.push_str(&format!(" ({})", verdict(q, higher_better)));
                }
                c
            };
            let faults = |m: Option<&Measured>| {
                m.map_or("-".to_owned(), |m| {
                    let pending = if m.pending > 0 {
                        format!(" (+{} pending)", m.pending)
                    } else {
                        String::new()
                    };
                    format!("{}{pending}, {}, {}", m.lost, m.duplicated, m.out_of_order)
                })
            };
            let others = |m: Option<&Measured>| {
                m.and_then(|m| m.others_share)
                    .map_or("-".to_owned(), |s| format!("{:.0}%", s * 100.0))
            };
            md.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} · {} | {} · {} |\n",
                r.run,
                cell(|m| m.p50_ms, false),
                cell(|m| m.p99_ms, false),
                cell(|m| m.delivered_per_sec, true),
                cell(|m| m.cpu_ms_per_msg, false),
                faults(r.ours.as_ref()),
                faults(r.reference.as_ref()),
                others(r.ours.as_ref()),
                others(r.reference.as_ref()),
            ));
        }
        let busiest = self
            .rows
            .iter()
            .flat_map(|r| [r.ours.as_ref(), r.reference.as_ref()])
            .filter_map(|m| m?.others_share)
            .fold(0.0, f64::max);
        if busiest > BUSY_MACHINE {
            md.push_str(&format!(
                "\n**The machine was busy**: other processes used up to {:.0}% of its CPU during \
                 these runs (last column). Both systems met the same load, interleaved, but the \
                 ratios are rougher than on a quiet machine; run it again when it is quieter.\n",
                busiest * 100.0
            ));
        }
        md.push_str(
            "\nServer CPU per message is the CPU time of the system's processes over the run \
             (from `/proc/<pid>/stat`) divided by the messages delivered: for ours the five \
             services, nginx, the Postgres backends of our databases and Postgres' own \
             processes, RabbitMQ and Redis (whole servers); for the reference its Node.js \
             process, the backends of its database and Postgres' own processes. W1's window \
             runs from the first scheduled send until the last message is delivered, W2's over \
             its measured seconds. *CPU of others* is the machine's CPU time outside the \
             measured system and the bench, as a share of all cores: during the reference's runs \
             it includes our idle stack, RabbitMQ and Redis, during ours the idle reference.\n\n\
             ### Issue 18's targets\n\n\
             | target | ours | reference | ours ÷ reference | met |\n|---|---|---|---|---|\n",
        );
        for t in &self.targets {
            let value = |v: Option<f64>| {
                v.map_or("not measured".to_owned(), |v| {
                    format!("{} {}", num(Some(v)), t.unit)
                })
            };
            let q = match (ratio(t.ours, t.reference), &t.needs) {
                (Some(q), Some(needs)) => format!("{q:.2}× (needs {needs})"),
                (Some(q), None) => format!("{q:.2}×"),
                (None, _) => "-".to_owned(),
            };
            let met = match t.met {
                Some(true) => "met",
                Some(false) => "**not met**",
                None => "not judged",
            };
            md.push_str(&format!(
                "| {} | {} | {} | {q} | {met} |\n",
                t.what,
                value(t.ours),
                value(t.reference)
            ));
        }
        let (l, d, o) = self.ours_faults;
        let (rl, rd, ro) = self.reference_faults;
        md.push_str(&format!(
            "| nothing lost, duplicated or out of order (W1 and W2) | {l}, {d}, {o} | {rl}, {rd}, \
             {ro} | - | {} |\n",
            if l + d + o == 0 { "met" } else { "**not met**" }
        ));
        md
    }
}

/// The issue's four numeric targets, judged on the rows.
fn targets(rows: &[Row]) -> Vec<Target> {
    let row = |name: &str| rows.iter().find(|r| r.run == name);
    let w1 = |rate: u32| row(&format!("W1 {rate} msg/s"));
    let w2 = rows.iter().find(|r| r.run.starts_with("W2"));
    let value = |r: Option<&Row>, system: System, f: fn(&Measured) -> Option<f64>| {
        r.and_then(|r| match system {
            System::Ours => r.ours.as_ref(),
            System::Reference => r.reference.as_ref(),
        })
        .and_then(f)
    };
    let clean = |r: Option<&Row>| r.and_then(|r| r.ours.as_ref()).is_some_and(Measured::clean);

    let peak = (
        value(w2, System::Ours, |m| m.delivered_per_sec),
        value(w2, System::Reference, |m| m.delivered_per_sec),
    );
    let high = w1(HIGH_RATE);
    let p99_high = (
        value(high, System::Ours, |m| m.p99_ms),
        value(high, System::Reference, |m| m.p99_ms),
    );
    let low = w1(LOW_RATE);
    let p99_low = (
        value(low, System::Ours, |m| m.p99_ms),
        value(low, System::Reference, |m| m.p99_ms),
    );
    let cpu = (
        value(w2, System::Ours, |m| m.cpu_ms_per_msg),
        value(w2, System::Reference, |m| m.cpu_ms_per_msg),
    );
    vec![
        Target {
            what: format!("W2 peak ≥ {PEAK_FACTOR} × the reference's (higher is better)"),
            ours: peak.0,
            reference: peak.1,
            unit: "msg/s",
            needs: Some(format!("≥ {PEAK_FACTOR}×")),
            met: ratio(peak.0, peak.1).map(|q| q >= PEAK_FACTOR && clean(w2)),
        },
        Target {
            what: format!("W1 p99 at {HIGH_RATE} msg/s ≤ the reference's (lower is better)"),
            ours: p99_high.0,
            reference: p99_high.1,
            unit: "ms",
            needs: Some("≤ 1×".to_owned()),
            // Latencies leave out what was still pending: that is never met.
            met: ratio(p99_high.0, p99_high.1).map(|q| q <= 1.0 && clean(high)),
        },
        Target {
            what: format!("W1 p99 at {LOW_RATE} msg/s ≤ {P99_AT_LOW_RATE_MS} ms"),
            ours: p99_low.0,
            reference: p99_low.1,
            unit: "ms",
            needs: None,
            met: p99_low.0.map(|p| p <= P99_AT_LOW_RATE_MS && clean(low)),
        },
        Target {
            what: "server CPU per delivered message in W2 ≤ the reference's (lower is better)"
                .to_owned(),
            ours: cpu.0,
            reference: cpu.1,
            unit: "ms",
            needs: Some("≤ 1×".to_owned()),
            met: ratio(cpu.0, cpu.1).map(|q| q <= 1.0),
        },
    ]
}

/// ours ÷ reference, when both are there and the reference's is not zero.
fn ratio(ours: Option<f64>, reference: Option<f64>) -> Option<f64> {
    match (ours, reference) {
        (Some(o), Some(r)) if r > 0.0 => Some(o / r),
        _ => None,
    }
}

/// `"4.98×, worse"`: the ratio and what it means for us.
fn verdict(q: f64, higher_better: bool) -> String {
    let word = if (q - 1.0).abs() <= SAME {
        "same"
    } else if (q > 1.0) == higher_better {
        "better"
    } else {
        "worse"
    };
    format!("{q:.2}×, {word}")
}

/// A number with as many decimals as its size deserves; `-` when absent.
fn num(v: Option<f64>) -> String {
    match v {
        None => "-".to_owned(),
        Some(v) if v.abs() >= 100.0 => format!("{v:.0}"),
        Some(v) if v.abs() >= 10.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.2}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(workload: &'static str, rate: Option<u32>, results: Value) -> Run {
        Run {
            workload,
            name: String::new(),
            parameters: rate.map_or(json!({}), |r| json!({"rate_msgs_per_sec": r})),
            results,
            summary: String::new(),
            target: None,
            met: None,
            violations: Vec::new(),
            problems: Vec::new(),
        }
    }

    fn results(p99: f64, delivered: f64, cpu_per_1000: f64, out_of_order: u64) -> Value {
        json!({
            "latency_ms": {"p50": p99 / 2.0, "p99": p99},
            "delivered_per_sec": delivered,
            "lost": 0, "duplicated": 0, "out_of_order": out_of_order,
            "cpu": {"system_cpu_ms_per_1000_msgs": cpu_per_1000, "other_cpu_secs": 1.0,
                    "wall_secs": 10.0},
        })
    }

    fn runs() -> Vec<(System, Run)> {
        vec![
            (
                System::Reference,
                run("W1", Some(500), results(5.0, 500.0, 300.0, 3)),
            ),
            (
                System::Ours,
                run("W1", Some(500), results(8.0, 500.0, 900.0, 0)),
            ),
            (
                System::Reference,
                run("W1", Some(2000), results(5.0, 2000.0, 250.0, 0)),
            ),
            (
                System::Ours,
                run("W1", Some(2000), results(4.0, 2000.0, 200.0, 0)),
            ),
            (
                System::Reference,
                run("W1", Some(10000), results(900.0, 5000.0, 200.0, 0)),
            ),
            (
                System::Reference,
                run("W2", None, results(40.0, 5000.0, 300.0, 0)),
            ),
            (
                System::Ours,
                run("W2", None, results(20.0, 11000.0, 250.0, 0)),
            ),
        ]
    }

    #[test]
    fn rows_pair_each_rate_and_w2_with_ratios_from_our_side() {
        let c = Comparison::of(&runs(), 2);
        let names: Vec<&str> = c.rows.iter().map(|r| r.run.as_str()).collect();
        assert_eq!(
            names,
            [
                "W1 500 msg/s",
                "W1 2000 msg/s",
                "W1 10000 msg/s",
                "W2 saturation"
            ]
        );
        assert!(c.rows[2].ours.is_none());
        let md = c.markdown();
        assert!(md.contains("8.00 / 5.00 (1.60×, worse)"), "{md}");
        assert!(md.contains("11000 / 5000 (2.20×, better)"), "{md}");
        assert!(md.contains("2000 / 2000 (1.00×, same)"), "{md}");
        assert!(c.missing().is_empty());
        assert!(!md.contains("The machine was busy"), "{md}");
    }

    #[test]
    fn a_busy_machine_is_called_out() {
        let mut busy = runs();
        busy[1].1.results["cpu"]["other_cpu_secs"] = json!(10.0);
        let md = Comparison::of(&busy, 2).markdown();
        assert!(
            md.contains("other processes used up to 50% of its CPU"),
            "{md}"
        );
    }

    #[test]
    fn the_issues_targets_are_judged_on_the_ratios() {
        let c = Comparison::of(&runs(), 2);
        let met: Vec<Option<bool>> = c.targets.iter().map(|t| t.met).collect();
        // W2 2.2× ≥ 2×; p99 at 2,000 4 ms ≤ 5 ms; p99 at 500 8 ms ≤ 10 ms; CPU 0.25 ≤ 0.3 ms.
        assert_eq!(met, [Some(true), Some(true), Some(true), Some(true)]);
        assert_eq!(c.reference_faults, (0, 0, 3));
        let line = c.json_fields();
        assert_eq!(line["target_met"], json!(true));
        assert_eq!(
            line["results"]["rows"][0]["ours_over_reference"]["p99_ms"],
            json!(1.6)
        );
    }

    #[test]
    fn a_missing_reference_leaves_targets_unjudged_and_the_comparison_incomplete() {
        let ours_only: Vec<(System, Run)> = runs()
            .into_iter()
            .filter(|(s, _)| *s == System::Ours)
            .collect();
        let c = Comparison::of(&ours_only, 2);
        assert_eq!(c.targets[0].met, None);
        assert_eq!(c.missing().len(), 2);
        assert_eq!(c.json_fields()["target_met"], Value::Null);
    }
}
