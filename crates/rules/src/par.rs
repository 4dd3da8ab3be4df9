//! Order-keeping parallel map over the CPUs this process may use, for CPU-bound work such as
//! compiling thousands of rules.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The CPUs this process may use (affinity and cgroup quota included), asked once.
pub fn cpus() -> usize {
    static CPUS: OnceLock<usize> = OnceLock::new();
    *CPUS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// `items.iter().map(f).collect()`, on up to [`cpus`] threads (the caller's among them), each
/// with at least `per_thread` items: starting a thread costs about as much as compiling a few
/// rules. Items are handed out one at a time, so uneven items balance; results come back in
/// item order. A panic in `f` is raised again here.
pub fn map<T: Sync, R: Send>(items: &[T], per_thread: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = cpus().min(items.len() / per_thread.max(1));
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else {
                return done;
            };
            done.push((i, f(item)));
        }
    };
    let mut all = std::thread::scope(|s| {
        let helpers: Vec<_> = (1..threads).map(|_| s.spawn(work)).collect();
        let mut all = work();
        for h in helpers {
            match h.join() {
                Ok(done) => all.extend(done),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        all
    });
    all.sort_unstable_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_item_order_with_uneven_items() {
        let items: Vec<u64> = (0..500).collect();
        let out = map(&items, 1, |&n| {
            // Uneven work: later items finish first on another thread.
            (0..(500 - n) * 100).fold(n, |a, b| a.wrapping_add(b % 3))
                - (0..(500 - n) * 100).fold(0, |a: u64, b| a.wrapping_add(b % 3))
        });
        assert_eq!(out, items);
        assert!(map(&[] as &[u8], 1, |_| 1).is_empty());
        assert_eq!(map(&[1, 2, 3], 8, |n| n * 2), vec![2, 4, 6]);
    }

    #[test]
    #[should_panic(expected = "item 7")]
    fn a_panic_reaches_the_caller() {
        let items: Vec<usize> = (0..64).collect();
        map(&items, 1, |&i| assert!(i != 7, "item 7"));
    }
}
