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
pub mod seed;
pub mod seo;
pub mod services;
pub mod startup;
pub mod state;
pub mod telemetry;

use crate::error::AppError;
use state::AppState;

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
        && let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
    {
        response.set_status(err.status_code());
    }
    result
}
