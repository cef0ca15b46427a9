//! async-std: its global executor (one thread per core), tasks spawned from
//! `async_std::task::block_on`. Channels are async-channel
//! (`async_std::channel`); the parking Gate is event-listener's Event, which
//! async-std's own primitives are built on.

use std::future::Future;

use async_std::channel::{Receiver, Sender};
use async_std::io::{ReadExt, WriteExt};
use event_listener::{Event, EventListener};

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

async fn sleep(d: Duration) {
    async_std::task::sleep(d).await;
}

fn bounded<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    async_std::channel::bounded(capacity)
}

async fn recv<T>(rx: &mut Receiver<T>) -> Option<T> {
    rx.recv().await.ok()
}

async fn close(s: &mut Stream) {
    s.shutdown(std::net::Shutdown::Write).ok();
}

/// Many tasks park on it, all resume on `open`.
struct Gate(Event);

impl Gate {
    fn new() -> Gate {
        Gate(Event::new())
    }
    fn wait(&self) -> EventListener {
        self.0.listen()
    }
    fn open(&self) {
        self.0.notify(usize::MAX);
    }
}

include!("scenarios.rs");
