use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::error::AppError;
use crate::model::catalog::{HomeContent, Listing, ListingQuery, SearchSuggestion};
use crate::model::product::ProductDetail;

/// A page of products: `category_in_path` for /c/{slug} pages, where an unknown category is a 404.
#[server(prefix = "/api", endpoint = "products", input = Json)]
pub async fn list_products(query: ListingQuery, category_in_path: bool) -> Result<Listing, AppError> {
    let state = crate::server::app_state()?;
    let snapshot = state.catalog.snapshot();
    crate::server::services::listing::list_products(&snapshot, query, category_in_path)
}

#[server(prefix = "/api", endpoint = "product")]
pub async fn get_product(slug: String) -> Result<ProductDetail, AppError> {
    let state = crate::server::app_state()?;
    crate::server::services::product::product_detail(&state.db, &slug).await
}

#[server(prefix = "/api", endpoint = "home")]
pub async fn get_home() -> Result<HomeContent, AppError> {
    let state = crate::server::app_state()?;
    Ok(crate::server::services::home::home(&state.catalog.snapshot()))
}

/// Up to six products for the header's search box, best match first. Typos are forgiven.
#[server(prefix = "/api", endpoint = "suggest")]
pub async fn search_suggestions(q: String) -> Result<Vec<SearchSuggestion>, AppError> {
    let state = crate::server::app_state()?;
    Ok(crate::server::services::search::suggestions(&state.catalog.snapshot(), &q))
}
