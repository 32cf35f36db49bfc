//! The shopper's cart cookie: `cart=<128-bit random hex>`, HttpOnly, SameSite=Lax, Secure over https,
//! kept 30 days. Server functions reach the cart through here.

use axum::http::{HeaderMap, HeaderValue, header};
use leptos::prelude::use_context;

use super::services::cart;
use super::state::AppState;
use crate::error::AppError;

const COOKIE: &str = "cart";
const MAX_AGE_SECS: u64 = 30 * 24 * 60 * 60;

/// The token in the request's cart cookie, if it has one.
pub fn token_from(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == COOKIE && cart::is_token(value))
        .map(|(_, value)| value.to_owned())
}

/// The current request's cart, or None when it has none yet.
pub async fn current(state: &AppState) -> Result<Option<i32>, AppError> {
    Ok(current_with_token(state).await?.map(|(id, _)| id))
}

/// The current request's cart and its token, or None when it has none yet.
pub async fn current_with_token(state: &AppState) -> Result<Option<(i32, String)>, AppError> {
    let headers: HeaderMap = leptos_axum::extract().await.map_err(|_| AppError::Internal)?;
    let Some(token) = token_from(&headers) else { return Ok(None) };
    Ok(cart::find(&state.db, &token).await?.map(|id| (id, token)))
}

/// (Re)issues the cart cookie for `token` on the current response.
pub fn set_cookie(state: &AppState, token: &str) {
    let secure = if state.settings.public_url.starts_with("https://") { "; Secure" } else { "" };
    let cookie = format!("{COOKIE}={token}; Path=/; Max-Age={MAX_AGE_SECS}; HttpOnly; SameSite=Lax{secure}");
    if let (Some(response), Ok(value)) = (use_context::<leptos_axum::ResponseOptions>(), HeaderValue::from_str(&cookie))
    {
        response.append_header(header::SET_COOKIE, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cart_token_is_read_from_any_cookie_header_and_bad_values_are_ignored() {
        let token = cart::new_token();
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("theme=dark; cart=nothex"));
        assert_eq!(token_from(&headers), None);
        headers.append(header::COOKIE, HeaderValue::from_str(&format!("a=b; cart={token}")).unwrap());
        assert_eq!(token_from(&headers), Some(token));
    }
}
