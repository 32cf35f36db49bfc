//! Rendered pages for anonymous shoppers, kept in memory.
//!
//! A listing, search, home or product page is the same for every visitor without a cart cookie, until
//! the catalog changes. So the first render of a page is kept (with its CSP nonce replaced by a
//! per-process random marker) and later requests for it get a copy with a fresh nonce and a matching
//! Content-Security-Policy. Pages are kept under their normalised parameters (see [`page_key`]), so
//! URLs that show the same page share one entry, and the least recently used pages go first when the
//! cache is full (moka, weighed in bytes).
//!
//! Freshness: a new snapshot of the read model (a catalog change, or a variant selling out or coming
//! back, on any node) empties the cache. Any other stock movement (a sale 3 → 1, a cancellation, a
//! restock) moves only its product's generation, part of its product page's key: the stock feed
//! (`stock_feed`) reports it on every node within the refresh interval, and the other pages stay.
//! Requests with a cart or session cookie, non-GET requests, non-200 answers, answers that set cookies and pages
//! showing a form's error are never cached. Disabled under `cargo leptos watch`.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::model::catalog::ListingQuery;

use super::http::page_content_security_policy;
use super::services::read_model::{ChangeMark, Snapshot};
use super::state::AppState;
use super::{account_session, cart_session};

/// At most this many bytes of pages (and their keys) are kept, least recently used out first.
const MAX_BYTES: u64 = 64 << 20;
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

#[derive(Clone)]
pub struct PageCache {
    pages: moka::sync::Cache<String, Arc<CachedPage>>,
    freshness: Arc<RwLock<Freshness>>,
}

/// What the kept pages were rendered from.
#[derive(Default)]
struct Freshness {
    /// The snapshot every kept page belongs to.
    mark: ChangeMark,
    /// Per product slug, how often its stock moved since this process started.
    generations: HashMap<String, u64>,
    /// The stock feed has been read up to this ledger id.
    stock_read_through: i64,
}

struct CachedPage {
    /// The page with every occurrence of its render's nonce replaced by MARKER.
    html: String,
    headers: HeaderMap,
}

impl Default for PageCache {
    fn default() -> Self {
        let pages = moka::sync::Cache::builder()
            .max_capacity(MAX_BYTES)
            .weigher(|key: &String, page: &Arc<CachedPage>| {
                u32::try_from(key.len() + page.html.len()).unwrap_or(u32::MAX)
            })
            .build();
        PageCache { pages, freshness: Default::default() }
    }
}

impl PageCache {
    fn get(&self, mark: ChangeMark, key: &str) -> Option<Arc<CachedPage>> {
        let current = self.freshness.read().unwrap_or_else(|e| e.into_inner()).mark == mark;
        current.then(|| self.pages.get(key)).flatten()
    }

    fn put(&self, mark: ChangeMark, key: String, page: CachedPage) {
        {
            let mut freshness = self.freshness.write().unwrap_or_else(|e| e.into_inner());
            if freshness.mark != mark {
                freshness.mark = mark;
                self.pages.invalidate_all();
            }
        }
        self.pages.insert(key, Arc::new(page));
    }

    /// These products' stock moved (the stock feed has been read up to ledger id `through`): their
    /// product pages are rendered again at the next request.
    pub fn stock_moved(&self, slugs: &[String], through: i64) {
        let mut freshness = self.freshness.write().unwrap_or_else(|e| e.into_inner());
        freshness.stock_read_through = through;
        for slug in slugs {
            *freshness.generations.entry(slug.clone()).or_default() += 1;
        }
    }

    fn generation(&self, slug: &str) -> u64 {
        self.freshness.read().unwrap_or_else(|e| e.into_inner()).generations.get(slug).copied().unwrap_or(0)
    }

    /// The ledger id up to which stock movements have reached this cache (tests wait for it).
    pub fn stock_read_through(&self) -> i64 {
        self.freshness.read().unwrap_or_else(|e| e.into_inner()).stock_read_through
    }

    /// How many pages are kept (tests and metrics; moka counts lazily, so this syncs first).
    pub fn len(&self) -> u64 {
        self.pages.run_pending_tasks();
        self.pages.entry_count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Which requests may be answered from the cache: page GETs from visitors without a cart and not
/// signed in (no session cookie), and without credentials. A page rendered for a signed-in shopper
/// (their name in the header) is thus never kept, nor served to them from another's render.
fn cacheable(state: &AppState, request: &Request) -> bool {
    let path = request.uri().path();
    let page =
        path == "/" || path == "/products" || path == "/search" || path.starts_with("/c/") || path.starts_with("/p/");
    request.method() == Method::GET
        && page
        && cart_session::token_from(state, request.headers()).is_none()
        && account_session::secret_from(state, request.headers()).is_none()
        && !request.headers().contains_key(header::AUTHORIZATION)
        && request.uri().query().is_none_or(|q| q.len() <= 512)
        && std::env::var_os("LEPTOS_WATCH").is_none()
}

/// The entry a page is kept under: its path and only the parameters the page reads, normalised
/// (unknown ones dropped; filters trimmed, capped and sorted; a product's variant only when it is
/// one of the product's), so junk URLs share their page's entry. A product page's key carries the
/// product's stock generation. `None`: not kept (an unreadable query, a form's error or thanks to show).
fn page_key(cache: &PageCache, snapshot: &Snapshot, path: &str, query: Option<&str>) -> Option<String> {
    let params: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or("")).ok()?;
    if params.iter().any(|(name, _)| name == "__err" || name == "__path" || name == "alert") {
        return None;
    }
    if let Some(slug) = path.strip_prefix("/p/") {
        let generation = cache.generation(slug);
        let variant = params.iter().find(|(name, _)| name == "variant").map(|(_, sku)| sku);
        let product = snapshot.product(slug);
        if variant.is_some() && product.is_none() {
            // A product newer than the snapshot: which variants it has is not known yet.
            return None;
        }
        let known = variant.filter(|sku| product.is_some_and(|p| p.skus.contains(sku)));
        return Some(match known {
            Some(sku) => format!("{path}?variant={}#{generation}", crate::model::catalog::encode(sku)),
            None => format!("{path}#{generation}"),
        });
    }
    if path == "/" {
        return Some(path.to_owned());
    }
    let query = ListingQuery::from_params(|key| {
        params.iter().filter(|(name, _)| name == key).map(|(_, value)| value.clone()).collect()
    });
    // A category page takes its category from the path, never from a parameter.
    Some(format!("{path}{}", query.to_query_string(!path.starts_with("/c/"))))
}

pub async fn page_cache(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !cacheable(&state, &request) {
        return next.run(request).await;
    }
    let snapshot = state.catalog.snapshot();
    let mark = snapshot.mark;
    let Some(key) = page_key(&state.page_cache, &snapshot, request.uri().path(), request.uri().query()) else {
        return next.run(request).await;
    };
    drop(snapshot);
    if let Some(page) = state.page_cache.get(mark, &key) {
        super::metrics::page_cache(true);
        return serve(&page);
    }
    super::metrics::page_cache(false);
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
    if let Ok(policy) = HeaderValue::from_str(&page_content_security_policy(&nonce, None, None)) {
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
        let policy = page_content_security_policy("AbCdEfGhIjKlMnOpQrStUv", None, None);
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
