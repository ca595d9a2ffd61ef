//! Latency samples and their percentiles.

use std::time::Duration;

use serde::Serialize;

/// Samples in microseconds.
#[derive(Clone, Debug, Default)]
pub struct Samples(Vec<u64>);

/// Percentiles in milliseconds.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    /// How many samples.
    pub count: usize,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
    /// Largest.
    pub max: f64,
    /// Mean.
    pub mean: f64,
}

impl Samples {
    /// Adds one.
    pub fn push(&mut self, d: Duration) {
        self.0
            .push(u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
    }

    /// Adds all of another set.
    pub fn extend(&mut self, other: &Samples) {
        self.0.extend_from_slice(&other.0);
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Percentiles (nearest rank).
    pub fn summary(&self) -> Summary {
        if self.0.is_empty() {
            return Summary::default();
        }
        let mut v = self.0.clone();
        v.sort_unstable();
        let at = |q: f64| {
            let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
            ms(v[rank - 1])
        };
        Summary {
            count: v.len(),
            p50: at(0.50),
            p90: at(0.90),
            p99: at(0.99),
            p999: at(0.999),
            max: ms(v[v.len() - 1]),
            mean: round3(v.iter().sum::<u64>() as f64 / v.len() as f64 / 1000.0),
        }
    }
}

fn ms(micros: u64) -> f64 {
    round3(micros as f64 / 1000.0)
}

/// Rounds to three decimals (microseconds when the unit is milliseconds).
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Rounds to one decimal.
pub fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let mut s = Samples::default();
        for i in 1..=1000u64 {
            s.push(Duration::from_micros(i * 1000));
        }
        let sum = s.summary();
        assert_eq!(sum.count, 1000);
        assert!((sum.p50 - 500.0).abs() < 1e-9);
        assert!((sum.p99 - 990.0).abs() < 1e-9);
        assert!((sum.p999 - 999.0).abs() < 1e-9);
        assert!((sum.max - 1000.0).abs() < 1e-9);
    }

    #[test]
    fn an_empty_set_summarises_to_zeroes() {
        assert_eq!(Samples::default().summary().count, 0);
    }
}
