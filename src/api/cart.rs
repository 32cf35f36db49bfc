//! The cart's server functions. Each works as a plain HTML form too: without JavaScript the browser
//! posts the form and is redirected back to the page it came from.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::cart::Cart;

/// The shopper's cart, revalidated against stock and prices (empty when there is none yet).
#[server(prefix = "/api", endpoint = "cart")]
pub async fn get_cart() -> Result<Cart, AppError> {
    let state = crate::server::app_state()?;
    match crate::server::cart_session::current(&state).await? {
        Some(cart_id) => crate::server::services::cart::view(&state.db, cart_id).await,
        None => Ok(Cart::default()),
    }
}

#[server(prefix = "/api", endpoint = "cart/add")]
pub async fn add_to_cart(sku: String, quantity: i32) -> Result<Cart, AppError> {
    use crate::server::{cart_session, services::cart};
    let state = crate::server::app_state()?;
    let rules = state.settings.cart_rules();
    // A shopper without a cart gets one (and its cookie) only with a line that was added; a signed-in
    // shopper's new cart is their account's.
    let (cart_id, token) = match cart_session::current_with_token(&state).await? {
        Some((cart_id, token)) => {
            cart::add(&state.db, cart_id, &sku, quantity, rules).await?;
            (cart_id, token)
        }
        None => {
            let owner = crate::server::account_session::current(&state).await?.map(|(_, user)| user.id);
            cart::add_to_new(&state.db, owner, &sku, quantity, rules).await?
        }
    };
    cart_session::set_cookie(&state, &token);
    cart::view(&state.db, cart_id).await
}

/// Sets a line's quantity (0 removes it).
#[server(prefix = "/api", endpoint = "cart/update")]
pub async fn update_cart_line(sku: String, quantity: i32) -> Result<Cart, AppError> {
    use crate::server::{cart_session, services::cart};
    let state = crate::server::app_state()?;
    let Some((cart_id, token)) = cart_session::current_with_token(&state).await? else {
        return Err(AppError::invalid("sku", "That item is not in your cart."));
    };
    cart_session::set_cookie(&state, &token);
    let rules = state.settings.cart_rules();
    cart::set_quantity(&state.db, cart_id, &sku, quantity, rules).await?;
    cart::view(&state.db, cart_id).await
}
