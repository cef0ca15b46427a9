//! The scenarios on Tokio, current-thread or multi-thread (one worker per
//! core, Tokio's default). The measuring future runs in `block_on`, as under
//! `#[tokio::main]`; every party of a scenario is a spawned task, as in weft.

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Notify};

use crate::measure::{self, check, measure, time_json, Plan};
use crate::memory::Snapshot;
use crate::{mulberry, Params};

#[derive(Clone, Copy)]
pub enum Flavor {
    CurrentThread,
    MultiThread,
}

/// Runs `scenario`; None when there is no such scenario.
pub fn run(flavor: Flavor, scenario: &str, p: &Params) -> Option<String> {
    let rt = match flavor {
        Flavor::CurrentThread => tokio::runtime::Builder::new_current_thread().enable_all().build(),
        Flavor::MultiThread => tokio::runtime::Builder::new_multi_thread().enable_all().build(),
    }
    .expect("tokio runtime");
    Some(match scenario {
        "spawn" => rt.block_on(spawn_join(p)),
        "pingpong" => rt.block_on(pingpong(p)),
        "mpsc" => rt.block_on(mpsc_throughput(p)),
        "memory" => rt.block_on(parked_memory(p)),
        "timers" => rt.block_on(timers(p)),
        "echo-server" => rt.block_on(echo_server()),
        "echo-client" => rt.block_on(echo_client(p)),
        _ => return None,
    })
}

async fn spawn_join(p: &Params) -> String {
    let n = p.num("n", 1000);
    let samples = measure(&Plan::from(p, n), || async move {
        let mut handles = Vec::with_capacity(n);
        for i in 0..n as u64 {
            handles.push(tokio::spawn(async move { i }));
        }
        let mut sum = 0;
        for h in handles {
            sum += h.await.unwrap();
        }
        check("spawn", sum, (n as u64) * (n as u64 - 1) / 2);
    })
    .await;
    time_json(&samples)
}

async fn pingpong(p: &Params) -> String {
    let n = p.num("n", 100_000) as u64;
    let samples = measure(&Plan::from(p, n as usize), || async move {
        let (ping_tx, mut ping_rx) = mpsc::channel::<u64>(1);
        let (pong_tx, mut pong_rx) = mpsc::channel::<u64>(1);
        let ponger = tokio::spawn(async move {
            for _ in 0..n {
                let v = ping_rx.recv().await.unwrap();
                pong_tx.send(v + 1).await.unwrap();
            }
        });
        let pinger = tokio::spawn(async move {
            let mut sum = 0;
            for i in 0..n {
                ping_tx.send(i).await.unwrap();
                sum += pong_rx.recv().await.unwrap();
            }
            sum
        });
        let sum = pinger.await.unwrap();
        ponger.await.unwrap();
        check("pingpong", sum, n * (n - 1) / 2 + n);
    })
    .await;
    time_json(&samples)
}

async fn mpsc_throughput(p: &Params) -> String {
    let n = p.num("n", 1_000_000) as u64;
    let cap = p.num("capacity", 1024);
    let samples = measure(&Plan::from(p, n as usize), || async move {
        let (tx, mut rx) = mpsc::channel::<u64>(cap);
        let producer = tokio::spawn(async move {
            for i in 0..n {
                tx.send(i).await.unwrap();
            }
        });
        let consumer = tokio::spawn(async move {
            let mut sum = 0;
            while let Some(v) = rx.recv().await {
                sum += v;
            }
            sum
        });
        producer.await.unwrap();
        check("mpsc", consumer.await.unwrap(), n * (n - 1) / 2);
    })
    .await;
    time_json(&samples)
}

/// n tasks parked on one shared Notify (weft: on one token's `cancelled()`),
/// their JoinHandles kept by the caller, as weft keeps its handles.
async fn parked_memory(p: &Params) -> String {
    let n = p.num("n", 100_000);
    let notify = Arc::new(Notify::new());
    let parked = Arc::new(AtomicUsize::new(0));
    let before = Snapshot::now();
    let mut handles = Vec::with_capacity(n);
    for _ in 0..n {
        let (notify, parked) = (notify.clone(), parked.clone());
        handles.push(tokio::spawn(async move {
            // A Notified receives notify_waiters() from its creation on.
            let woken = notify.notified();
            parked.fetch_add(1, Relaxed);
            woken.await;
        }));
    }
    while parked.load(Relaxed) < n {
        tokio::task::yield_now().await;
    }
    tokio::time::sleep(Duration::from_millis(20)).await; // workers finish their polls (multi-thread)
    let after = Snapshot::now();
    notify.notify_waiters();
    for h in handles {
        h.await.unwrap();
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
        handles.push(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(d)).await;
            ms(Instant::now())
        }));
    }
    let setup = ms(Instant::now());
    let mut resumed = Vec::with_capacity(ds.len());
    for h in handles {
        resumed.push(h.await.unwrap());
    }
    (due, resumed, setup)
}

/// Echo server: one task per connection, read into a 16 KiB buffer and write
/// it all back (examples/echo-server.ts). Prints its port; exits when stdin closes.
async fn echo_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    println!("{}", listener.local_addr().unwrap().port());
    crate::echo::exit_on_stdin_eof();
    loop {
        let mut s = match listener.accept().await {
            Ok((s, _)) => s,
            Err(_) => continue,
        };
        s.set_nodelay(true).ok();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 16 * 1024];
            while let Ok(n) = s.read(&mut buf).await {
                if n == 0 || s.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
        });
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
        let s = TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
        s.set_nodelay(true).ok();
        streams.push(s);
    }
    let t0 = Instant::now();
    let end = t0 + Duration::from_millis(ms);
    let errors = Arc::new(Mutex::new(0));
    let handles: Vec<_> = streams
        .into_iter()
        .map(|mut s| {
            let errors = errors.clone();
            tokio::spawn(async move {
                let (msg, mut back) = (vec![120u8; size], vec![0u8; size]);
                let mut rtts = Vec::new();
                loop {
                    let t = Instant::now();
                    if t >= end {
                        break;
                    }
                    if s.write_all(&msg).await.is_err() || s.read_exact(&mut back).await.is_err() {
                        *errors.lock().unwrap() += 1;
                        break;
                    }
                    rtts.push(t.elapsed().as_nanos() as f64 / 1e3);
                }
                s.shutdown().await.ok();
                rtts
            })
        })
        .collect();
    let mut rtts = Vec::new();
    for h in handles {
        rtts.extend(h.await.unwrap());
    }
    let bytes = rtts.len() * size;
    let errors = *errors.lock().unwrap();
    (rtts, bytes, t0.elapsed().as_secs_f64() * 1e3, errors)
}
