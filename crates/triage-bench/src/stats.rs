//! Latency samples and what is reported of them.

use std::time::Duration;

#[derive(Default)]
pub struct Stats {
    pub count: usize,
    pub errors: usize,
    pub elapsed: Duration,
    /// Microseconds, sorted by `finish`.
    latencies: Vec<u64>,
}

impl Stats {
    pub fn record(&mut self, latency: Duration, ok: bool) {
        self.count += 1;
        if !ok {
            self.errors += 1;
        }
        self.latencies
            .push(u64::try_from(latency.as_micros()).unwrap_or(u64::MAX));
    }

    pub fn merge(&mut self, other: Stats) {
        self.count += other.count;
        self.errors += other.errors;
        self.latencies.extend(other.latencies);
    }

    pub fn finish(mut self, elapsed: Duration) -> Stats {
        self.latencies.sort_unstable();
        self.elapsed = elapsed;
        self
    }

    pub fn throughput(&self) -> f64 {
        self.count as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    /// The `p`th percentile latency in milliseconds (nearest rank).
    pub fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return 0.0;
        }
        let rank = ((p / 100.0) * self.latencies.len() as f64).ceil() as usize;
        let index = rank.clamp(1, self.latencies.len()) - 1;
        self.latencies[index] as f64 / 1000.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let mut stats = Stats::default();
        for ms in 1..=100 {
            stats.record(Duration::from_millis(ms), true);
        }
        let stats = stats.finish(Duration::from_secs(2));
        assert_eq!(stats.percentile_ms(50.0), 50.0);
        assert_eq!(stats.percentile_ms(99.0), 99.0);
        assert_eq!(stats.percentile_ms(100.0), 100.0);
        assert_eq!(stats.throughput(), 50.0);
    }
}
