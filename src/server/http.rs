//! Middleware in front of every route: cross-origin protection, security headers, static caching.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

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

/// Headers every response carries. Pages set their own Content-Security-Policy with a per-request nonce
/// (see `app::shell`); everything else gets a strict one.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
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

/// The policy for HTML pages: only the store's own scripts (the hydration script carries the nonce),
/// its WASM (`'wasm-unsafe-eval'`), styles and images.
pub fn page_content_security_policy(nonce: &str, live_reload_port: Option<u32>) -> String {
    let connect = match live_reload_port {
        Some(port) => format!("'self' ws://127.0.0.1:{port} ws://localhost:{port}"),
        None => "'self'".to_owned(),
    };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; font-src 'self'; connect-src {connect}; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors 'none'"
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
    fn only_hashed_build_output_is_immutable() {
        assert!(is_hashed_asset("/pkg/storefront.AbCdEfGhIjKlMnOpQrStUv.wasm"));
        assert!(!is_hashed_asset("/pkg/storefront.wasm"));
        assert!(!is_hashed_asset("/favicon.svg"));
    }
}
