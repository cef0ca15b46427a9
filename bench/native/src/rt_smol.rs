//! smol: the global executor (one thread unless SMOL_THREADS says more),
//! tasks spawned from `smol::block_on`, as smol's documentation shows.
//! Channels are async-channel (`smol::channel`).

use std::future::Future;

use event_listener::{Event, EventListener};
use smol::channel::{Receiver, Sender};
use smol::io::{AsyncReadExt, AsyncWriteExt};

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

async fn sleep(d: Duration) {
    smol::Timer::after(d).await;
}

fn bounded<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    smol::channel::bounded(capacity)
}

async fn recv<T>(rx: &mut Receiver<T>) -> Option<T> {
    rx.recv().await.ok()
}

async fn close(s: &mut Stream) {
    s.close().await.ok();
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
