//! Tokio, current-thread or multi-thread (one worker per core, Tokio's
//! default), the measuring future in `block_on` as under `#[tokio::main]`.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::AtomicBool;
use std::task::{Context, Poll};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc::{Receiver, Sender};
use tokio::sync::Notify;

type Listener = tokio::net::TcpListener;
type Stream = tokio::net::TcpStream;

static MULTI_THREAD: AtomicBool = AtomicBool::new(false);

/// Runs `scenario` on the multi-thread runtime when `multi_thread`, else on the current-thread one.
pub fn run_on(multi_thread: bool, scenario: &str, p: &Params) -> Option<String> {
    MULTI_THREAD.store(multi_thread, Relaxed);
    run(scenario, p)
}

fn block_on<F: Future>(f: F) -> F::Output {
    let rt = if MULTI_THREAD.load(Relaxed) {
        tokio::runtime::Builder::new_multi_thread().enable_all().build()
    } else {
        tokio::runtime::Builder::new_current_thread().enable_all().build()
    };
    rt.expect("tokio runtime").block_on(f)
}

/// A JoinHandle that yields the task's output (a panic in the task panics here).
struct Join<T>(tokio::task::JoinHandle<T>);

impl<T> Future for Join<T> {
    type Output = T;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        Pin::new(&mut self.0).poll(cx).map(|r| r.expect("task failed"))
    }
}

fn spawn<T: Send + 'static>(f: impl Future<Output = T> + Send + 'static) -> Join<T> {
    Join(tokio::spawn(f))
}

/// Lets a task run on without its handle (a JoinHandle detaches when dropped).
fn detach<T>(handle: Join<T>) {
    drop(handle);
}

async fn sleep(d: Duration) {
    tokio::time::sleep(d).await;
}

fn bounded<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    tokio::sync::mpsc::channel(capacity)
}

async fn recv<T>(rx: &mut Receiver<T>) -> Option<T> {
    rx.recv().await
}

async fn close(s: &mut Stream) {
    s.shutdown().await.ok();
}

/// Many tasks park on it, all resume on `open`.
struct Gate(Notify);

impl Gate {
    fn new() -> Gate {
        Gate(Notify::new())
    }
    /// A Notified receives notify_waiters() from its creation on, polled or not.
    fn wait(&self) -> tokio::sync::futures::Notified<'_> {
        self.0.notified()
    }
    fn open(&self) {
        self.0.notify_waiters();
    }
}

include!("scenarios.rs");
