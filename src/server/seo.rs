//! /sitemap.xml and /robots.txt for search engines.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::entities::{category, product};
use super::state::AppState;
use crate::error::AppError;

/// A sitemap file holds at most 50,000 URLs.
const SITEMAP_LIMIT: u64 = 50_000;

/// Every active product and every category, with absolute URLs and the product's last change.
pub async fn sitemap(State(state): State<AppState>) -> Result<Response, AppError> {
    let base = &state.settings.public_url;
    let categories: Vec<String> = category::Entity::find()
        .select_only()
        .column(category::Column::Slug)
        .order_by_asc(category::Column::Position)
        .into_tuple()
        .all(&state.db)
        .await?;
    let products: Vec<(String, chrono::DateTime<chrono::Utc>)> = product::Entity::find()
        .select_only()
        .columns([product::Column::Slug, product::Column::UpdatedAt])
        .filter(product::Column::Status.eq("active"))
        .order_by_asc(product::Column::Id)
        .limit(SITEMAP_LIMIT - categories.len() as u64 - 2)
        .into_tuple()
        .all(&state.db)
        .await?;
    let mut xml = String::with_capacity(128 + products.len() * 120);
    xml.push_str(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for path in ["/".to_owned(), "/products".to_owned()].into_iter().chain(categories.iter().map(|c| format!("/c/{c}")))
    {
        xml.push_str(&format!("<url><loc>{}</loc></url>\n", escape(&format!("{base}{path}"))));
    }
    for (slug, updated) in &products {
        xml.push_str(&format!(
            "<url><loc>{}</loc><lastmod>{}</lastmod></url>\n",
            escape(&format!("{base}/p/{slug}")),
            updated.format("%Y-%m-%d")
        ));
    }
    xml.push_str("</urlset>\n");
    let mut response = xml.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/xml; charset=utf-8"));
    Ok(response)
}

pub async fn robots(State(state): State<AppState>) -> String {
    format!(
        "User-agent: *\nAllow: /\nDisallow: /api/\nDisallow: /search\n\nSitemap: {}/sitemap.xml\n",
        state.settings.public_url
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}
