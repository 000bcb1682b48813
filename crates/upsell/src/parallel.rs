//! The one place that owns threads.
//!
//! `upsell` never touches rayon's global pool, so it neither fights the host's own use of rayon nor
//! inherits its size. Pools are built on first use per size and kept; the default size is
//! `UPSELL_MAX_THREADS` or the number of cores. One thread means no pool at all: work runs on the
//! calling thread, which is also how parallelism is switched off.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use rayon::prelude::*;

/// Runs work items `0..count` with one state per worker, returning results in item order whatever
/// the number of threads.
pub(crate) struct Runner {
    pool: Option<Arc<rayon::ThreadPool>>,
}

/// The number of threads used when none is asked for.
///
/// ```
/// assert!(upsell::parallel::default_threads() >= 1);
/// ```
pub fn default_threads() -> usize {
    std::env::var("UPSELL_MAX_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

fn pool(threads: usize) -> Option<Arc<rayon::ThreadPool>> {
    static POOLS: OnceLock<Mutex<HashMap<usize, Arc<rayon::ThreadPool>>>> = OnceLock::new();
    let mut pools = POOLS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(pool) = pools.get(&threads) {
        return Some(Arc::clone(pool));
    }
    // A pool that cannot be built (the OS refuses threads) degrades to running serially.
    let pool = Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("upsell-{i}"))
            .build()
            .ok()?,
    );
    pools.insert(threads, Arc::clone(&pool));
    Some(pool)
}

impl Runner {
    pub fn new(threads: Option<usize>) -> Self {
        let threads = threads.unwrap_or_else(default_threads);
        Runner {
            pool: if threads > 1 { pool(threads) } else { None },
        }
    }

    /// Runs `f` inside the pool, so that rayon-based libraries it calls (faer) use this pool and not
    /// the global one; `f` gets the number of threads it may use (1: stay serial).
    pub fn install<R: Send>(&self, f: impl FnOnce(usize) -> R + Send) -> R {
        match &self.pool {
            None => f(1),
            Some(pool) => pool.install(|| f(pool.current_num_threads())),
        }
    }

    /// `f(state, k)` for every `k` in `0..count`, in parallel when there is a pool.
    pub fn map<S, R, I, F>(&self, count: usize, init: I, f: F) -> Vec<R>
    where
        R: Send,
        I: Fn() -> S + Sync + Send,
        F: Fn(&mut S, usize) -> R + Sync + Send,
    {
        match &self.pool {
            None => {
                let mut state = init();
                (0..count).map(|k| f(&mut state, k)).collect()
            }
            Some(pool) => pool.install(|| (0..count).into_par_iter().map_init(&init, &f).collect()),
        }
    }
}
