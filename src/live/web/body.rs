//! Request bodies: how many are read at once, how big, and how slowly they may arrive.
//!
//! A body is the one thing a client can make the server hold in memory, so at most
//! [`MAX_BODIES`] are read or worked on at once, at most [`MAX_BODIES_PER_CLIENT`] of them from
//! one address (503 beyond, before a byte of it is read: a few slow uploads from one machine
//! cannot keep everyone else's pictures out), each
//! at most [`MAX_BODY`] (413, refused on its `Content-Length` before reading when it says), and
//! each must keep coming: nothing for [`BODY_IDLE`], or not all of it within [`BODY_TOTAL`],
//! is a 408. So bodies never hold more than `MAX_BODIES × MAX_BODY` (40 MiB).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use futures_util::StreamExt;
use tokio::sync::Semaphore;
use tokio::time::Instant;

use super::connections::Peer;
use super::server::error;

/// Largest request body accepted: a 12-megapixel phone JPEG is 3–6 MB.
pub const MAX_BODY: usize = 10 << 20;
/// Most request bodies read or worked on at once (a Pi decodes one or two photos at a time).
pub const MAX_BODIES: usize = 4;
/// Most of them from one address.
pub const MAX_BODIES_PER_CLIENT: usize = 2;
/// Longest wait for the next part of a body.
pub const BODY_IDLE: Duration = Duration::from_secs(10);
/// Longest a whole body may take: 10 MiB at 1.4 Mbit/s, a weak phone signal.
pub const BODY_TOTAL: Duration = Duration::from_secs(60);

/// The bodies being read or worked on now, and how many of them each address sends.
#[derive(Clone)]
pub struct Bodies {
    places: Arc<Semaphore>,
    by_client: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl Default for Bodies {
    fn default() -> Bodies {
        Bodies {
            places: Arc::new(Semaphore::new(MAX_BODIES)),
            by_client: Arc::default(),
        }
    }
}

/// One of a client's places, given back when dropped.
struct ClientPlace(Arc<Mutex<HashMap<IpAddr, usize>>>, IpAddr);

impl ClientPlace {
    fn take(bodies: &Bodies, ip: IpAddr) -> Option<ClientPlace> {
        let mut held = bodies.by_client.lock().unwrap_or_else(|e| e.into_inner());
        let n = held.entry(ip).or_insert(0);
        if *n >= MAX_BODIES_PER_CLIENT {
            return None;
        }
        *n += 1;
        Some(ClientPlace(Arc::clone(&bodies.by_client), ip))
    }
}

impl Drop for ClientPlace {
    fn drop(&mut self) {
        let mut held = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = held.get_mut(&self.1) {
            *n -= 1;
            if *n == 0 {
                held.remove(&self.1);
            }
        }
    }
}

/// Reads a request's body whole, within the limits above, before the handler sees it; holds
/// its place among the [`MAX_BODIES`] until the answer is ready.
pub async fn read(State(bodies): State<Bodies>, request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let chunked = request.headers().contains_key(header::TRANSFER_ENCODING);
    if declared.unwrap_or(0) == 0 && !chunked {
        return next.run(request).await;
    }
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return too_large();
    }
    let ip = request
        .extensions()
        .get::<Peer>()
        .map_or(IpAddr::from([0, 0, 0, 0]), |p| p.addr.ip());
    let Some(_yours) = ClientPlace::take(&bodies, ip) else {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "this machine is sending {MAX_BODIES_PER_CLIENT} pictures already: try again \
                 once they are answered"
            ),
        );
    };
    let Ok(_place) = Arc::clone(&bodies.places).try_acquire_owned() else {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("the server is reading {MAX_BODIES} pictures already: try again in a moment"),
        );
    };
    let (parts, body) = request.into_parts();
    let mut bytes = Vec::with_capacity(declared.unwrap_or(0) as usize);
    let mut stream = body.into_data_stream();
    let until = Instant::now() + BODY_TOTAL;
    loop {
        let wait = BODY_IDLE.min(until.saturating_duration_since(Instant::now()));
        match tokio::time::timeout(wait, stream.next()).await {
            Err(_) => {
                return error(
                    StatusCode::REQUEST_TIMEOUT,
                    format!(
                        "the request body stopped arriving ({} of it in {} s)",
                        bytes.len(),
                        (BODY_TOTAL - until.saturating_duration_since(Instant::now())).as_secs()
                    ),
                )
            }
            Ok(None) => break,
            Ok(Some(Err(e))) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    format!("the request body could not be read: {e}"),
                )
            }
            Ok(Some(Ok(chunk))) => {
                if bytes.len() + chunk.len() > MAX_BODY {
                    return too_large();
                }
                bytes.extend_from_slice(&chunk);
            }
        }
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn too_large() -> Response {
    error(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "the request body is over the limit of {} MiB",
            MAX_BODY >> 20
        ),
    )
}
