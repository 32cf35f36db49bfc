//! Logs on stderr, filtered by RUST_LOG (default: info for the store): one JSON object a line in
//! production, readable lines in development (`STORE_LOG_FORMAT=json|text` chooses either way). Every
//! line written while a request is answered carries its request id (the `request` span), which the
//! response also carries in `X-Request-Id`.

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing_subscriber::EnvFilter;

use super::state::AppState;

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,tower_http=info"));
    let json = match std::env::var("STORE_LOG_FORMAT").ok().as_deref().map(str::trim) {
        Some("json") => true,
        Some("text") => false,
        // The store is in production unless development is chosen (see `config::run_mode`).
        _ => std::env::var("STORE_ENV").ok().as_deref().map(str::trim) != Some("development"),
    };
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // A second init (tests start many apps in one process) keeps the first subscriber.
    let _ =
        if json { builder.json().flatten_event(true).with_current_span(true).try_init() } else { builder.try_init() };
}

/// The id of the request being answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

impl RequestId {
    /// An id a trusted proxy sent: 1 to 128 letters, digits, dots, dashes or underscores.
    fn parse(value: &str) -> Option<RequestId> {
        let fine = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.');
        (!value.is_empty() && value.len() <= 128 && value.bytes().all(fine)).then(|| RequestId(value.to_owned()))
    }

    fn new() -> RequestId {
        RequestId(format!("{:032x}", rand::random::<u128>()))
    }
}

/// Gives every request its id: the trusted proxy's `X-Request-Id` (`STORE_TRUST_REQUEST_ID`), else a
/// new one; answered in the response's `X-Request-Id`.
pub async fn request_id(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let given = state
        .settings
        .trust_request_id
        .then(|| request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).and_then(RequestId::parse))
        .flatten();
    let id = given.unwrap_or_else(RequestId::new);
    let header = HeaderValue::from_str(&id.0).ok();
    request.extensions_mut().insert(id);
    let mut response = next.run(request).await;
    if let Some(header) = header {
        response.headers_mut().insert("x-request-id", header);
    }
    response
}

/// The span every log line of a request is written in: its id, method and path (never the query: it
/// may hold tokens).
pub fn request_span<B>(request: &axum::http::Request<B>) -> tracing::Span {
    let id = request.extensions().get::<RequestId>().map_or("", |id| id.0.as_str());
    tracing::info_span!("request", request_id = %id, method = %request.method(), path = %request.uri().path())
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM. The handlers are installed when this is called, not when
/// the future is first polled: a signal that arrives right after start still stops the server cleanly.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    use tokio::signal::unix::{SignalKind, signal};
    let interrupt = signal(SignalKind::interrupt()).ok();
    let terminate = signal(SignalKind::terminate()).ok();
    async move {
        let wait = |s: Option<tokio::signal::unix::Signal>| async move {
            match s {
                Some(mut s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            () = wait(interrupt) => {},
            () = wait(terminate) => {},
        }
        tracing::info!("shutting down: finishing requests in flight");
    }
}
