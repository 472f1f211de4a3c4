//! The HTTP server: axum on a one-thread tokio runtime of its own, beside the trainer.
//!
//! The trainer never waits for it: it reads snapshots from a `watch` channel. Picture decoding
//! and teaching run on tokio's blocking pool so that a large photo does not hold up the live
//! view of other browsers.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Extension, Request, State};
use axum::http::{header, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use tokio::sync::oneshot;

use super::answer::LargeAnswers;
use super::assets;
use super::body::{Bodies, MAX_BODY};
use super::connections::{self, Peer};
use super::hub::Feed;
use super::origin::{self, Hosts};
use super::served::{Served, ServedError};
use super::WebError;

/// Most browsers following `/api/events` at once. Each costs a few kilobytes. When all are
/// taken, a new one closes the oldest stream of the address holding the most (a browser's
/// live view reconnects by itself): clients that never read cannot keep everyone else out.
pub const MAX_EVENT_CLIENTS: usize = 64;
/// Most hidden nodes `/api/weights` sends.
pub const MAX_TILES: usize = 400;

struct App {
    feed: Feed,
    served: Option<Arc<Served>>,
    large: LargeAnswers,
    followers: Mutex<Vec<Following>>,
    next_follower: AtomicU64,
}

/// A browser following `/api/events`.
struct Following {
    id: u64,
    peer: Peer,
}

impl App {
    fn followers(&self) -> MutexGuard<'_, Vec<Following>> {
        self.followers.lock().unwrap_or_else(|e| e.into_inner())
    }
}

type Shared = State<Arc<App>>;

/// A running server; [`Server::stop`] ends it, dropping it leaves it running until the
/// program ends.
pub struct Server {
    addr: SocketAddr,
    app: Arc<App>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Listens on `addr` (the port 0 picks a free one) and serves the page, the snapshots of
    /// `feed`, and, with `served`, the drawing page's API, to requests that name this machine
    /// (see [`Hosts`]).
    pub fn start(
        addr: SocketAddr,
        feed: Feed,
        served: Option<Arc<Served>>,
    ) -> Result<Server, WebError> {
        Server::start_for(addr, feed, served, Hosts::this_machine(&[]))
    }

    /// As [`Server::start`], answering to the names in `hosts`.
    pub fn start_for(
        addr: SocketAddr,
        feed: Feed,
        served: Option<Arc<Served>>,
        hosts: Hosts,
    ) -> Result<Server, WebError> {
        let listener = std::net::TcpListener::bind(addr).map_err(|e| WebError::Bind(addr, e))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| WebError::Bind(addr, e))?;
        let addr = listener.local_addr().map_err(|e| WebError::Bind(addr, e))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            // Decoding photos and teaching: one or two at a time is plenty on a Pi.
            .max_blocking_threads(2)
            .build()
            .map_err(WebError::Runtime)?;
        let app = Arc::new(App {
            feed,
            served,
            large: LargeAnswers::default(),
            followers: Mutex::new(Vec::new()),
            next_follower: AtomicU64::new(0),
        });
        let (stop, stopped) = oneshot::channel::<()>();
        let ours = Arc::clone(&app);
        let thread = std::thread::Builder::new()
            .name("nnzero-web".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                        return;
                    };
                    let serve = std::pin::pin!(connections::serve(listener, router(app, hosts)));
                    // Either the server fails (it does not, short of the runtime dying) or
                    // `stop` is called (or the Server dropped without it: then serve on).
                    let stopped = async move {
                        if stopped.await.is_err() {
                            std::future::pending::<()>().await;
                        }
                    };
                    futures_util::future::select(serve, std::pin::pin!(stopped)).await;
                });
            })
            .map_err(WebError::Runtime)?;
        Ok(Server {
            addr,
            app: ours,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Browsers following `/api/events` right now.
    pub fn followers(&self) -> usize {
        self.app.followers().len()
    }

    /// Waits (up to `timeout`) until every event stream has ended, as they do once the
    /// [`Hub`](super::Hub) is dropped and they have sent its last snapshot: so the end of a
    /// run reaches the browsers before the program exits.
    pub fn drain(&self, timeout: Duration) {
        let until = std::time::Instant::now() + timeout;
        while self.followers() > 0 && std::time::Instant::now() < until {
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Stops serving: open connections are closed.
    pub fn stop(mut self) {
        self.halt();
    }

    /// Serves until the program ends (for `nnzero serve`).
    pub fn wait(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    fn halt(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Leave it running: `train --web` keeps the last state on view until the program ends.
        if let Some(s) = self.stop.take() {
            std::mem::forget(s);
        }
    }
}

fn router(app: Arc<App>, hosts: Hosts) -> Router {
    Router::new()
        .route("/api/state", get(state))
        .route("/api/events", get(events))
        .route("/api/predict", post(predict))
        .route("/api/teach", post(teach))
        .route("/api/save", post(save))
        .route("/api/backquery", get(backquery))
        .route("/api/weights", get(weights))
        .fallback(asset)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(
            Bodies::default(),
            super::body::read,
        ))
        .layer(axum::middleware::from_fn_with_state(hosts, origin::check))
        .layer(axum::middleware::from_fn(json_errors))
        .with_state(app)
}

/// Most bytes of a plain-text error body kept as the JSON error's message.
const MAX_ERROR_TEXT: usize = 4096;

/// Every error answered as `{"error": "…"}`, including those axum writes itself: a body over
/// [`MAX_BODY`] (413, plain text) and a wrong method (405, empty). Our own are JSON already.
async fn json_errors(request: Request, next: Next) -> Response {
    let (method, path) = (request.method().clone(), request.uri().path().to_owned());
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let message = match status {
        StatusCode::PAYLOAD_TOO_LARGE => format!(
            "the request body is over the limit of {} MiB",
            MAX_BODY >> 20
        ),
        // axum adds the `Allow` header after this layer has run, so it cannot be quoted here.
        StatusCode::METHOD_NOT_ALLOWED => {
            format!("{method} {path}: method not allowed (the Allow header lists those that are)")
        }
        _ => {
            let text = axum::body::to_bytes(body, MAX_ERROR_TEXT)
                .await
                .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
                .unwrap_or_default();
            if text.is_empty() {
                status.canonical_reason().unwrap_or("error").to_lowercase()
            } else {
                text
            }
        }
    };
    let body = json!({ "error": message }).to_string();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, axum::body::Body::from(body))
}

/// An error answer: `status` with `{"error": message}`.
pub(super) fn error(status: StatusCode, message: impl std::fmt::Display) -> Response {
    (
        status,
        json_body(json!({ "error": message.to_string() }).to_string()),
    )
        .into_response()
}

fn json_body(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Only the compiled-in files, by exact path: `/../etc/passwd` is just a path that is not one.
async fn asset(uri: Uri) -> Response {
    match assets::find(uri.path()) {
        Some(a) => (
            [
                (header::CONTENT_TYPE, a.content_type),
                (header::CACHE_CONTROL, "no-cache"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            a.body,
        )
            .into_response(),
        None => error(StatusCode::NOT_FOUND, "not found"),
    }
}

async fn state(State(app): Shared) -> Response {
    let json = app.feed.borrow().clone();
    json_body(json.to_string())
}

/// Holds a place among the followers of `/api/events` for as long as its stream lives.
struct Follower(Arc<App>, u64);

impl Drop for Follower {
    fn drop(&mut self) {
        self.0.followers().retain(|f| f.id != self.1);
    }
}

/// Makes room for one more follower if all places are taken: closes the oldest stream of the
/// address that holds the most.
fn make_room(followers: &mut Vec<Following>) {
    if followers.len() < MAX_EVENT_CLIENTS {
        return;
    }
    let mut held = std::collections::HashMap::new();
    for f in followers.iter() {
        *held.entry(f.peer.addr.ip()).or_insert(0usize) += 1;
    }
    let Some(most) = held.iter().max_by_key(|(_, &n)| n).map(|(&ip, _)| ip) else {
        return;
    };
    if let Some(i) = followers.iter().position(|f| f.peer.addr.ip() == most) {
        followers.remove(i).peer.close();
    }
}

async fn events(State(app): Shared, Extension(peer): Extension<Peer>) -> Response {
    let id = app.next_follower.fetch_add(1, Ordering::Relaxed);
    {
        let mut followers = app.followers();
        make_room(&mut followers);
        followers.push(Following { id, peer });
    }
    let follower = Follower(Arc::clone(&app), id);
    let feed = app.feed.clone();
    // The current snapshot at once, then each new one; a browser that reads slowly skips to
    // the latest (the channel holds one value), so nothing queues up for it.
    let stream = futures_util::stream::unfold(
        (feed, follower, true),
        |(mut feed, follower, first)| async move {
            if !first && feed.changed().await.is_err() {
                return None;
            }
            let json = feed.borrow_and_update().clone();
            let event = Event::default().data(&*json);
            Some((Ok::<_, Infallible>(event), (feed, follower, false)))
        },
    );
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

/// The answer to the model's endpoints under `train --web`, which serves no model.
fn no_model() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "no model is served here (this is `train --web`; try `nnzero serve`)",
    )
}

fn answer(result: Result<Value, ServedError>) -> Response {
    match result {
        Ok(v) => json_body(v.to_string()),
        Err(e) => {
            let status = match e {
                ServedError::Save(..) => StatusCode::INTERNAL_SERVER_ERROR,
                ServedError::NotMnist(_) => StatusCode::CONFLICT,
                ServedError::Label(_) => StatusCode::BAD_REQUEST,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            error(status, e)
        }
    }
}

/// Runs `work` on the blocking pool: decoding a photo takes a Pi Zero a second.
async fn blocking(work: impl FnOnce() -> Response + Send + 'static) -> Response {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|_| error(StatusCode::INTERNAL_SERVER_ERROR, "the request failed"))
}

async fn predict(State(app): Shared, body: Bytes) -> Response {
    let Some(served) = app.served.clone() else {
        return no_model();
    };
    if body.is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "send a PNG or JPEG as the request body",
        );
    }
    blocking(move || answer(served.predict(&body))).await
}

/// The value of `name` in a query string, if there.
fn param<'a>(query: Option<&'a str>, name: &str) -> Option<&'a str> {
    query?
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

async fn teach(State(app): Shared, uri: Uri, body: Bytes) -> Response {
    let Some(served) = app.served.clone() else {
        return no_model();
    };
    if !served.can_teach() {
        return error(
            StatusCode::FORBIDDEN,
            "teaching is off: start the server with `nnzero serve --teach`",
        );
    }
    let Some(label) = param(uri.query(), "label").and_then(|v| v.parse::<usize>().ok()) else {
        return error(
            StatusCode::BAD_REQUEST,
            "say which digit it was: /api/teach?label=N",
        );
    };
    let repeat = match param(uri.query(), "repeat").map(str::parse::<u32>) {
        None => 1,
        Some(Ok(n)) if (1..=super::served::MAX_REPEAT).contains(&n) => n,
        Some(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("repeat must be 1 to {}", super::served::MAX_REPEAT),
            )
        }
    };
    if body.is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "send the PNG or JPEG as the request body",
        );
    }
    blocking(move || answer(served.teach(&body, label, repeat))).await
}

async fn save(State(app): Shared) -> Response {
    let Some(served) = app.served.clone() else {
        return no_model();
    };
    if !served.can_save() {
        return error(
            StatusCode::FORBIDDEN,
            "saving is off: start the server with `nnzero serve --teach --save FILE`",
        );
    }
    blocking(move || answer(served.save())).await
}

async fn backquery(State(app): Shared) -> Response {
    match app.served.clone() {
        Some(s) => app.large.json(move || s.backquery().to_string()).await,
        None => no_model(),
    }
}

async fn weights(State(app): Shared, uri: Uri) -> Response {
    let Some(served) = app.served.clone() else {
        return no_model();
    };
    let count = match param(uri.query(), "count").map(str::parse::<usize>) {
        None => 64,
        Some(Ok(n)) if (1..=MAX_TILES).contains(&n) => n,
        Some(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("count must be 1 to {MAX_TILES}"),
            )
        }
    };
    app.large
        .json(move || served.weights(count).to_string())
        .await
}
