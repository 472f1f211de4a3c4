//! Large answers (`/api/weights`, `/api/backquery`: up to 2 MB of JSON): at most
//! [`MAX_LARGE_ANSWERS`] being made or sent at once (503 beyond), each handed to the
//! connection 64 KiB at a time as it drains.
//!
//! hyper takes a whole body at once and holds it until the client has read it, so without a
//! bound 256 connections that ask and never read would hold 256 answers. A [`Paced`] body keeps
//! its place until the last byte has left (or the connection is closed: a client that stops
//! reading is closed after [`super::WRITE_TIMEOUT`]).

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use hyper::body::{Frame, SizeHint};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::server::error;

/// Most large answers being made or sent at once.
pub const MAX_LARGE_ANSWERS: usize = 8;

/// Bytes handed to the connection at a time.
const SLICE: usize = 64 << 10;

/// The places of the large answers.
#[derive(Clone)]
pub struct LargeAnswers(Arc<Semaphore>);

impl Default for LargeAnswers {
    fn default() -> LargeAnswers {
        LargeAnswers(Arc::new(Semaphore::new(MAX_LARGE_ANSWERS)))
    }
}

impl LargeAnswers {
    /// Makes the JSON answer `make` on the blocking pool, in one of the places (503 when
    /// there is none), and sends it paced.
    pub async fn json(&self, make: impl FnOnce() -> String + Send + 'static) -> Response {
        let Ok(place) = Arc::clone(&self.0).try_acquire_owned() else {
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "the server is sending {MAX_LARGE_ANSWERS} large answers already: try again \
                     in a moment"
                ),
            );
        };
        match tokio::task::spawn_blocking(make).await {
            Ok(json) => (
                [(header::CONTENT_TYPE, "application/json")],
                Body::new(Paced {
                    bytes: Bytes::from(json),
                    sent: 0,
                    _place: place,
                }),
            )
                .into_response(),
            Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "the request failed"),
        }
    }
}

/// A body given out [`SLICE`] bytes at a time, holding its place until dropped.
struct Paced {
    bytes: Bytes,
    sent: usize,
    _place: OwnedSemaphorePermit,
}

impl http_body::Body for Paced {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let (from, len) = (self.sent, self.bytes.len());
        if from == len {
            return Poll::Ready(None);
        }
        let to = (from + SLICE).min(len);
        self.sent = to;
        Poll::Ready(Some(Ok(Frame::data(self.bytes.slice(from..to)))))
    }

    fn is_end_stream(&self) -> bool {
        self.sent == self.bytes.len()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact((self.bytes.len() - self.sent) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_run_out_and_come_back_once_an_answer_has_gone() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let large = LargeAnswers::default();
            let mut held = Vec::new();
            for _ in 0..MAX_LARGE_ANSWERS {
                let answer = large.json(|| "7".repeat(200_000)).await;
                assert_eq!(answer.status(), StatusCode::OK);
                held.push(answer);
            }
            assert_eq!(
                large.json(String::new).await.status(),
                StatusCode::SERVICE_UNAVAILABLE
            );
            // Sent in slices of at most SLICE bytes, all of it, with its length known.
            let mut body = held.pop().unwrap().into_body();
            assert_eq!(http_body::Body::size_hint(&body).exact(), Some(200_000));
            let mut sizes = Vec::new();
            while let Some(frame) =
                std::future::poll_fn(|cx| http_body::Body::poll_frame(Pin::new(&mut body), cx))
                    .await
            {
                sizes.push(frame.unwrap().into_data().unwrap().len());
            }
            assert_eq!(sizes, [SLICE, SLICE, SLICE, 200_000 - 3 * SLICE]);
            drop(body);
            assert_eq!(large.json(|| "{}".into()).await.status(), StatusCode::OK);
        });
    }
}
