//! Work spread over the machine's cores, results in input order.
//!
//! Rendering thousands of models is independent work per model; on a
//! two-core machine splitting it in two halves its wall time. Results
//! come back in the order of the input, so errors and output stay
//! deterministic whatever the threads' timing.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};

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
    let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    let threads = cores.min(items.len() / MIN_PER_THREAD).max(1);
    let piece = items.len().div_ceil(threads * PIECES_PER_THREAD).max(1);
    map_in(items, threads, piece, f)
}

/// [`map`] for few items, each worth a thread's start on its own (a
/// folder of files to write, say): the threads take them one at a time.
pub fn map_each<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    map_in(items, cores.min(items.len()).max(1), 1, f)
}

/// Lowers the calling thread (and the threads it starts from now on) to
/// the lowest priority, for work nothing waits on yet: it then takes only
/// the time the rest of the process leaves a core idle. On Linux a
/// thread's priority is its own; where it cannot be set, nothing changes.
pub fn in_background() {
    let _ = rustix::process::setpriority_process(Some(rustix::thread::gettid()), 19);
}

/// `f` applied to `items` on `threads` threads, which take pieces of
/// `piece` items from a shared counter.
fn map_in<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    piece: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    if threads == 1 {
        return items.iter().map(f).collect();
    }
    let pieces: Vec<&[T]> = items.chunks(piece).collect();
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done: Vec<(usize, Vec<R>)> = Vec::new();
        loop {
            let n = next.fetch_add(1, Ordering::Relaxed);
            let Some(part) = pieces.get(n) else {
                return done;
            };
            done.push((n, part.iter().map(&f).collect()));
        }
    };
    let mut done: Vec<(usize, Vec<R>)> = std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        let mut done = work();
        for helper in helpers {
            match helper.join() {
                Ok(more) => done.extend(more),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        done
    });
    done.sort_unstable_by_key(|(n, _)| *n);
    let mut results = Vec::with_capacity(items.len());
    for (_, part) in done {
        results.extend(part);
    }
    results
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
