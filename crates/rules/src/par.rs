//! Order-keeping parallel map over the CPUs this process may use, for CPU-bound work such as
//! compiling thousands of rules; and starting threads that degrade to the calling thread when
//! the host refuses one (a container's pids limit, `ulimit -u`): preflight never panics there.

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
        // A helper the host refuses is simply not there: the caller's thread does its share.
        let helpers: Vec<_> = (1..threads)
            .filter_map(|_| std::thread::Builder::new().spawn_scoped(s, work).ok())
            .collect();
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

/// Work started by [`spawn_or_run`]: on a thread of its own, or already done.
pub enum Task<T> {
    Thread(std::thread::JoinHandle<Option<T>>),
    Done(T),
}

impl<T> Task<T> {
    /// The work's result; a panic in it is raised again here.
    pub fn join(self) -> T {
        match self {
            Task::Thread(h) => h
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p))
                .expect("a started thread takes its work"),
            Task::Done(v) => v,
        }
    }
}

/// Starts `f` on a thread of its own or, when the host refuses a thread, runs it here and now
/// (slower, never a panic: `std::thread::spawn` panics when it cannot start one).
pub fn spawn_or_run<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Task<T> {
    use std::sync::{Arc, Mutex};
    // `Builder::spawn` drops the closure when it fails: the work is kept here to run it then.
    let work = Arc::new(Mutex::new(Some(f)));
    let theirs = Arc::clone(&work);
    let started = std::thread::Builder::new().spawn(move || {
        let f = theirs.lock().ok().and_then(|mut f| f.take());
        f.map(|f| f())
    });
    match started {
        Ok(h) => Task::Thread(h),
        Err(_) => {
            let f = work.lock().ok().and_then(|mut f| f.take());
            Task::Done(f.expect("a refused thread never took the work")())
        }
    }
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
