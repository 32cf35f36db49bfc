use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// What the page frame (header, footer) shows on every page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShellInfo {
    pub store_name: String,
    /// Absolute base of the store's URLs (canonical links, OpenGraph, JSON-LD), without a trailing slash.
    pub public_url: String,
}

#[server(prefix = "/api", endpoint = "shell")]
pub async fn get_shell_info() -> Result<ShellInfo, AppError> {
    // No await before the answer: the value is ready while the page's <head> is rendered, so every
    // title carries the store name.
    let state = crate::server::app_state()?;
    Ok(ShellInfo { store_name: state.settings.store_name.clone(), public_url: state.settings.public_url.clone() })
}

/// (slug, name) of the top-level categories, in navigation order.
#[server(prefix = "/api", endpoint = "navigation")]
pub async fn get_navigation() -> Result<Vec<(String, String)>, AppError> {
    let state = crate::server::app_state()?;
    let snapshot = state.catalog.snapshot();
    Ok(snapshot.top_categories().map(|c| (c.slug.clone(), c.name.clone())).collect())
}
