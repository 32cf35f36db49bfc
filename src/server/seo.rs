//! /sitemap.xml and /robots.txt for search engines. Past 50,000 URLs the sitemap becomes an index of
//! sitemap files (/sitemaps/pages.xml, /sitemaps/products-1.xml, …), as the protocol requires.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::escape_html as escape;
use super::state::AppState;
use crate::error::AppError;

/// A sitemap file holds at most 50,000 URLs.
pub const SITEMAP_LIMIT: usize = 50_000;

/// What the sitemap lists: category slugs, and active products' slugs with their last change (ms).
pub struct SitemapData {
    pub base: String,
    pub categories: Vec<String>,
    pub products: Vec<(String, i64)>,
}

impl SitemapData {
    fn from_state(state: &AppState) -> SitemapData {
        let snapshot = state.catalog.snapshot();
        SitemapData {
            base: state.settings.public_url.clone(),
            categories: snapshot.categories.iter().map(|c| c.slug.clone()).collect(),
            products: snapshot.products.iter().map(|p| (p.slug.clone(), p.updated_at)).collect(),
        }
    }

    fn pages(&self) -> Vec<String> {
        ["/".to_owned(), "/products".to_owned()]
            .into_iter()
            .chain(self.categories.iter().map(|c| format!("/c/{c}")))
            .collect()
    }

    /// /sitemap.xml: every URL when they fit in one file, else the index of the files.
    pub fn root(&self, limit: usize) -> String {
        let pages = self.pages();
        if pages.len() + self.products.len() <= limit {
            return urlset(&self.base, &pages, &self.products);
        }
        let mut xml = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
        );
        let files = std::iter::once("pages.xml".to_owned())
            .chain((1..=self.products.len().div_ceil(limit)).map(|n| format!("products-{n}.xml")));
        for file in files {
            xml.push_str(&format!(
                "<sitemap><loc>{}</loc></sitemap>\n",
                escape(&format!("{}/sitemaps/{file}", self.base))
            ));
        }
        xml.push_str("</sitemapindex>\n");
        xml
    }

    /// One file of the index: `pages.xml` or `products-N.xml` (1-based); None when there is no such file.
    pub fn file(&self, name: &str, limit: usize) -> Option<String> {
        if name == "pages.xml" {
            return Some(urlset(&self.base, &self.pages(), &[]));
        }
        let n: usize = name.strip_prefix("products-")?.strip_suffix(".xml")?.parse().ok()?;
        let chunk = self.products.chunks(limit).nth(n.checked_sub(1)?)?;
        Some(urlset(&self.base, &[], chunk))
    }
}

fn urlset(base: &str, pages: &[String], products: &[(String, i64)]) -> String {
    let mut xml = String::with_capacity(128 + (pages.len() + products.len()) * 120);
    xml.push_str(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for path in pages {
        xml.push_str(&format!("<url><loc>{}</loc></url>\n", escape(&format!("{base}{path}"))));
    }
    for (slug, updated) in products {
        let lastmod = chrono::DateTime::from_timestamp_millis(*updated).unwrap_or_default().format("%Y-%m-%d");
        xml.push_str(&format!(
            "<url><loc>{}</loc><lastmod>{lastmod}</lastmod></url>\n",
            escape(&format!("{base}/p/{slug}"))
        ));
    }
    xml.push_str("</urlset>\n");
    xml
}

fn xml_response(xml: String) -> Response {
    let mut response = xml.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/xml; charset=utf-8"));
    response
}

pub async fn sitemap(State(state): State<AppState>) -> Response {
    xml_response(SitemapData::from_state(&state).root(SITEMAP_LIMIT))
}

pub async fn sitemap_file(State(state): State<AppState>, Path(name): Path<String>) -> Result<Response, AppError> {
    SitemapData::from_state(&state).file(&name, SITEMAP_LIMIT).map(xml_response).ok_or(AppError::NotFound)
}

pub async fn robots(State(state): State<AppState>) -> String {
    format!("User-agent: *\nAllow: /\nDisallow: /api/\n\nSitemap: {}/sitemap.xml\n", state.settings.public_url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(products: usize) -> SitemapData {
        SitemapData {
            base: "https://shop.example".into(),
            categories: vec!["hats".into()],
            products: (0..products).map(|i| (format!("p{i}"), 1_764_000_000_000)).collect(),
        }
    }

    #[test]
    fn a_small_catalog_is_one_file() {
        let xml = data(2).root(10);
        assert!(xml.contains("<urlset"));
        assert_eq!(xml.matches("<url>").count(), 5);
        assert!(xml.contains("<loc>https://shop.example/p/p1</loc><lastmod>2025-11-24</lastmod>"));
    }

    #[test]
    fn past_the_limit_the_sitemap_is_an_index_of_files_that_hold_every_url() {
        let data = data(25);
        let index = data.root(10);
        assert!(index.contains("<sitemapindex"));
        assert!(index.contains("<loc>https://shop.example/sitemaps/products-3.xml</loc>"));
        assert!(!index.contains("products-4.xml"));
        let products: usize =
            (1..=3).map(|n| data.file(&format!("products-{n}.xml"), 10).unwrap().matches("/p/").count()).sum();
        assert_eq!(products, 25);
        assert_eq!(data.file("pages.xml", 10).unwrap().matches("<url>").count(), 3);
        assert_eq!(data.file("products-4.xml", 10), None);
        assert_eq!(data.file("products-0.xml", 10), None);
        assert_eq!(data.file("../etc/passwd", 10), None);
    }
}
