//! What the chat workloads (W1's and W2's pairs, W8's groups) share once a step's sends are
//! out: waiting for the backlog to drain, telling lost from pending, the receivers' rate, the
//! faults every step checks, and the words of the step's summary.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::time::Instant;

/// Waits until `progress()` (answered, delivered; refused messages count as both) reaches
/// `goal`, or nothing moved for 5 s (then `stalled`), or 60 s have passed.
pub async fn drain(goal: (u64, u64), mut progress: impl FnMut() -> (u64, u64)) -> Drained {
    let started = Instant::now();
    let mut last = (0, 0);
    let mut last_move = Instant::now();
    let stalled = loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let now = progress();
        if now.0 >= goal.0 && now.1 >= goal.1 {
            break false;
        }
        if now != last {
            last = now;
            last_move = Instant::now();
        }
        if last_move.elapsed() > Duration::from_secs(5) {
            break true;
        }
        if started.elapsed() > Duration::from_secs(60) {
            break false;
        }
    };
    Drained {
        stalled,
        secs: started.elapsed().as_secs_f64(),
    }
}

/// How a drain ended.
pub struct Drained {
    /// Nothing moved for 5 s.
    pub stalled: bool,
    /// How long it took.
    pub secs: f64,
}

impl Drained {
    /// What is `missing` once drained: lost when nothing moved for 5 s, else still pending
    /// (the backlog moved when the drain time ran out). As (lost, pending).
    pub fn lost_or_pending(&self, missing: u64) -> (u64, u64) {
        match (self.stalled, missing) {
            (_, 0) => (0, 0),
            (true, m) => (m, 0),
            (false, m) => (0, m),
        }
    }
}

/// `count` receipts per second from the first scheduled send to the last receipt: the rate the
/// receivers saw.
pub fn rate_to_last(start: Instant, last: Option<Instant>, count: u64) -> f64 {
    last.map(|last| last.saturating_duration_since(start).as_secs_f64())
        .filter(|secs| *secs > 0.0)
        .map_or(0.0, |secs| count as f64 / secs)
}

/// The faults every step checks besides loss.
pub struct Faults<'a> {
    /// Acks and deliveries seen twice.
    pub duplicated: u64,
    /// Deliveries out of their receiver's order.
    pub out_of_order: u64,
    /// Deliveries to the wrong receiver, and what that means in this workload.
    pub misdelivered: (u64, &'a str),
    /// Sockets that failed while sending.
    pub dead_sockets: usize,
}

impl Faults<'_> {
    /// One sentence per fault seen, after `lost` (already worded by the workload) if any.
    pub fn violations(&self, lost: Option<String>) -> Vec<String> {
        let mut violations: Vec<String> = lost.into_iter().collect();
        if self.duplicated > 0 {
            violations.push(format!("{} duplicated", self.duplicated));
        }
        if self.out_of_order > 0 {
            violations.push(format!("{} out of order", self.out_of_order));
        }
        let (misdelivered, meaning) = self.misdelivered;
        if misdelivered > 0 {
            violations.push(format!("{misdelivered} {meaning}"));
        }
        if self.dead_sockets > 0 {
            violations.push(format!(
                "{} sockets failed while sending",
                self.dead_sockets
            ));
        }
        violations
    }
}

/// The end of a step's summary: "lost L (+P still pending after 60 s), dup D, out of order O,
/// refused R {code: n}".
pub fn outcome_words(
    lost: u64,
    pending: u64,
    duplicated: u64,
    out_of_order: u64,
    refused: u64,
    errors: &BTreeMap<String, u64>,
) -> String {
    let pending = if pending > 0 {
        format!(" (+{pending} still pending after 60 s)")
    } else {
        String::new()
    };
    let refused = if refused > 0 {
        format!(", refused {refused} {errors:?}")
    } else {
        String::new()
    };
    format!("lost {lost}{pending}, dup {duplicated}, out of order {out_of_order}{refused}")
}
