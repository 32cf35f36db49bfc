//! Middleware in front of every route: cross-origin protection, security headers, static caching.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::components::form::FORM_PAGE_FIELD;
use crate::error::AppError;

use super::state::AppState;

/// Refuses state-changing requests sent by another site (CSRF), as Go's `CrossOriginProtection` does:
/// browsers send `Sec-Fetch-Site` (or at least `Origin`) with every unsafe request, so a request that
/// says it comes from elsewhere is refused; requests with neither header (webhooks, curl) pass.
pub async fn cross_origin_protection(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if is_cross_origin(request.method(), request.headers(), &state.settings.public_url) {
        tracing::warn!(method = %request.method(), path = %request.uri().path(), "refused a cross-origin request");
        return AppError::Forbidden.into_response();
    }
    next.run(request).await
}

fn is_cross_origin(method: &Method, headers: &HeaderMap, public_url: &str) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.to_str(), Ok("same-origin") | Ok("none"));
    }
    let Some(origin) = headers.get(header::ORIGIN) else { return false };
    let Ok(origin) = origin.to_str() else { return true };
    if origin.eq_ignore_ascii_case(public_url) {
        return false;
    }
    // Reached directly (not through the public URL): the origin must name the host the request was sent to.
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin.split_once("://").map(|(_, host)| host);
    !matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

/// The most bytes a server function's body may have: the store's largest form is a few hundred.
pub const MAX_FORM_BYTES: usize = 64 * 1024;

/// In front of every server function (`/api/…`), the one place that:
/// - refuses a body over [`MAX_FORM_BYTES`] with 413 before any function reads it;
/// - gives a plain HTML form post the page its form names as its `Referer` (also when the browser sent
///   none: privacy settings, `Referrer-Policy: no-referrer`), so Leptos redirects back there with the
///   error in the URL instead of losing it, and without the refusal of an earlier post;
/// - answers a server function's error with that error's status (422, 404, 409, 429…): server_fn
///   answers every error 500;
/// - counts each call of a server function by its outcome (metrics).
pub async fn server_functions(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    let path = request.uri().path().to_owned();
    let response = answer_server_function(state, request, next).await;
    // No such function: not counted (the label would be whatever a client typed).
    if response.status() != axum::http::StatusCode::NOT_FOUND {
        super::metrics::server_function_called(&path, response.status());
    }
    response
}

async fn answer_server_function(state: AppState, request: Request, next: Next) -> Response {
    let declared = request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > DRAIN_BYTES as u64) {
        return server_fn_error(request.uri().path(), AppError::TooLarge);
    }
    let (mut parts, body) = request.into_parts();
    let body = match read_form_body(body).await {
        Ok(body) => body,
        Err(error) => return server_fn_error(parts.uri.path(), error),
    };
    // The form's own page is preferred to the Referer: it is the page without an earlier refusal in its
    // address, so a second refusal replaces the first instead of piling up beside it.
    // The origin stays the one the browser used (a Referer it sent), else the public URL's.
    let page = form_page(&body);
    let sent = parts.headers.get(header::REFERER).and_then(|v| v.to_str().ok()).and_then(origin_of);
    if is_html_form_post(&parts.headers) && (page.is_some() || sent.is_none()) {
        let origin = sent.unwrap_or_else(|| state.settings.public_url.clone());
        let page = page.unwrap_or_else(|| "/".to_owned());
        if let Ok(referer) = HeaderValue::from_str(&format!("{origin}{page}")) {
            parts.headers.insert(header::REFERER, referer);
        }
    }
    let response = next.run(Request::from_parts(parts, axum::body::Body::from(body))).await;
    // A form post's error is a redirect (302) back to its page: only the JSON answer is remapped.
    if response.status() != axum::http::StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key(leptos::server_fn::error::SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
        return AppError::Internal.into_response();
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&body) {
        parts.status = error.status_code();
        if let AppError::RateLimited { retry_after_secs } = error
            && let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            parts.headers.insert(header::RETRY_AFTER, value);
        }
    }
    Response::from_parts(parts, axum::body::Body::from(body))
}

/// An error answered the way server_fn answers one (its JSON encoding, the `serverfnerror` header), so
/// the browser's code reads it like any other, with the error's own status.
fn server_fn_error(path: &str, error: AppError) -> Response {
    use leptos::server_fn::error::{FromServerFnError, SERVER_FN_ERROR_HEADER};
    let mut response = (error.status_code(), [(header::CONTENT_TYPE, "application/json")], error.ser()).into_response();
    if let Ok(path) = HeaderValue::from_str(path) {
        response.headers_mut().insert(SERVER_FN_ERROR_HEADER, path);
    }
    response
}

/// How much of a refused (too large) body is still read and thrown away, so that a client that is
/// still sending gets the 413 rather than a reset connection; a longer one is cut off.
const DRAIN_BYTES: usize = 1024 * 1024;

/// A server function's body, at most [`MAX_FORM_BYTES`]: longer is `TooLarge`, a body that stops
/// arriving (a broken or stalled client) is refused as not understood.
async fn read_form_body(mut body: axum::body::Body) -> Result<axum::body::Bytes, AppError> {
    use axum::body::HttpBody;
    let mut kept = Vec::new();
    let mut seen = 0usize;
    let read = async {
        while let Some(frame) = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await {
            let Ok(data) = frame.map_err(|_| ())?.into_data() else { continue };
            seen += data.len();
            if seen <= MAX_FORM_BYTES {
                kept.extend_from_slice(&data);
            } else if seen > DRAIN_BYTES {
                break;
            }
        }
        Ok::<(), ()>(())
    };
    let unreadable = || AppError::invalid("request", "That request was not understood.");
    tokio::time::timeout(std::time::Duration::from_secs(10), read)
        .await
        .map_err(|_| unreadable())?
        .map_err(|_| unreadable())?;
    if seen > MAX_FORM_BYTES {
        return Err(AppError::TooLarge);
    }
    Ok(kept.into())
}

/// A form posted by the browser itself (no JavaScript): Leptos answers it with a redirect.
fn is_html_form_post(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|accept| accept.contains("text/html"))
}

/// The page a posted form names in its [`FORM_PAGE_FIELD`], if it is a path on this site.
/// `https://shop.example.com` of `https://shop.example.com/cart?x=1`.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next().filter(|host| !host.is_empty())?;
    Some(format!("{scheme}://{host}"))
}

fn form_page(body: &[u8]) -> Option<String> {
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(body).ok()?;
    let (_, page) = fields.into_iter().find(|(name, _)| name == FORM_PAGE_FIELD)?;
    let local = page.starts_with('/') && !page.starts_with("//") && !page.contains(['\\', '\r', '\n']);
    local.then_some(page)
}

/// Headers every response carries. Pages set their own Content-Security-Policy with a per-request nonce
/// (see `app::shell`); everything else gets a strict one.
pub async fn security_headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let private = is_private(request.uri().path());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if private {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.settings.public_url.starts_with("https://") {
        headers
            .insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=63072000; includeSubDomains"));
    }
    let set = |headers: &mut HeaderMap, name: &'static str, value: &'static str| {
        if !headers.contains_key(name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    };
    set(headers, "x-content-type-options", "nosniff");
    set(headers, "referrer-policy", "strict-origin-when-cross-origin");
    set(headers, "x-frame-options", "DENY");
    set(headers, "cross-origin-opener-policy", "same-origin");
    set(headers, "permissions-policy", "camera=(), microphone=(), geolocation=(), payment=(self)");
    set(headers, "content-security-policy", "default-src 'none'; frame-ancestors 'none'; base-uri 'none'");
    response
}

/// Pages and answers about one shopper (cart, checkout, orders, account, server functions, the dev
/// mailbox):
/// never stored by a browser or proxy cache.
fn is_private(path: &str) -> bool {
    path == "/cart"
        || path == "/checkout"
        || path == "/account"
        || ["/checkout/", "/orders/", "/api/", "/dev/", "/account/"].iter().any(|prefix| path.starts_with(prefix))
}

/// The policy for HTML pages: only the store's own scripts (the hydration script carries the nonce),
/// its WASM (`'wasm-unsafe-eval'`), styles and images. Forms post to the store only; with a real payment
/// provider, the "Pay" form's redirect may also lead to the provider's hosted payment page.
pub fn page_content_security_policy(nonce: &str, live_reload_port: Option<u32>, payment_page: Option<&str>) -> String {
    let connect = match live_reload_port {
        Some(port) => format!("'self' ws://127.0.0.1:{port} ws://localhost:{port}"),
        None => "'self'".to_owned(),
    };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; font-src 'self'; connect-src {connect}; object-src 'none'; base-uri 'self'; \
         form-action 'self'{}; frame-ancestors 'none'",
        payment_page.map(|origin| format!(" {origin}")).unwrap_or_default()
    )
}

/// Long caching for content-hashed build output (`/pkg/name.<hash>.wasm`), an hour for other files.
pub async fn static_cache_headers(request: Request, next: Next) -> Response {
    let immutable = is_hashed_asset(request.uri().path());
    let mut response = next.run(request).await;
    let cacheable = response.status().is_success() || response.status() == axum::http::StatusCode::NOT_MODIFIED;
    let is_html = response.headers().get(header::CONTENT_TYPE).is_some_and(|t| t.as_bytes().starts_with(b"text/html"));
    if cacheable && !is_html {
        let value = if immutable { "public, max-age=31536000, immutable" } else { "public, max-age=3600" };
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    response
}

/// cargo-leptos names hashed files `{stem}.{22-character base64url hash}.{ext}`.
fn is_hashed_asset(path: &str) -> bool {
    let Some(name) = path.strip_prefix("/pkg/") else { return false };
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() >= 3
        && parts
            .iter()
            .skip(1)
            .take(parts.len() - 2)
            .any(|p| p.len() == 22 && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

/// Benchmarks only (STORE_BENCH_CEILING_BYTES): a fixed HTML page of the configured size, from memory,
/// through the same middleware as every page. The ceiling the page benchmarks are compared with.
pub async fn bench_ceiling(State(state): State<AppState>) -> Response {
    static PAGE: std::sync::OnceLock<axum::body::Bytes> = std::sync::OnceLock::new();
    let page = PAGE.get_or_init(|| {
        let size = state.settings.bench_ceiling_bytes;
        let mut html = String::with_capacity(size);
        html.push_str("<!DOCTYPE html><html><body>");
        while html.len() + "</body></html>".len() < size {
            html.push_str("<p>ceiling</p>\n");
        }
        html.truncate(size.saturating_sub("</body></html>".len()));
        html.push_str("</body></html>");
        axum::body::Bytes::from(html)
    });
    ([(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")], page.clone()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    const STORE: &str = "https://shop.example.com";

    #[test]
    fn the_origin_of_a_referer() {
        assert_eq!(origin_of("https://shop.example.com/cart?x=1").as_deref(), Some(STORE));
        assert_eq!(origin_of("http://127.0.0.1:3000").as_deref(), Some("http://127.0.0.1:3000"));
        assert_eq!(origin_of("http://localhost:3000?a=b").as_deref(), Some("http://localhost:3000"));
        assert_eq!(origin_of("/cart"), None);
        assert_eq!(origin_of("https:///cart"), None);
    }

    #[test]
    fn safe_methods_always_pass() {
        assert!(!is_cross_origin(&Method::GET, &headers(&[("sec-fetch-site", "cross-site")]), STORE));
    }

    #[test]
    fn cross_site_posts_are_refused() {
        assert!(is_cross_origin(&Method::POST, &headers(&[("sec-fetch-site", "cross-site")]), STORE));
        assert!(is_cross_origin(&Method::POST, &headers(&[("sec-fetch-site", "same-site")]), STORE));
        assert!(is_cross_origin(&Method::DELETE, &headers(&[("origin", "https://evil.example")]), STORE));
    }

    #[test]
    fn same_origin_and_headerless_posts_pass() {
        assert!(!is_cross_origin(&Method::POST, &headers(&[("sec-fetch-site", "same-origin")]), STORE));
        assert!(!is_cross_origin(&Method::POST, &headers(&[("origin", "https://shop.example.com")]), STORE));
        assert!(!is_cross_origin(&Method::POST, &headers(&[]), STORE));
        let direct = headers(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")]);
        assert!(!is_cross_origin(&Method::POST, &direct, STORE));
    }

    #[test]
    fn a_form_names_its_page_only_as_a_local_path() {
        assert_eq!(form_page(b"sku=A&__page=%2Fp%2Fparka%3Fvariant%3DA").as_deref(), Some("/p/parka?variant=A"));
        assert_eq!(form_page(b"sku=A"), None);
        for elsewhere in ["https%3A%2F%2Fevil.example", "%2F%2Fevil.example", "%2F%5Cevil.example", "p%2Fparka"] {
            assert_eq!(form_page(format!("__page={elsewhere}").as_bytes()), None, "{elsewhere}");
        }
    }

    #[test]
    fn only_hashed_build_output_is_immutable() {
        assert!(is_hashed_asset("/pkg/storefront.AbCdEfGhIjKlMnOpQrStUv.wasm"));
        assert!(!is_hashed_asset("/pkg/storefront.wasm"));
        assert!(!is_hashed_asset("/favicon.svg"));
    }
}
