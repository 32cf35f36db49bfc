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
pub mod stock_feed;
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
