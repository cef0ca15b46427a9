//! The timers scenario's delays: bench/sleeps.ts `delays()` (mulberry32,
//! seed 42), bit for bit, so every runtime sleeps the very same durations.

pub fn delays(n: usize, max: u32, seed: u32) -> Vec<u64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_add(0x6d2b79f5);
            let mut t = (s ^ (s >> 15)).wrapping_mul(s | 1);
            t ^= t.wrapping_add((t ^ (t >> 7)).wrapping_mul(t | 61));
            let r = t ^ (t >> 14);
            ((r as f64 / 4294967296.0) * (max as f64 + 1.0)).floor() as u64
        })
        .collect()
}

/// What a timers round reports, from each sleep's due and resume times (ms since the start).
pub fn timers_json(due: &[f64], resumed: &[f64], setup_ms: f64, delays_sum: u64) -> String {
    use crate::measure::quantile;
    let mut from_call: Vec<f64> = due.iter().zip(resumed).map(|(d, r)| r - d).collect();
    // sleeps.ts: resumed - max(due, end of set-up). On a multi-thread runtime a
    // sleep can resume while the set-up loop still runs, which then did not
    // hold it up: its lateness is plain resumed - due (on Node, nothing
    // resumes before the loop ends, so this is sleeps.ts's figure).
    let mut after_setup: Vec<f64> = due
        .iter()
        .zip(resumed)
        .map(|(&d, &r)| if r < setup_ms { r - d } else { r - d.max(setup_ms) })
        .collect();
    from_call.sort_by(|a, b| a.partial_cmp(b).unwrap());
    after_setup.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let total = resumed.iter().cloned().fold(0.0, f64::max);
    format!(
        "{{\"unit\":\"ms\",\"p50\":{:.3},\"p99\":{:.3},\"max\":{:.3},\"p99call\":{:.3},\"setup\":{:.3},\"total\":{:.3},\"delaysSum\":{delays_sum}}}",
        quantile(&after_setup, 0.5),
        quantile(&after_setup, 0.99),
        after_setup.last().cloned().unwrap_or(f64::NAN),
        quantile(&from_call, 0.99),
        setup_ms,
        total
    )
}
