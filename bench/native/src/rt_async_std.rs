//! async-std: its global executor (one thread per core), tasks spawned from
//! `async_std::task::block_on`.

use std::future::Future;
use std::io;

type Listener = async_std::net::TcpListener;
type Stream = async_std::net::TcpStream;

fn block_on<F: Future>(f: F) -> F::Output {
    async_std::task::block_on(f)
}

fn spawn<T: Send + 'static>(f: impl Future<Output = T> + Send + 'static) -> async_std::task::JoinHandle<T> {
    async_std::task::spawn(f)
}

/// Lets a task run on without its handle (an async-std JoinHandle detaches when dropped).
fn detach<T>(handle: async_std::task::JoinHandle<T>) {
    drop(handle);
}

async fn sleep(d: std::time::Duration) {
    async_std::task::sleep(d).await;
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
