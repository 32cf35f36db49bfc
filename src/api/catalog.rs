use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::error::AppError;
use crate::model::catalog::{Listing, ListingQuery};
use crate::model::product::ProductDetail;

/// A page of products: `category_in_path` for /c/{slug} pages, where an unknown category is a 404.
#[server(prefix = "/api", endpoint = "products", input = Json)]
pub async fn list_products(query: ListingQuery, category_in_path: bool) -> Result<Listing, AppError> {
    let state = crate::server::app_state()?;
    let result = crate::server::services::listing::list_products(&state.db, query, category_in_path).await;
    crate::server::with_status(result)
}

#[server(prefix = "/api", endpoint = "product")]
pub async fn get_product(slug: String) -> Result<ProductDetail, AppError> {
    let state = crate::server::app_state()?;
    crate::server::with_status(crate::server::services::product::product_detail(&state.db, &slug).await)
}
