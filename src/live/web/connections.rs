//! The accept loop: every connection served by hyper's HTTP/1 with limits a Pi can afford,
//! whatever the clients do.
//!
//! - At most [`MAX_CONNECTIONS`] open at once, fewer if the process may open fewer files
//!   (`ulimit -n`; 64 descriptors are left for everything else). When full, a new connection closes the oldest
//!   one that is not in the middle of a request (an idle keep-alive or a client that never
//!   sent a whole header), as nginx reuses idle connections: silent sockets cannot lock out a
//!   browser. If every one is busy, the newcomer gets a 503 and is closed.
//! - A request's header must arrive within [`HEADER_TIMEOUT`], counted from the connection's
//!   start or the end of its last answer: an idle keep-alive is closed then too.
//! - An answer must keep leaving: a client that stops reading for [`WRITE_TIMEOUT`] is closed
//!   (hyper holds a whole answer until it is sent; a live view's stream never ends).
//! - Each connection's read buffer is at most [`MAX_BUFFER`] (hyper's default is 400 KB).
//! - A client that half-closes after sending its request still gets the answer.
//!
//! Bodies are bounded separately ([`super::body`]).

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::Router;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::Notify;
use tower::ServiceExt;

/// Most connections open at once; well under a Pi's default of 1,024 descriptors.
pub const MAX_CONNECTIONS: usize = 256;
/// Time a client has to send a whole request header, from connecting or from its last answer.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest read buffer a connection keeps: a request header must fit in it.
pub const MAX_BUFFER: usize = 64 << 10;
/// Longest a connection may go without taking any of an answer being sent to it.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// The answer to a connection refused because every open one is busy.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n\
Content-Length: 54\r\nConnection: close\r\nRetry-After: 1\r\n\r\n\
{\"error\":\"the server is busy: too many open requests\"}";

/// The connection a request came on, in its extensions: who sent it, and how to close it
/// (the live view closes a stream to make room for another browser).
#[derive(Clone, Debug)]
pub struct Peer {
    /// The client's address.
    pub addr: SocketAddr,
    close: Arc<Notify>,
}

impl Peer {
    /// Closes the connection (its socket, at once, whatever it is doing).
    pub fn close(&self) {
        self.close.notify_one();
    }
}

/// An open connection: requests in progress on it (an answer still being sent counts) and how
/// to close it.
struct Open {
    busy: Arc<AtomicUsize>,
    close: Arc<Notify>,
}

/// Every open connection, oldest first.
#[derive(Default)]
struct Table {
    next: u64,
    open: BTreeMap<u64, Open>,
}

/// Accepts and serves connections until the future is dropped.
pub async fn serve(listener: tokio::net::TcpListener, router: Router) {
    let most = most_connections();
    let table = Arc::new(Mutex::new(Table::default()));
    loop {
        let (stream, addr) = match listener.accept().await {
            Ok(c) => c,
            // Out of descriptors (or a connection reset before it was accepted): those close
            // as their timeouts run out; try again shortly rather than spin.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let Some((id, busy, close, evicted)) = admit(&table, most) else {
            // Best effort, never waiting for this client: the answer fits in any socket's
            // buffer. Written on the plain socket, which tokio has not yet seen ready.
            if let Ok(stream) = stream.into_std() {
                let _ = std::io::Write::write(&mut &stream, BUSY);
            }
            continue;
        };
        let peer = Peer {
            addr,
            close: Arc::clone(&close),
        };
        let (router, table) = (router.clone(), Arc::clone(&table));
        tokio::spawn(async move {
            // Off the table however the task ends (a panicking handler included).
            let _listed = Listed(table, id);
            connection(stream, router, peer, busy, &close).await;
        });
        if evicted {
            // Let the closed connection's task run and free its descriptor before the next
            // accept: under a low file limit a burst could otherwise run out of them.
            tokio::task::yield_now().await;
        }
    }
}

/// Removes connection `.1` from the table when dropped.
struct Listed(Arc<Mutex<Table>>, u64);

impl Drop for Listed {
    fn drop(&mut self) {
        lock(&self.0).open.remove(&self.1);
    }
}

fn lock(table: &Mutex<Table>) -> std::sync::MutexGuard<'_, Table> {
    table.lock().unwrap_or_else(|e| e.into_inner())
}

/// Makes room for a new connection if there is none (closing the oldest idle one); its id,
/// handles and whether one was closed, or `None` if every open connection is busy.
fn admit(table: &Mutex<Table>, most: usize) -> Option<(u64, Arc<AtomicUsize>, Arc<Notify>, bool)> {
    let mut t = lock(table);
    let evicted = t.open.len() >= most;
    if evicted {
        let idle = t
            .open
            .iter()
            .find(|(_, o)| o.busy.load(Ordering::SeqCst) == 0)
            .map(|(&id, _)| id)?;
        if let Some(o) = t.open.remove(&idle) {
            o.close.notify_one();
        }
    }
    let id = t.next;
    t.next += 1;
    let (busy, close) = (Arc::new(AtomicUsize::new(0)), Arc::new(Notify::new()));
    t.open.insert(
        id,
        Open {
            busy: Arc::clone(&busy),
            close: Arc::clone(&close),
        },
    );
    Some((id, busy, close, evicted))
}

/// [`MAX_CONNECTIONS`], or fewer under a lower limit of open files (at least 8).
pub fn most_connections() -> usize {
    #[cfg(unix)]
    if let Some(files) = rustix::process::getrlimit(rustix::process::Resource::Nofile).current {
        let files = usize::try_from(files).unwrap_or(usize::MAX);
        return files.saturating_sub(64).clamp(8, MAX_CONNECTIONS);
    }
    MAX_CONNECTIONS
}

/// Serves one connection until it ends, times out or is closed.
async fn connection(
    stream: tokio::net::TcpStream,
    router: Router,
    peer: Peer,
    busy: Arc<AtomicUsize>,
    close: &Notify,
) {
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let mut request: Request = request.map(Body::new);
        request.extensions_mut().insert(peer.clone());
        let working = Busy::new(&busy);
        let router = router.clone();
        async move {
            let Ok(response) = router.oneshot(request).await;
            // Busy until hyper has taken the whole answer (a live view's stream never ends;
            // a whole body is taken at once, and then [`WRITE_TIMEOUT`] bounds its sending).
            Ok::<_, Infallible>(response.map(|body| {
                Body::new(Sending {
                    body,
                    _busy: working,
                })
            }))
        }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .max_buf_size(MAX_BUFFER)
        .half_close(true)
        .serve_connection(TokioIo::new(WriteTimeout::new(stream)), service);
    let closed = close.notified();
    // Either ends it; dropping the other closes the socket. `closed` is polled first, so a
    // connection closed before its task first ran starts no request.
    futures_util::future::select(std::pin::pin!(closed), std::pin::pin!(conn)).await;
}

/// Counts a request in progress on its connection while it lives.
struct Busy(Arc<AtomicUsize>);

impl Busy {
    fn new(count: &Arc<AtomicUsize>) -> Busy {
        count.fetch_add(1, Ordering::SeqCst);
        Busy(Arc::clone(count))
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// An answer's body, keeping its connection busy until it has been sent or dropped.
struct Sending {
    body: Body,
    _busy: Busy,
}

impl http_body::Body for Sending {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// A socket whose writing fails with `TimedOut` once it has made no progress for
/// [`WRITE_TIMEOUT`]: a client that stops reading cannot hold its answer, and its place, for
/// ever.
struct WriteTimeout {
    socket: tokio::net::TcpStream,
    /// Running since the first write that could not proceed.
    stalled: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl WriteTimeout {
    fn new(socket: tokio::net::TcpStream) -> WriteTimeout {
        WriteTimeout {
            socket,
            stalled: None,
        }
    }

    /// What a write that made progress, or could not, returns.
    fn progress<T>(
        &mut self,
        cx: &mut Context<'_>,
        result: Poll<std::io::Result<T>>,
    ) -> Poll<std::io::Result<T>> {
        if result.is_ready() {
            self.stalled = None;
            return result;
        }
        let stalled = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(WRITE_TIMEOUT)));
        match stalled.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the client stopped reading",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl tokio::io::AsyncRead for WriteTimeout {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.socket).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for WriteTimeout {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let result = Pin::new(&mut self.socket).poll_write(cx, buf);
        self.progress(cx, result)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let result = Pin::new(&mut self.socket).poll_write_vectored(cx, bufs);
        self.progress(cx, result)
    }

    fn is_write_vectored(&self) -> bool {
        self.socket.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let result = Pin::new(&mut self.socket).poll_flush(cx);
        self.progress(cx, result)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let result = Pin::new(&mut self.socket).poll_shutdown(cx);
        self.progress(cx, result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_busy_answer_is_a_whole_http_response_with_its_length() {
        let text = std::str::from_utf8(BUSY).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 503 "));
        assert!(head.contains(&format!("Content-Length: {}\r\n", body.len())));
        assert!(serde_json::from_str::<serde_json::Value>(body).unwrap()["error"].is_string());
    }
}
