//! smol: the global executor (one thread unless SMOL_THREADS says more),
//! tasks spawned from `smol::block_on`, as smol's documentation shows.

use std::future::Future;
use std::io;

type Listener = smol::net::TcpListener;
type Stream = smol::net::TcpStream;

fn block_on<F: Future>(f: F) -> F::Output {
    smol::block_on(f)
}

fn spawn<T: Send + 'static>(f: impl Future<Output = T> + Send + 'static) -> smol::Task<T> {
    smol::spawn(f)
}

/// Lets a task run on without its handle (dropping a smol Task cancels it).
fn detach<T>(task: smol::Task<T>) {
    task.detach();
}

async fn sleep(d: std::time::Duration) {
    smol::Timer::after(d).await;
}

async fn bind(addr: &str) -> io::Result<Listener> {
    Listener::bind(addr).await
}

fn port(l: &Listener) -> u16 {
    l.local_addr().unwrap().port()
}

async fn accept(l: &Listener) -> io::Result<Stream> {
    let (s, _) = l.accept().await?;
    s.set_nodelay(true)?;
    Ok(s)
}

async fn connect(port: u16) -> io::Result<Stream> {
    let s = Stream::connect(("127.0.0.1", port)).await?;
    s.set_nodelay(true)?;
    Ok(s)
}

include!("futures_scenarios.rs");
