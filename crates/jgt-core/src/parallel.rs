//! Work spread over the machine's cores, results in input order.
//!
//! Rendering thousands of models is independent work per model; on a
//! two-core machine splitting it in two halves its wall time. Results
//! come back in the order of the input, so errors and output stay
//! deterministic whatever the threads' timing.

use std::num::NonZeroUsize;

/// Below this many items a second thread costs more than it saves.
const MIN_PER_THREAD: usize = 64;

/// `f` applied to every item, on up to one thread per core, in order.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    let threads = cores.min(items.len() / MIN_PER_THREAD).max(1);
    if threads == 1 {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| match handle.join() {
                Ok(results) => results,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
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
    fn few_items_need_no_thread() {
        assert_eq!(super::map(&[1, 2, 3], |n| n + 1), [2, 3, 4]);
        assert!(super::map(&[] as &[u8], |n| *n).is_empty());
    }
}
