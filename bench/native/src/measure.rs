//! The timing rule shared with weft's side (bench/lib.ts `measure`): `warmup`
//! untimed calls, then `samples` samples of `inner` calls each; a sample's
//! figure is its time / inner / per, in ns; the run reports every sample and
//! their median.

use std::future::Future;
use std::time::Instant;

use crate::Params;

/// How a time scenario is sampled.
pub struct Plan {
    pub warmup: usize,
    pub samples: usize,
    pub inner: usize,
    /// Operations per call (tasks spawned, round trips, values sent).
    pub per: usize,
}

impl Plan {
    /// Reads `warmup`, `samples`, `inner` from the parameters; `per` is the scenario's own count.
    pub fn from(p: &Params, per: usize) -> Plan {
        Plan { warmup: p.num("warmup", 5), samples: p.num("samples", 15), inner: p.num("inner", 1), per }
    }
}

/// Samples `f` by `plan`; returns ns per operation of each sample.
pub async fn measure<F, Fut>(plan: &Plan, mut f: F) -> Vec<f64>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    for _ in 0..plan.warmup {
        f().await;
    }
    let mut out = Vec::with_capacity(plan.samples);
    for _ in 0..plan.samples {
        let t0 = Instant::now();
        for _ in 0..plan.inner {
            f().await;
        }
        out.push(t0.elapsed().as_nanos() as f64 / plan.inner as f64 / plan.per as f64);
    }
    out
}

/// Median of some figures (mean of the middle two for an even count).
pub fn median(xs: &[f64]) -> f64 {
    let mut s = xs.to_vec();
    s.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = s.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

/// Quantile of ascending-sorted figures, linear interpolation (bench/lib.ts `quantile`).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = (sorted.len() - 1) as f64 * q;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// `[1.5,2,...]` for a JSON line.
pub fn json_array(xs: &[f64]) -> String {
    let items: Vec<String> = xs.iter().map(|x| format!("{x:.1}")).collect();
    format!("[{}]", items.join(","))
}

/// The JSON line of a time scenario: ns per operation.
pub fn time_json(samples: &[f64]) -> String {
    format!("{{\"unit\":\"ns\",\"median\":{:.2},\"samples\":{}}}", median(samples), json_array(samples))
}

/// Panics unless a scenario's checksum is right (the work was really done).
pub fn check(what: &str, got: u64, expected: u64) {
    assert_eq!(got, expected, "{what}: got {got}, expected {expected}");
}

/// CPU time (user + system) this process used so far, in µs.
pub fn cpu_micros() -> f64 {
    // SAFETY: getrusage writes into the zeroed struct we pass it.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let tv = |t: libc::timeval| t.tv_sec as f64 * 1e6 + t.tv_usec as f64;
    tv(u.ru_utime) + tv(u.ru_stime)
}
