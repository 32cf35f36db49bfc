//! The shopper's cart cookie: `cart=<128-bit random hex>`, HttpOnly, SameSite=Lax, kept 30 days. Over
//! https it is `__Host-cart` and Secure: the browser then takes it only from this host over https with
//! `Path=/`, so a neighbouring subdomain cannot plant a cart. Server functions reach the cart through here.

use axum::http::HeaderMap;
use leptos::prelude::use_context;

use super::cookies::StoreCookie;
use super::services::cart;
use super::state::AppState;
use crate::error::AppError;

const CART_COOKIE: StoreCookie = StoreCookie { plain: "cart", secure: "__Host-cart" };
const MAX_AGE_SECS: u64 = 30 * 24 * 60 * 60;

/// The token in the request's cart cookie, if it has one.
pub fn token_from(state: &AppState, headers: &HeaderMap) -> Option<String> {
    CART_COOKIE.read(state, headers, cart::is_token)
}

/// The cart a page shows (header badge, drawer, cart page), read before the page renders: the
/// page's islands get it as a property, and rendering stays synchronous. See `with_page_cart`.
#[derive(Clone, Debug, Default)]
pub struct PageCart(pub crate::model::cart::Cart);

/// Reads the request's cart into its extensions (a `PageCart`) for the page about to render. A page
/// whose cart cannot be read still renders, with an empty cart; the cart page's actions say why.
pub async fn with_page_cart(
    axum::extract::State(state): axum::extract::State<AppState>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    // The pages router also answers the server functions (/api/…): they read what they need
    // themselves, and a cart read here would revalidate it, telling no one of its price changes.
    if request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    let cart = page_cart(&state, request.headers()).await;
    request.extensions_mut().insert(PageCart(cart));
    next.run(request).await
}

pub async fn page_cart(state: &AppState, headers: &HeaderMap) -> crate::model::cart::Cart {
    let Some(token) = token_from(state, headers) else { return Default::default() };
    let found = match cart::find(&state.db, &token).await {
        Ok(Some(cart_id)) => cart::view(&state.db, cart_id).await,
        Ok(None) => return Default::default(),
        Err(error) => Err(error),
    };
    found.unwrap_or_else(|error| {
        tracing::warn!(%error, "the page's cart could not be read");
        Default::default()
    })
}

/// The page's cart as `with_page_cart` read it (empty outside a page request).
pub fn rendered_page_cart() -> crate::model::cart::Cart {
    use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<PageCart>().map(|cart| cart.0.clone()))
        .unwrap_or_default()
}

/// The current request's cart, or None when it has none yet.
pub async fn current(state: &AppState) -> Result<Option<i32>, AppError> {
    Ok(current_with_token(state).await?.map(|(id, _)| id))
}

/// The current request's cart and its token, or None when it has none yet.
pub async fn current_with_token(state: &AppState) -> Result<Option<(i32, String)>, AppError> {
    let headers: HeaderMap = leptos_axum::extract().await.map_err(|_| AppError::Internal)?;
    let Some(token) = token_from(state, &headers) else { return Ok(None) };
    Ok(cart::find(&state.db, &token).await?.map(|id| (id, token)))
}

/// (Re)issues the cart cookie for `token` on the current response.
pub fn set_cookie(state: &AppState, token: &str) {
    CART_COOKIE.set(state, token, MAX_AGE_SECS);
}

/// Removes the cart cookie (sign-out: the next visit starts a fresh, empty guest cart).
pub fn clear_cookie(state: &AppState) {
    CART_COOKIE.clear(state);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::cookies;
    use axum::http::{HeaderValue, header};

    const COOKIE: &str = CART_COOKIE.plain;
    const SECURE_COOKIE: &str = CART_COOKIE.secure;

    fn find_token(headers: &HeaderMap, name: &str) -> Option<String> {
        cookies::value_of(headers, name, cart::is_token)
    }

    #[test]
    fn the_cart_token_is_read_from_any_cookie_header_and_bad_values_are_ignored() {
        let token = cart::new_token();
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("theme=dark; cart=nothex"));
        assert_eq!(find_token(&headers, COOKIE), None);
        headers.append(header::COOKIE, HeaderValue::from_str(&format!("a=b; cart={token}")).unwrap());
        assert_eq!(find_token(&headers, COOKIE), Some(token.clone()));
        assert_eq!(find_token(&headers, SECURE_COOKIE), None, "over https only __Host-cart counts");
        headers.append(header::COOKIE, HeaderValue::from_str(&format!("__Host-cart={token}")).unwrap());
        assert_eq!(find_token(&headers, SECURE_COOKIE), Some(token));
    }
}
