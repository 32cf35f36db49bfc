//! Everything that runs only on the server: settings, database, router, services.

pub mod account_session;
pub mod admin;
pub mod cart_session;
pub mod config;
pub mod cookies;
pub mod db;
pub mod entities;
pub mod health;
pub mod http;
pub mod images;
pub mod jobs;
pub mod metrics;
pub mod page_cache;
pub mod rate_limit;
pub mod sandbox;
pub mod seed;
pub mod seo;
pub mod serve;
pub mod services;
pub mod startup;
pub mod state;
pub mod stock_feed;
pub mod telemetry;
pub mod webhooks;

use crate::error::AppError;
use state::AppState;

/// Text made safe inside HTML or XML written by hand (the sitemap, the payment sandbox's page).
pub fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

/// The app state inside a server function or a server-rendered component.
pub fn app_state() -> Result<AppState, AppError> {
    leptos::prelude::use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the Leptos context");
        AppError::Internal
    })
}
