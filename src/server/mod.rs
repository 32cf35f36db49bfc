//! Everything that runs only on the server: settings, database, router, services.

pub mod cart_session;
pub mod config;
pub mod db;
pub mod entities;
pub mod health;
pub mod http;
pub mod images;
pub mod jobs;
pub mod page_cache;
pub mod sandbox;
pub mod seed;
pub mod seo;
pub mod services;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod webhooks;

use crate::error::AppError;
use state::AppState;

/// Lower-case hex of some bytes (digests, signatures).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The app state inside a server function or a server-rendered component.
pub fn app_state() -> Result<AppState, AppError> {
    leptos::prelude::use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the Leptos context");
        AppError::Internal
    })
}

/// Passes a service result through, setting the response status of an error (404, 422...) so that
/// server-rendered pages and server functions answer with the right code.
pub fn with_status<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(err) = &result
        && !from_html_form()
        && let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
    {
        response.set_status(err.status_code());
    }
    result
}

/// Whether this is a server function posted by a plain HTML form (no JavaScript): Leptos answers it
/// with a redirect back to the page, the error in its URL, which a 4xx status would stop browsers from
/// following.
fn from_html_form() -> bool {
    leptos::prelude::use_context::<axum::http::request::Parts>().is_some_and(|parts| {
        let accepts_html = parts
            .headers
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"));
        parts.uri.path().starts_with("/api/") && accepts_html
    })
}
