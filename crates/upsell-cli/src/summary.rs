//! The run summary on stderr: one `key  value` line each, aligned, stable enough for scripts
//! (`benches/compare_mining.py` reads the `itemsets` and `mine` lines).

use std::time::Duration;

/// Lines of a summary, printed in the order added.
#[derive(Debug, Default)]
pub struct Summary {
    lines: Vec<(&'static str, String)>,
}

impl Summary {
    /// Adds a line.
    pub fn add(&mut self, key: &'static str, value: impl Into<String>) {
        self.lines.push((key, value.into()));
    }

    /// Adds a duration in seconds.
    pub fn seconds(&mut self, key: &'static str, elapsed: Duration) {
        self.add(key, format!("{:.3} s", elapsed.as_secs_f64()));
    }

    /// Prints to stderr.
    pub fn print(&self) {
        let width = self
            .lines
            .iter()
            .map(|(key, _)| key.len())
            .max()
            .unwrap_or(0);
        for (key, value) in &self.lines {
            eprintln!("{key:<width$}  {value}");
        }
    }
}

/// `1234567` as `1,234,567`.
pub fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (position, digit) in digits.chars().enumerate() {
        if position > 0 && (digits.len() - position) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// `count` as a percentage of `total`, for people.
pub fn percent(count: u64, total: u64) -> String {
    if total == 0 {
        "-".to_owned()
    } else {
        format!("{:.2}%", count as f64 * 100.0 / total as f64)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_groups_digits() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(1_000), "1,000");
        assert_eq!(super::thousands(3_755_510), "3,755,510");
    }
}
