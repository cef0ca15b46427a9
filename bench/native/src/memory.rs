//! Memory figures comparable with Node's: `live_bytes` is what the program
//! holds from the allocator (Node's counterpart: `heapUsed` after a full gc),
//! `rss_bytes` the resident set from /proc/self/statm (Node: `memoryUsage().rss`).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering::Relaxed};

static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicIsize = AtomicIsize::new(0);

/// The system allocator, counting the bytes requested and not yet freed
/// while counting is on (off, it costs one relaxed load per call, so the
/// time scenarios pay nothing measurable).
struct Counting;

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        if COUNTING.load(Relaxed) {
            LIVE.fetch_add(l.size() as isize, Relaxed);
        }
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        if COUNTING.load(Relaxed) {
            LIVE.fetch_sub(l.size() as isize, Relaxed);
        }
        System.dealloc(p, l)
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        if COUNTING.load(Relaxed) {
            LIVE.fetch_add(l.size() as isize, Relaxed);
        }
        System.alloc_zeroed(l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        if COUNTING.load(Relaxed) {
            LIVE.fetch_add(new as isize - l.size() as isize, Relaxed);
        }
        System.realloc(p, l, new)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Turns counting on (first thing in main for the memory scenario).
pub fn start_counting() {
    COUNTING.store(true, Relaxed);
}

/// Bytes allocated and not freed since counting started.
pub fn live_bytes() -> f64 {
    LIVE.load(Relaxed) as f64
}

/// Resident set size of this process.
pub fn rss_bytes() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: f64 = statm.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(f64::NAN);
    // SAFETY: sysconf has no preconditions.
    pages * unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as f64
}

/// Before/after figures of the memory scenario, per task, as a JSON line.
pub struct Snapshot {
    live: f64,
    rss: f64,
}

impl Snapshot {
    pub fn now() -> Snapshot {
        Snapshot { live: live_bytes(), rss: rss_bytes() }
    }

    /// `{"heap":B per task,"rss":B per task}` from `self` (before) to `after`.
    pub fn json_per_task(&self, after: &Snapshot, n: usize) -> String {
        format!(
            "{{\"unit\":\"B\",\"heap\":{:.1},\"rss\":{:.1},\"n\":{n}}}",
            (after.live - self.live) / n as f64,
            (after.rss - self.rss) / n as f64
        )
    }
}
