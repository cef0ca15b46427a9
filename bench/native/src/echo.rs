//! What the echo scenario shares between runtimes.

use crate::measure;

/// Ends the process when its stdin closes (the runner's way to stop a server).
pub fn exit_on_stdin_eof() {
    std::thread::spawn(|| {
        let mut sink = Vec::new();
        let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut sink);
        std::process::exit(0);
    });
}

/// The JSON line of an echo client run (round trips in µs).
pub fn echo_json(rtts: &[f64], bytes: usize, ms: f64, errors: usize, cpu: f64) -> String {
    format!(
        "{{\"bytes\":{bytes},\"ms\":{ms:.3},\"errors\":{errors},\"cpu\":{cpu:.0},\"rtts\":{}}}",
        measure::json_array(rtts)
    )
}
