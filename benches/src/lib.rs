//! Data for the benches: a small, seeded, Quest-style basket generator, and where real data lives.
//!
//! The generator follows the shape of IBM Almaden's Quest generator (Agrawal & Srikant 1994), which
//! made `t10i4d100k`: baskets are unions of "potentially frequent" patterns drawn by weight, patterns
//! share items with their predecessor, and each use of a pattern drops some of its items. It is not
//! a byte-for-byte clone; it is deterministic for a seed, needs no `rand` crate, and gives mining
//! workloads with the same character (sparse, long tail, real co-occurrence structure).

use std::path::PathBuf;

pub mod triggers;

use upsell::data::{Baskets, ItemId};

/// Parameters of [`quest`], named as in the Quest notation `T10I4D100K`.
#[derive(Debug, Clone, PartialEq)]
pub struct Quest {
    /// D: the number of baskets.
    pub baskets: usize,
    /// T: the average basket size.
    pub average_basket: f64,
    /// I: the average size of a potentially frequent pattern.
    pub average_pattern: f64,
    /// L: the number of patterns.
    pub patterns: usize,
    /// N: the number of distinct items.
    pub items: u32,
    /// The seed: the same seed gives the same baskets.
    pub seed: u64,
}

impl Quest {
    /// `T{t}I{i}D{d}` with Quest's defaults for the rest (2,000 patterns, 1,000 items).
    pub fn new(average_basket: f64, average_pattern: f64, baskets: usize) -> Self {
        Quest { baskets, average_basket, average_pattern, patterns: 2_000, items: 1_000, seed: 42 }
    }

    /// The same parameters with another seed.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// A short name for bench ids: `T10I4D20K`.
    pub fn name(&self) -> String {
        let baskets = if self.baskets % 1_000 == 0 { format!("{}K", self.baskets / 1_000) } else { self.baskets.to_string() };
        format!("T{}I{}D{baskets}", self.average_basket, self.average_pattern)
    }
}

/// SplitMix64: tiny, fast, good enough for workloads, identical on every platform.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Exponential with mean 1.
    pub fn exponential(&mut self) -> f64 {
        -(1.0 - self.uniform()).ln()
    }

    /// Poisson with mean `mean` (Knuth's method: the means here are small).
    pub fn poisson(&mut self, mean: f64) -> usize {
        let limit = (-mean).exp();
        let mut product = self.uniform();
        let mut k = 0;
        while product > limit {
            product *= self.uniform();
            k += 1;
        }
        k
    }

    /// Normal with `mean` and `deviation` (Box-Muller).
    pub fn normal(&mut self, mean: f64, deviation: f64) -> f64 {
        let radius = (-2.0 * (1.0 - self.uniform()).ln()).sqrt();
        mean + deviation * radius * (std::f64::consts::TAU * self.uniform()).cos()
    }
}

struct Pattern {
    items: Vec<ItemId>,
    corruption: f64,
}

/// Generates baskets with the character of the Quest generator; the same `params` give the same
/// baskets on every machine.
///
/// ```
/// use upsell_benches::{quest, Quest};
/// let baskets = quest(&Quest::new(10.0, 4.0, 1_000));
/// assert_eq!(baskets.len(), 1_000);
/// assert_eq!(baskets, quest(&Quest::new(10.0, 4.0, 1_000)));
/// ```
pub fn quest(params: &Quest) -> Baskets {
    let mut rng = Rng::new(params.seed);
    let items = u64::from(params.items.max(1));
    // Patterns: sizes ~ Poisson(I), a share of items (exponential, mean 0.5) taken from the previous
    // pattern so that patterns overlap, weights exponential, corruption ~ N(0.5, 0.1).
    let mut patterns: Vec<Pattern> = Vec::with_capacity(params.patterns);
    let mut weights = Vec::with_capacity(params.patterns);
    for index in 0..params.patterns.max(1) {
        let size = rng.poisson(params.average_pattern - 1.0).saturating_add(1);
        let mut set: Vec<ItemId> = Vec::with_capacity(size);
        if index > 0 {
            let previous = &patterns[index - 1].items;
            let shared = ((rng.exponential() * 0.5).min(1.0) * size as f64) as usize;
            for _ in 0..shared.min(previous.len()) {
                set.push(previous[rng.below(previous.len() as u64) as usize]);
            }
        }
        while set.len() < size {
            set.push(rng.below(items) as ItemId);
        }
        set.sort_unstable();
        set.dedup();
        patterns.push(Pattern { items: set, corruption: rng.normal(0.5, 0.1).clamp(0.0, 1.0) });
        weights.push(rng.exponential());
    }
    let total: f64 = weights.iter().sum();
    let mut cumulative = Vec::with_capacity(weights.len());
    let mut running = 0.0;
    for weight in &weights {
        running += weight / total;
        cumulative.push(running);
    }

    let mut flat: Vec<ItemId> = Vec::with_capacity((params.baskets as f64 * params.average_basket) as usize);
    let mut offsets = Vec::with_capacity(params.baskets + 1);
    offsets.push(0);
    let mut basket: Vec<ItemId> = Vec::new();
    for _ in 0..params.baskets {
        let size = rng.poisson(params.average_basket - 1.0).saturating_add(1);
        basket.clear();
        // Bounded: a heavily corrupted pattern may add nothing.
        for _ in 0..size * 8 {
            if basket.len() >= size {
                break;
            }
            let draw = rng.uniform();
            let chosen = cumulative.partition_point(|&c| c < draw).min(patterns.len() - 1);
            let pattern = &patterns[chosen];
            let before = basket.len();
            for &item in &pattern.items {
                if rng.uniform() >= pattern.corruption {
                    basket.push(item);
                }
            }
            // A pattern that overflows the basket is kept half the time, as in Quest.
            if basket.len() > size && before > 0 && rng.uniform() < 0.5 {
                basket.truncate(before);
                break;
            }
        }
        flat.extend_from_slice(&basket);
        offsets.push(flat.len());
    }
    match Baskets::from_arrays(flat, offsets) {
        Ok(baskets) => baskets,
        // The offsets are built above, in order: this cannot happen.
        Err(err) => panic!("generated baskets are malformed: {err}"),
    }
}

/// The shared real data sets: `UPSELL_DATA_DIR`, else `../shared/data` beside the workspace; `None`
/// when absent, and the benches on real data are skipped.
pub fn data_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("UPSELL_DATA_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"),
    };
    dir.is_dir().then_some(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quest_has_the_asked_shape() {
        let baskets = quest(&Quest::new(10.0, 4.0, 5_000));
        assert_eq!(baskets.len(), 5_000);
        let average = baskets.iter().map(<[ItemId]>::len).sum::<usize>() as f64 / 5_000.0;
        assert!((6.0..14.0).contains(&average), "average basket {average}");
        assert_ne!(baskets, quest(&Quest::new(10.0, 4.0, 5_000).seed(7)));
    }
}
