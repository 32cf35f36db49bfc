//! What every request handler and server function can reach. Travels in the router, never in a global.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;

use super::config::Settings;
use super::page_cache::PageCache;
use super::rate_limit::RateLimits;
use super::services::payments::Payments;
use super::services::read_model::ReadModel;

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    /// The catalog in memory for listings, facets, search and the home page.
    pub catalog: ReadModel,
    /// Rendered pages for anonymous visitors, per catalog snapshot.
    pub page_cache: PageCache,
    /// The payment provider and what mails say about the shop.
    pub payments: Payments,
    /// Per-client quotas on payments, promo codes, new carts and orders.
    pub rate_limits: RateLimits,
}

impl AppState {
    /// The shop as mails name it (its name and public URL).
    pub fn shop(&self) -> &super::services::mail::Shop {
        &self.payments.shop
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
