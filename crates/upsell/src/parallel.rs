//! The one place that owns threads.
//!
//! `upsell` never touches rayon's global pool, so it neither fights the host's own use of rayon nor
//! inherits its size. Pools are built on first use per size and kept; the default size is the
//! number of cores, or what the host set with [`set_default_threads`] (the command line, the
//! Python package and the C library set it from `UPSELL_MAX_THREADS`: the core reads no
//! environment). One thread means no pool at all: work runs on the calling thread, which is also
//! how parallelism is switched off. [`shutdown`] stops and joins the pools' threads, for hosts
//! that must end with no thread of ours alive (a C program checked by valgrind, a plugin unloaded).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::thread::JoinHandle;

use rayon::prelude::*;

use crate::{Error, Result};

/// Runs work items `0..count` with one state per worker, returning results in item order whatever
/// the number of threads.
pub(crate) struct Runner {
    pool: Option<Arc<rayon::ThreadPool>>,
}

/// The most worker threads a call may ask for. Work here is bound by the cores, so more threads
/// than cores only add switching; this bound is above the cores of any machine `upsell` runs on,
/// and below where creating the threads becomes the work (thousands of threads spawned for
/// minutes). Asking for more is an [`Error::InvalidParameter`]; a larger default (see
/// [`set_default_threads`]) is capped to it.
pub const MAX_THREADS: usize = 1024;

/// Checks a `threads` option: unset (the default) or `1..=`[`MAX_THREADS`].
///
/// ```
/// use upsell::parallel::{check_threads, MAX_THREADS};
/// assert!(check_threads(None).is_ok() && check_threads(Some(4)).is_ok());
/// assert!(check_threads(Some(0)).is_err());
/// assert!(check_threads(Some(MAX_THREADS + 1)).is_err());
/// ```
pub fn check_threads(threads: Option<usize>) -> Result<()> {
    match threads {
        Some(0) => Err(Error::invalid_parameter(
            "threads",
            "must be at least 1 (or unset for all cores)",
        )),
        Some(n) if n > MAX_THREADS => Err(Error::invalid_parameter(
            "threads",
            format!("{n} is above the maximum of {MAX_THREADS}"),
        )),
        _ => Ok(()),
    }
}

/// The environment variable the surfaces read the default number of threads from.
pub const THREADS_VARIABLE: &str = "UPSELL_MAX_THREADS";

/// The default set by [`set_default_threads`]; 0: the number of cores.
static DEFAULT_THREADS: AtomicUsize = AtomicUsize::new(0);

/// Sets the number of threads used when a call asks for none, for the whole process, from the
/// text of a setting such as [`THREADS_VARIABLE`]'s value: a positive integer (capped to
/// [`MAX_THREADS`]); anything else, or `None`, means the number of cores.
///
/// ```
/// use upsell::parallel::{default_threads, set_default_threads};
/// set_default_threads(Some("3"));
/// assert_eq!(default_threads(), 3);
/// set_default_threads(Some("many"));
/// assert!(default_threads() >= 1);
/// set_default_threads(None);
/// ```
pub fn set_default_threads(setting: Option<&str>) {
    let threads = setting
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    DEFAULT_THREADS.store(threads, Ordering::Relaxed);
}

/// The number of threads used when none is asked for.
///
/// ```
/// assert!(upsell::parallel::default_threads() >= 1);
/// ```
pub fn default_threads() -> usize {
    match DEFAULT_THREADS.load(Ordering::Relaxed) {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .min(MAX_THREADS)
}

/// A pool and its worker threads, kept so that [`shutdown`] can join them.
struct Pool {
    pool: Arc<rayon::ThreadPool>,
    workers: Vec<JoinHandle<()>>,
}

fn pools() -> MutexGuard<'static, HashMap<usize, Pool>> {
    static POOLS: OnceLock<Mutex<HashMap<usize, Pool>>> = OnceLock::new();
    POOLS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

fn pool(threads: usize) -> Option<Arc<rayon::ThreadPool>> {
    let mut pools = pools();
    if let Some(pool) = pools.get(&threads) {
        return Some(Arc::clone(&pool.pool));
    }
    // Our own spawn keeps the join handles (rayon detaches its threads). A pool that cannot be
    // built (the OS refuses threads) degrades to running serially.
    let mut workers = Vec::with_capacity(threads);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("upsell-{i}"))
        .spawn_handler(|thread| {
            let mut builder = std::thread::Builder::new();
            if let Some(name) = thread.name() {
                builder = builder.name(name.to_owned());
            }
            if let Some(size) = thread.stack_size() {
                builder = builder.stack_size(size);
            }
            workers.push(builder.spawn(|| thread.run())?);
            Ok(())
        })
        .build()
        .ok()?;
    let pool = Arc::new(pool);
    pools.insert(
        threads,
        Pool {
            pool: Arc::clone(&pool),
            workers,
        },
    );
    Some(pool)
}

/// Stops the worker threads of every pool and waits until they have exited; returns how many
/// threads were joined. Later calls build new pools as needed, so this is safe to call at any time,
/// but it is meant for the end of a program: a pool still in use by a running call is left alone
/// (its threads stay, and a later `shutdown` joins them).
///
/// ```
/// use upsell::data::Baskets;
/// use upsell::mining::{MinSupport, MiningOptions, mine};
/// let baskets = Baskets::from_arrays(vec![1, 2, 1, 2, 3], vec![0, 2, 5])?;
/// let options = MiningOptions { threads: Some(2), ..MiningOptions::new(MinSupport::count(1)) };
/// mine(&baskets, &options)?;
/// upsell::parallel::shutdown();
/// assert_eq!(upsell::parallel::shutdown(), 0);
/// assert_eq!(mine(&baskets, &options)?.len(), 7);
/// # Ok::<(), upsell::Error>(())
/// ```
pub fn shutdown() -> usize {
    let mut pools = pools();
    let mut joined = 0;
    for (threads, entry) in std::mem::take(&mut *pools) {
        match Arc::try_unwrap(entry.pool) {
            Ok(pool) => {
                // Dropping the last handle tells the workers to exit once idle.
                drop(pool);
                for worker in entry.workers {
                    joined += usize::from(worker.join().is_ok());
                }
            }
            Err(pool) => {
                pools.insert(
                    threads,
                    Pool {
                        pool,
                        workers: entry.workers,
                    },
                );
            }
        }
    }
    if joined > 0 {
        release_epoch_entries();
    }
    joined
}

/// Frees what the exited workers left in crossbeam-epoch (under rayon's work-stealing deques):
/// each thread that used a deque registered an entry in a global list, which crossbeam unlinks and
/// frees only lazily, once some thread walks the list and the epoch has advanced twice. Without
/// this the entries of joined workers outlive them, reachable only through tagged pointers, and
/// leak checkers (valgrind's default kinds) report them. A few flushes from this thread walk the
/// list, unlink them and advance the epoch until their memory is freed (the calling thread's own
/// entry, registered by the flushes, stays in the list, reachable, until the process ends).
fn release_epoch_entries() {
    for _ in 0..4 {
        crossbeam_epoch::pin().flush();
    }
}

impl Runner {
    pub fn new(threads: Option<usize>) -> Self {
        // Options are checked against MAX_THREADS before work starts; the cap only guards callers
        // that pass a count straight in.
        let threads = threads.unwrap_or_else(default_threads).min(MAX_THREADS);
        Runner {
            pool: if threads > 1 { pool(threads) } else { None },
        }
    }

    /// Whether work runs on the calling thread alone.
    pub fn is_serial(&self) -> bool {
        self.pool.is_none()
    }

    /// The number of threads work runs on (1 when serial).
    pub fn threads(&self) -> usize {
        self.pool
            .as_ref()
            .map_or(1, |pool| pool.current_num_threads())
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

    /// Drops `items` side by side on the workers (on the calling thread when serial): freeing
    /// large buffers costs about as much as writing them, so what was built on the workers is
    /// freed there too rather than by the caller alone.
    pub fn drop_all<T: Send>(&self, items: Vec<T>) {
        match &self.pool {
            None => drop(items),
            Some(pool) => pool.install(|| items.into_par_iter().for_each(drop)),
        }
    }

    /// `f(state, k)` for every `k` in `0..count`, where each state (from `init`) takes a run of
    /// consecutive `k`, ascending, and is handed to `finish` after its last. Returns what `finish`
    /// made, in the order of the runs: one result when serial, so a state can gather output that
    /// needs no merging then.
    pub fn fold<S, R, I, F, G>(&self, count: usize, init: I, f: F, finish: G) -> Vec<R>
    where
        S: Send,
        R: Send,
        I: Fn() -> S + Sync + Send,
        F: Fn(&mut S, usize) + Sync + Send,
        G: Fn(S) -> R + Sync + Send,
    {
        let step = |mut state: S, k: usize| {
            f(&mut state, k);
            state
        };
        match &self.pool {
            None => vec![finish((0..count).fold(init(), step))],
            // Rayon keeps the order of the runs when it collects.
            Some(pool) => pool.install(|| {
                (0..count)
                    .into_par_iter()
                    .fold(&init, step)
                    .map(&finish)
                    .collect()
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Runner;

    #[test]
    fn fold_runs_are_consecutive_and_in_order() {
        for threads in [1, 2, 4] {
            let runs =
                Runner::new(Some(threads)).fold(10_000, Vec::new, |run, k| run.push(k), |run| run);
            assert!(
                runs.iter()
                    .all(|run| run.windows(2).all(|w| w[1] == w[0] + 1))
            );
            assert_eq!(
                runs.concat(),
                (0..10_000).collect::<Vec<_>>(),
                "{threads} threads"
            );
        }
    }
}
