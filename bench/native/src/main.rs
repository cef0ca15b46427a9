//! weft's benchmark scenarios on native Rust runtimes (see README.md).
//!
//!   weft-native-bench <runtime> <scenario> [key=value ...]
//!
//! runtime: tokio-ct | tokio-mt | smol | async-std
//! scenario: spawn | pingpong | mpsc | memory | timers | echo-server | echo-client
//!
//! Each run prints one line of JSON on stdout (echo-server prints its port,
//! then serves until its stdin closes). bench/native/run.ts drives it, in
//! alternation with weft's side of the same scenario (weft.ts).

mod echo;
mod measure;
mod memory;
mod mulberry;
mod rt_async_std;
mod rt_smol;
mod rt_tokio;

use std::collections::HashMap;

/// Parameters of one run, `key=value` on the command line.
pub struct Params(HashMap<String, String>);

impl Params {
    fn parse(args: &[String]) -> Params {
        let mut map = HashMap::new();
        for a in args {
            let (k, v) = a.split_once('=').unwrap_or_else(|| fail(&format!("expected key=value, got {a:?}")));
            map.insert(k.to_string(), v.to_string());
        }
        Params(map)
    }

    /// A numeric parameter, or `default` when absent.
    pub fn num(&self, key: &str, default: usize) -> usize {
        match self.0.get(key) {
            None => default,
            Some(v) => v.parse().unwrap_or_else(|_| fail(&format!("{key}={v:?} is not a number"))),
        }
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("weft-native-bench: {msg}");
    std::process::exit(2);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        fail("usage: weft-native-bench <tokio-ct|tokio-mt|smol|async-std> <scenario> [key=value ...]");
    }
    // Counting live allocations costs a load per allocation when off; the
    // memory scenario turns it on before anything else allocates.
    if args[1] == "memory" {
        memory::start_counting();
    }
    let params = Params::parse(&args[2..]);
    let out = match args[0].as_str() {
        "tokio-ct" => rt_tokio::run_on(false, &args[1], &params),
        "tokio-mt" => rt_tokio::run_on(true, &args[1], &params),
        "smol" => rt_smol::run(&args[1], &params),
        "async-std" => rt_async_std::run(&args[1], &params),
        other => fail(&format!("unknown runtime {other:?}")),
    };
    match out {
        Some(json) => println!("{json}"),
        None => fail(&format!("unknown scenario {:?}", args[1])),
    }
}
