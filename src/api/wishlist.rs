//! The wishlist's server functions. The heart works for everyone: a guest is sent to sign in and back
//! to the product. Plain forms too: without JavaScript the browser posts them and comes back.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::wishlist::{HeartOutcome, WishlistItem};

/// The signed-in shopper's wishlist with prices and stock now (None when signed out).
#[server(prefix = "/api", endpoint = "wishlist")]
pub async fn get_wishlist() -> Result<Option<Vec<WishlistItem>>, AppError> {
    let state = crate::server::app_state()?;
    let Some((_, user)) = crate::server::account_session::current(&state).await? else { return Ok(None) };
    Ok(Some(crate::server::services::wishlist::list(&state.db, user.id).await?))
}

/// The heart on a product card or page: saves the product (`save`) or takes it off the wishlist, then
/// back to the page it was tapped on. A guest is sent to sign in, and from there back to the product.
#[server(prefix = "/api", endpoint = "wishlist/heart")]
pub async fn set_wishlisted(slug: String, save: bool) -> Result<HeartOutcome, AppError> {
    let state = crate::server::app_state()?;
    let Some((_, user)) = crate::server::account_session::current(&state).await? else {
        let sign_in = format!("/account/sign-in?next={}&wishlist=1", crate::model::catalog::product_path(&slug));
        leptos_axum::redirect(&sign_in);
        return Ok(HeartOutcome::SignInFirst(sign_in));
    };
    Ok(HeartOutcome::Saved(crate::server::services::wishlist::set(&state.db, user.id, &slug, save).await?))
}

/// "Move to cart" on the wishlist: the chosen variant goes into the cart (its stock checked) and leaves
/// the wishlist.
#[server(prefix = "/api", endpoint = "wishlist/move")]
pub async fn move_to_cart(slug: String, sku: String) -> Result<(), AppError> {
    use crate::server::{account_session, cart_session, services::wishlist};
    let state = crate::server::app_state()?;
    let (_, user) = account_session::require_user(&state).await?;
    let cart = cart_session::current(&state).await?;
    let rules = state.settings.cart_rules();
    if let Some((_, token)) = wishlist::move_to_cart(&state.db, user.id, &slug, &sku, cart, rules).await? {
        cart_session::set_cookie(&state, &token);
    }
    leptos_axum::redirect("/account/wishlist?moved=1");
    Ok(())
}
