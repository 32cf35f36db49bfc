//! Rendered pages for anonymous shoppers, kept in memory per catalog snapshot.
//!
//! A listing, search, home or product page is the same for every visitor without a cart cookie, until
//! the catalog changes. So the first render of a URL is kept (with its CSP nonce replaced by a per-process random marker)
//! and later requests for the URL get a copy with a fresh nonce and a matching Content-Security-Policy.
//! A new snapshot of the read model (any recorded catalog or stock change, on any node) empties the
//! cache. Requests with a cart cookie, non-GET requests, non-200 answers and answers that set cookies
//! are never cached. Disabled under `cargo leptos watch`.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::cart_session;
use super::http::page_content_security_policy;
use super::services::read_model::ChangeMark;
use super::state::AppState;

/// At most this many bytes of pages are kept; past it the cache starts over (bounded memory whatever
/// URLs are asked for, search included).
const MAX_BYTES: usize = 64 << 20;
/// Pages larger than this are served but not kept.
const MAX_PAGE_BYTES: usize = 1 << 20;
/// Rendered pages are read up to this size (a larger one is an error).
const MAX_READ_BYTES: usize = 16 << 20;

/// Stands for the nonce in stored pages: random per process, so that no request can put it in a page's
/// text and have a later copy show the live nonce.
fn marker() -> &'static str {
    static MARKER: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    MARKER.get_or_init(|| format!("nonce{:032x}", rand::random::<u128>()))
}

#[derive(Clone, Default)]
pub struct PageCache {
    inner: Arc<RwLock<Pages>>,
}

#[derive(Default)]
struct Pages {
    mark: ChangeMark,
    pages: HashMap<String, Arc<CachedPage>>,
    bytes: usize,
}

struct CachedPage {
    /// The page with every occurrence of its render's nonce replaced by MARKER.
    html: String,
    headers: HeaderMap,
}

impl PageCache {
    fn get(&self, mark: ChangeMark, key: &str) -> Option<Arc<CachedPage>> {
        let pages = self.inner.read().unwrap_or_else(|e| e.into_inner());
        (pages.mark == mark).then(|| pages.pages.get(key).cloned()).flatten()
    }

    fn put(&self, mark: ChangeMark, key: String, page: CachedPage) {
        let mut pages = self.inner.write().unwrap_or_else(|e| e.into_inner());
        if pages.mark != mark || pages.bytes + page.html.len() > MAX_BYTES {
            pages.pages.clear();
            pages.bytes = 0;
            pages.mark = mark;
        }
        pages.bytes += page.html.len();
        if let Some(old) = pages.pages.insert(key, Arc::new(page)) {
            pages.bytes -= old.html.len();
        }
    }
}

/// Which requests may be answered from the cache: page GETs from visitors without a cart (the one
/// per-visitor state today; accounts must add their session here) and without credentials.
fn cacheable(request: &Request) -> bool {
    let path = request.uri().path();
    let page =
        path == "/" || path == "/products" || path == "/search" || path.starts_with("/c/") || path.starts_with("/p/");
    request.method() == Method::GET
        && page
        && cart_session::token_from(request.headers()).is_none()
        && !request.headers().contains_key(header::AUTHORIZATION)
        && request.uri().query().is_none_or(|q| q.len() <= 512)
        && std::env::var_os("LEPTOS_WATCH").is_none()
}

pub async fn page_cache(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !cacheable(&request) {
        return next.run(request).await;
    }
    let key = request.uri().path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_default();
    let mark = state.catalog.snapshot().mark;
    if let Some(page) = state.page_cache.get(mark, &key) {
        return serve(&page);
    }
    let response = next.run(request).await;
    if response.status() != StatusCode::OK || response.headers().contains_key(header::SET_COOKIE) {
        return response;
    }
    let Some(nonce) = response_nonce(response.headers()) else { return response };
    let (parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_READ_BYTES).await {
        Ok(bytes) => bytes,
        Err(err) => {
            tracing::warn!(error = %err, "could not read a rendered page");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    // Kept only if the catalog did not move while it was rendered (an older page must not replace newer).
    let current = state.catalog.snapshot().mark == mark;
    if let (true, true, Ok(html)) = (current, bytes.len() <= MAX_PAGE_BYTES, std::str::from_utf8(&bytes)) {
        let mut headers = parts.headers.clone();
        headers.remove(header::CONTENT_SECURITY_POLICY);
        headers.remove(header::CONTENT_LENGTH);
        state.page_cache.put(mark, key, CachedPage { html: html.replace(nonce.as_str(), marker()), headers });
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn serve(page: &CachedPage) -> Response {
    let nonce = new_nonce();
    let mut response = Response::new(Body::from(Bytes::from(page.html.replace(marker(), &nonce))));
    *response.headers_mut() = page.headers.clone();
    if let Ok(policy) = HeaderValue::from_str(&page_content_security_policy(&nonce, None)) {
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    response
}

/// The nonce named by a page's Content-Security-Policy (`'nonce-…'`).
fn response_nonce(headers: &HeaderMap) -> Option<String> {
    let policy = headers.get(header::CONTENT_SECURITY_POLICY)?.to_str().ok()?;
    let start = policy.find("'nonce-")? + "'nonce-".len();
    let nonce = &policy[start..start + policy[start..].find('\'')?];
    (nonce.len() >= 16).then(|| nonce.to_owned())
}

/// 128 random bits, base64 (as Leptos makes its own).
fn new_nonce() -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(rand::random::<[u8; 16]>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nonce_is_read_from_the_policy() {
        let mut headers = HeaderMap::new();
        let policy = page_content_security_policy("AbCdEfGhIjKlMnOpQrStUv", None);
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_str(&policy).unwrap());
        assert_eq!(response_nonce(&headers).as_deref(), Some("AbCdEfGhIjKlMnOpQrStUv"));
        assert_eq!(response_nonce(&HeaderMap::new()), None);
    }

    #[test]
    fn fresh_nonces_differ_and_carry_128_bits() {
        let (a, b) = (new_nonce(), new_nonce());
        assert_ne!(a, b);
        assert_eq!(a.len(), 22);
    }
}
