// The scenarios, written once and included by each runtime's module
// (rt_tokio.rs, rt_smol.rs, rt_async_std.rs), which first defines what
// differs: the `Listener`/`Stream` types and their I/O extension traits,
// `block_on`, `spawn` (a handle that yields the task's output), `detach`,
// `sleep`, `bounded`/`recv` (a bounded channel), `Gate` (a wait many tasks
// park on: registered from its creation, so no wake-up is missed) and
// `close` (shut a stream's write side). An include rather than a trait keeps
// the crate building on Debian bookworm's rustc 1.63 (a trait would need
// generic associated types). Every party of a scenario is a spawned task,
// as in weft; the measuring future runs in `block_on`, as under
// `#[tokio::main]` or `smol::block_on`.

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::measure::{self, check, measure, time_json, Plan};
use crate::memory::Snapshot;
use crate::{mulberry, Params};

/// Runs `scenario`; None when there is no such scenario.
pub fn run(scenario: &str, p: &Params) -> Option<String> {
    Some(match scenario {
        "spawn" => block_on(spawn_join(p)),
        "pingpong" => block_on(pingpong(p)),
        "mpsc" => block_on(mpsc_throughput(p)),
        "memory" => block_on(parked_memory(p)),
        "timers" => block_on(timers(p)),
        "echo-server" => block_on(echo_server()),
        "echo-client" => block_on(echo_client(p)),
        _ => return None,
    })
}

async fn spawn_join(p: &Params) -> String {
    let n = p.num("n", 1000);
    let samples = measure(&Plan::from(p, n), || async move {
        let mut handles = Vec::with_capacity(n);
        for i in 0..n as u64 {
            handles.push(spawn(async move { i }));
        }
        let mut sum = 0;
        for h in handles {
            sum += h.await;
        }
        check("spawn", sum, (n as u64) * (n as u64 - 1) / 2);
    })
    .await;
    time_json(&samples)
}

async fn pingpong(p: &Params) -> String {
    let n = p.num("n", 100_000) as u64;
    let samples = measure(&Plan::from(p, n as usize), || async move {
        let (ping_tx, mut ping_rx) = bounded::<u64>(1);
        let (pong_tx, mut pong_rx) = bounded::<u64>(1);
        let ponger = spawn(async move {
            for _ in 0..n {
                let v = recv(&mut ping_rx).await.unwrap();
                pong_tx.send(v + 1).await.unwrap();
            }
        });
        let pinger = spawn(async move {
            let mut sum = 0;
            for i in 0..n {
                ping_tx.send(i).await.unwrap();
                sum += recv(&mut pong_rx).await.unwrap();
            }
            sum
        });
        let sum = pinger.await;
        ponger.await;
        check("pingpong", sum, n * (n - 1) / 2 + n);
    })
    .await;
    time_json(&samples)
}

async fn mpsc_throughput(p: &Params) -> String {
    let n = p.num("n", 1_000_000) as u64;
    let cap = p.num("capacity", 1024);
    let samples = measure(&Plan::from(p, n as usize), || async move {
        let (tx, mut rx) = bounded::<u64>(cap);
        let producer = spawn(async move {
            for i in 0..n {
                tx.send(i).await.unwrap();
            }
        });
        let consumer = spawn(async move {
            let mut sum = 0;
            while let Some(v) = recv(&mut rx).await {
                sum += v;
            }
            sum
        });
        producer.await;
        check("mpsc", consumer.await, n * (n - 1) / 2);
    })
    .await;
    time_json(&samples)
}

/// n tasks parked on one shared Gate (weft: one token's `cancelled()`),
/// their handles kept by the caller, as weft keeps its JoinHandles.
async fn parked_memory(p: &Params) -> String {
    let n = p.num("n", 100_000);
    let gate = Arc::new(Gate::new());
    let parked = Arc::new(AtomicUsize::new(0));
    let before = Snapshot::now();
    let mut handles = Vec::with_capacity(n);
    for _ in 0..n {
        let (gate, parked) = (gate.clone(), parked.clone());
        handles.push(spawn(async move {
            let woken = gate.wait();
            parked.fetch_add(1, Relaxed);
            woken.await;
        }));
    }
    while parked.load(Relaxed) < n {
        sleep(Duration::from_millis(1)).await;
    }
    sleep(Duration::from_millis(20)).await; // executor threads finish their polls
    let after = Snapshot::now();
    gate.open();
    for h in handles {
        h.await;
    }
    before.json_per_task(&after, n)
}

/// 100,000 tasks each sleeping its delay (bench/sleeps.ts, "task each").
async fn timers(p: &Params) -> String {
    let n = p.num("n", 100_000);
    let max = p.num("max", 100) as u32;
    timers_round(&mulberry::delays(2000, 10, 42)).await; // warm-up, as sleeps.ts
    let ds = mulberry::delays(n, max, 42);
    let (due, resumed, setup) = timers_round(&ds).await;
    mulberry::timers_json(&due, &resumed, setup, ds.iter().sum())
}

async fn timers_round(ds: &[u64]) -> (Vec<f64>, Vec<f64>, f64) {
    let t0 = Instant::now();
    let ms = move |t: Instant| t.duration_since(t0).as_secs_f64() * 1e3;
    let mut due = Vec::with_capacity(ds.len());
    let mut handles = Vec::with_capacity(ds.len());
    for &d in ds {
        due.push(ms(Instant::now()) + d as f64);
        handles.push(spawn(async move {
            sleep(Duration::from_millis(d)).await;
            ms(Instant::now())
        }));
    }
    let setup = ms(Instant::now());
    let mut resumed = Vec::with_capacity(ds.len());
    for h in handles {
        resumed.push(h.await);
    }
    (due, resumed, setup)
}

/// Echo server: one task per connection, read into a 16 KiB buffer and write
/// it all back (examples/echo-server.ts). Prints its port; exits when stdin closes.
async fn echo_server() -> String {
    let listener = bind("127.0.0.1:0").await.expect("bind");
    println!("{}", port(&listener));
    crate::echo::exit_on_stdin_eof();
    loop {
        let mut s = match accept(&listener).await {
            Ok(s) => s,
            Err(_) => continue,
        };
        detach(spawn(async move {
            let mut buf = vec![0u8; 16 * 1024];
            while let Ok(n) = s.read(&mut buf).await {
                if n == 0 || s.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
        }));
    }
}

/// Echo load (examples/echo-client.ts `runEchoLoad`): `connections` tasks,
/// each writing `size` bytes and reading the echo back until the time is up.
/// A warm-up run on its own connections, then "measuring" on stderr, then the run.
async fn echo_client(p: &Params) -> String {
    let port = p.num("port", 0) as u16;
    let (conns, size) = (p.num("connections", 50), p.num("size", 4096));
    echo_load(port, conns, size, p.num("warmup_ms", 300) as u64).await;
    eprintln!("measuring");
    let cpu0 = measure::cpu_micros();
    let (rtts, bytes, ms, errors) = echo_load(port, conns, size, p.num("ms", 1000) as u64).await;
    crate::echo::echo_json(&rtts, bytes, ms, errors, measure::cpu_micros() - cpu0)
}

async fn echo_load(port: u16, conns: usize, size: usize, ms: u64) -> (Vec<f64>, usize, f64, usize) {
    let mut streams = Vec::with_capacity(conns);
    for _ in 0..conns {
        streams.push(connect(port).await.expect("connect"));
    }
    let t0 = Instant::now();
    let end = t0 + Duration::from_millis(ms);
    let handles: Vec<_> = streams
        .into_iter()
        .map(|mut s| {
            spawn(async move {
                let (msg, mut back) = (vec![120u8; size], vec![0u8; size]);
                let mut rtts = Vec::new();
                let mut failed = false;
                loop {
                    let t = Instant::now();
                    if t >= end {
                        break;
                    }
                    if s.write_all(&msg).await.is_err() || s.read_exact(&mut back).await.is_err() {
                        failed = true;
                        break;
                    }
                    rtts.push(t.elapsed().as_nanos() as f64 / 1e3);
                }
                close(&mut s).await;
                (rtts, failed)
            })
        })
        .collect();
    let (mut rtts, mut errors) = (Vec::new(), 0);
    for h in handles {
        let (r, failed) = h.await;
        rtts.extend(r);
        errors += failed as usize;
    }
    let bytes = rtts.len() * size;
    (rtts, bytes, t0.elapsed().as_secs_f64() * 1e3, errors)
}

// TCP: the three runtimes' listeners and streams spell these alike.

async fn bind(addr: &str) -> std::io::Result<Listener> {
    Listener::bind(addr).await
}

fn port(l: &Listener) -> u16 {
    l.local_addr().unwrap().port()
}

async fn accept(l: &Listener) -> std::io::Result<Stream> {
    let (s, _) = l.accept().await?;
    s.set_nodelay(true)?;
    Ok(s)
}

async fn connect(port: u16) -> std::io::Result<Stream> {
    let s = Stream::connect(("127.0.0.1", port)).await?;
    s.set_nodelay(true)?;
    Ok(s)
}
