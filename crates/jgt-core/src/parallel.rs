//! Work spread over the machine's cores, results in input order.
//!
//! Rendering thousands of models is independent work per model; on a
//! two-core machine splitting it in two halves its wall time. Results
//! come back in the order of the input, so errors and output stay
//! deterministic whatever the threads' timing.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

/// Below this many items a second thread costs more than it saves.
const MIN_PER_THREAD: usize = 64;

/// Each thread takes this many pieces' worth of work in turn, so a
/// thread slowed by heavier items (or by the machine) leaves the rest to
/// the others instead of making them wait.
const PIECES_PER_THREAD: usize = 16;

/// `f` applied to every item, on up to one thread per core, in order.
///
/// The items are cut into pieces that the threads take from a shared
/// counter as they finish the previous one; the results are put back in
/// the input's order.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let cores = cores();
    let threads = cores.min(items.len() / MIN_PER_THREAD).max(1);
    let piece = items.len().div_ceil(threads * PIECES_PER_THREAD).max(1);
    map_in(items, threads, piece, f)
}

/// [`map`] for few items, each worth a thread's start on its own (a
/// folder of files to write, say): the threads take them one at a time.
pub fn map_each<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let cores = cores();
    map_in(items, cores.min(items.len()).max(1), 1, f)
}

/// How many threads the process may run at once: the cores it may use,
/// within its cgroup's CPU quota.
///
/// Asked once per process: the answer reads four files under `/proc` and
/// `/sys` each time, and a compile of 10,000 models spreads work over the
/// cores some fifty times. A fact of the machine, not state: it does not
/// change while jgt runs (a changed CPU affinity or quota is seen by the
/// next run).
pub fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, NonZeroUsize::get))
}

/// Lowers the calling thread (and the threads it starts from now on) to
/// the lowest priority, for work nothing waits on yet: it then takes only
/// the time the rest of the process leaves a core idle. On Linux a
/// thread's priority is its own; where it cannot be set, nothing changes.
pub fn in_background() {
    let _ = rustix::process::setpriority_process(Some(rustix::thread::gettid()), 19);
}

/// A stretch of the items, and where their results go.
type Piece<'a, T, R> = (&'a [T], &'a mut [Option<R>]);

/// `f` applied to `items` on `threads` threads, which take pieces of
/// `piece` items from a shared counter.
///
/// Each piece writes its results straight into its own stretch of the
/// output, so results are moved once: collecting each piece apart and
/// joining them copied every result twice more (ten megabytes of nodes
/// at 10,000 models).
fn map_in<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    piece: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    if threads == 1 {
        return items.iter().map(f).collect();
    }
    let mut results: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    let pieces: Vec<Mutex<Piece<T, R>>> = items
        .chunks(piece)
        .zip(results.chunks_mut(piece))
        .map(Mutex::new)
        .collect();
    let next = AtomicUsize::new(0);
    let work = || loop {
        let Some(part) = pieces.get(next.fetch_add(1, Ordering::Relaxed)) else {
            return;
        };
        // Each piece is taken once: its lock is never waited on.
        let mut part = part.lock().unwrap_or_else(PoisonError::into_inner);
        let (input, output) = &mut *part;
        for (item, slot) in input.iter().zip(output.iter_mut()) {
            *slot = Some(f(item));
        }
    };
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        work();
        for helper in helpers {
            if let Err(panic) = helper.join() {
                std::panic::resume_unwind(panic);
            }
        }
    });
    drop(pieces);
    // Every piece was taken before the threads ended, so every slot is
    // filled. Unwrapping them in a plain map lets the standard library
    // reuse the vector's memory when `Option<R>` is as large as `R` (as
    // for every struct holding a `String`): no second copy of the results.
    results
        .into_iter()
        .map(|slot| slot.expect("every piece is taken before the threads end"))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_the_input_order() {
        let items: Vec<usize> = (0..1000).collect();
        let doubled = super::map(&items, |n| n * 2);
        assert_eq!(doubled, items.iter().map(|n| n * 2).collect::<Vec<_>>());
    }

    #[test]
    fn few_heavy_items_are_shared_out_one_at_a_time() {
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::time::{Duration, Instant};
        if std::thread::available_parallelism().map_or(1, |n| n.get()) < 2 {
            return;
        }
        // The first item waits for another to start: with [`super::map`]
        // five items would stay on one thread and it would wait in vain.
        let others = AtomicBool::new(false);
        let items: Vec<usize> = (0..5).collect();
        let threads = super::map_each(&items, |&n| {
            let start = Instant::now();
            while n == 0
                && !others.load(Ordering::SeqCst)
                && start.elapsed() < Duration::from_secs(5)
            {
                std::thread::sleep(Duration::from_millis(1));
            }
            others.store(true, Ordering::SeqCst);
            std::thread::current().id()
        });
        let distinct: std::collections::HashSet<_> = threads.iter().collect();
        assert_eq!(threads.len(), 5);
        assert!(distinct.len() > 1, "{threads:?}");
    }

    #[test]
    fn uneven_work_keeps_the_input_order() {
        // The first items are slow: the other thread takes the later pieces.
        let items: Vec<u64> = (0..512).collect();
        let out = super::map(&items, |&n| {
            if n < 32 {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            n + 1
        });
        assert_eq!(out, (1..=512).collect::<Vec<u64>>());
    }

    #[test]
    fn few_items_need_no_thread() {
        assert_eq!(super::map(&[1, 2, 3], |n| n + 1), [2, 3, 4]);
        assert!(super::map(&[] as &[u8], |n| *n).is_empty());
    }
}
