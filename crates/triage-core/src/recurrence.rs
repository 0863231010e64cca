//! Recurrence: a new incident is the same problem come back when it matches an earlier,
//! finished one on the same service — the same alert group, or a near-identical summary.
//! Summaries are compared as people write them: case, punctuation and the numbers that
//! change from one occurrence to the next (hosts, counts, times) do not count.

/// How alike two normalized summaries must be (normalized Levenshtein similarity).
const NEAR_IDENTICAL: f64 = 0.9;

/// A summary as compared: lowercase words, each run of digits read as `#`.
fn normalized(summary: &str) -> String {
    let mut words = Vec::new();
    for word in summary
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let mut out = String::new();
        let mut in_digits = false;
        for c in word.chars() {
            if c.is_ascii_digit() {
                if !in_digits {
                    out.push('#');
                }
                in_digits = true;
            } else {
                out.push(c);
                in_digits = false;
            }
        }
        words.push(out);
    }
    words.join(" ")
}

/// A summary read once, compared with many.
pub struct Summary {
    normalized: String,
}

impl Summary {
    pub fn new(summary: &str) -> Summary {
        Summary {
            normalized: normalized(summary),
        }
    }

    /// Whether `other` says the same thing.
    pub fn matches(&self, other: &str) -> bool {
        !self.normalized.is_empty()
            && strsim::normalized_levenshtein(&self.normalized, &normalized(other))
                >= NEAR_IDENTICAL
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same_summary(a: &str, b: &str) -> bool {
        Summary::new(a).matches(b)
    }

    #[test]
    fn near_identical_summaries_are_the_same_problem() {
        for (a, b) in [
            (
                "Database connection pool exhausted",
                "database connection pool exhausted!",
            ),
            ("Disk 95% full on db-7", "Disk 98% full on db-12"),
            ("Checkout latency p99 > 2s", "Checkout latency p99 >2s"),
            (
                "Database connection pool exhausted",
                "Database connection pools exhausted",
            ),
        ] {
            assert!(same_summary(a, b), "{a} / {b}");
        }
        for (a, b) in [
            (
                "Database connection pool exhausted",
                "Checkout latency high",
            ),
            ("Disk full on db-7", "Disk slow on db-7"),
            ("", ""),
            ("!!", "??"),
        ] {
            assert!(!same_summary(a, b), "{a} / {b}");
        }
    }
}
