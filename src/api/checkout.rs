//! The checkout's server functions: one per step, each a plain HTML form too (without JavaScript the
//! browser posts it and is redirected to the next step, or back with the error).

// A form's fields are a server function's arguments (the address form has eight).
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::checkout::{CheckoutView, OrderView};

#[cfg(feature = "ssr")]
async fn cart_id(state: &crate::server::state::AppState) -> Result<i32, AppError> {
    crate::server::cart_session::current(state).await?.ok_or_else(|| AppError::invalid("cart", "Your cart is empty."))
}

/// The checkout as it stands (an empty one when the shopper has no cart).
#[server(prefix = "/api", endpoint = "checkout")]
pub async fn get_checkout() -> Result<CheckoutView, AppError> {
    use crate::server::services::checkout;
    let state = crate::server::app_state()?;
    let Some(cart_id) = crate::server::cart_session::current(&state).await? else {
        return Ok(CheckoutView::default());
    };
    let view = checkout::view(&state.db, cart_id, &state.settings.checkout).await?;
    match crate::server::account_session::current(&state).await? {
        Some((_, user)) => checkout::with_account(&state.db, view, &user).await,
        None => Ok(view),
    }
}

/// Step one: contact email and shipping address. Then on to the shipping method.
#[server(prefix = "/api", endpoint = "checkout/details")]
pub async fn save_checkout_details(
    email: String,
    name: String,
    line1: String,
    #[server(default)] line2: String,
    city: String,
    #[server(default)] region: String,
    postal_code: String,
    country: String,
    /// "Save this address to my account" (signed-in shoppers): "on" when ticked.
    #[server(default)]
    save_address: String,
) -> Result<(), AppError> {
    use crate::model::checkout::Address;
    use crate::server::services::{accounts::addresses, checkout};
    let state = crate::server::app_state()?;
    let cart_id = cart_id(&state).await?;
    let address = Address { name, line1, line2, city, region, postal_code, country };
    checkout::save_details(&state.db, cart_id, &email, &address).await?;
    if !save_address.is_empty()
        && let Some((_, user)) = crate::server::account_session::current(&state).await?
    {
        addresses::remember(&state.db, user.id, &address).await?;
    }
    leptos_axum::redirect("/checkout/shipping");
    Ok(())
}

/// "Ship here" beside a saved address (signed-in shoppers): then on to the shipping method.
#[server(prefix = "/api", endpoint = "checkout/saved-address")]
pub async fn ship_to_saved_address(address_id: i32) -> Result<(), AppError> {
    let state = crate::server::app_state()?;
    let cart_id = cart_id(&state).await?;
    let (_, user) = crate::server::account_session::require_user(&state).await?;
    crate::server::services::checkout::ship_to_saved(&state.db, cart_id, &user, address_id).await?;
    leptos_axum::redirect("/checkout/shipping");
    Ok(())
}

/// Step two: the shipping method. Then on to the review.
#[server(prefix = "/api", endpoint = "checkout/shipping")]
pub async fn choose_shipping_method(method: String) -> Result<(), AppError> {
    let state = crate::server::app_state()?;
    let cart_id = cart_id(&state).await?;
    crate::server::services::checkout::choose_shipping(&state.db, cart_id, &state.settings.checkout, &method).await?;
    leptos_axum::redirect("/checkout/review");
    Ok(())
}

/// Applies a promo code (an empty one removes it); the review shows the new totals.
#[server(prefix = "/api", endpoint = "checkout/promo")]
pub async fn apply_promo_code(#[server(default)] code: String) -> Result<(), AppError> {
    let state = crate::server::app_state()?;
    let cart_id = cart_id(&state).await?;
    crate::server::services::checkout::apply_promo(&state.db, cart_id, &code).await?;
    leptos_axum::redirect("/checkout/review");
    Ok(())
}

/// The review's "Place order": one order per idempotency key, however often it is sent. Then on to
/// the order's payment page.
#[server(prefix = "/api", endpoint = "checkout/place")]
pub async fn place_order(idempotency_key: String, expected_total: i64) -> Result<String, AppError> {
    use crate::server::services::orders;
    let state = crate::server::app_state()?;
    let cart_id = cart_id(&state).await?;
    let account = crate::server::account_session::current(&state).await?.map(|(_, user)| user.id);
    let submit = orders::Submit { idempotency_key, expected_total, account };
    let placed = orders::place_from_cart(&state.db, cart_id, submit, &state.settings.checkout).await?;
    leptos_axum::redirect(&format!("/orders/{}", placed.token));
    Ok(placed.token)
}

/// An order's page, found by its unguessable token. While the order awaits payment on the provider's
/// page, the provider is asked first whether it was paid (the shopper may be back before the webhook).
#[server(prefix = "/api", endpoint = "order")]
pub async fn get_order(token: String) -> Result<OrderView, AppError> {
    use crate::server::services::{orders, payments};
    let state = crate::server::app_state()?;
    let mut order = payments::find_order(&state.db, &token).await?.ok_or(AppError::NotFound)?;
    if payments::refresh(&state.db, &state.payments, &order).await {
        order = payments::find_order(&state.db, &token).await?.ok_or(AppError::NotFound)?;
    }
    let view = orders::view(&state.db, order, &state.settings.checkout).await?;
    Ok(OrderView { sandbox: state.settings.payments.sandbox, ..view })
}

/// "Pay": sends the shopper to the payment provider's page for this order (the card is typed there,
/// never here). A plain form post, with or without JavaScript: the answer is a redirect.
#[server(prefix = "/api", endpoint = "order/pay")]
pub async fn pay_order(token: String) -> Result<(), AppError> {
    let state = crate::server::app_state()?;
    let url = crate::server::services::payments::start(&state.db, &state.payments, &token).await?;
    leptos_axum::redirect(&url);
    Ok(())
}

/// A mail in the dev mailbox.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MailView {
    pub to: String,
    pub subject: String,
    pub body: String,
    pub queued: String,
    /// "waiting", "sent …", "tried N times: error", "given up …: error".
    pub delivery: String,
}

/// The newest queued mails (development only: 404 in production).
#[server(prefix = "/api", endpoint = "dev/mailbox")]
pub async fn dev_mailbox() -> Result<Vec<MailView>, AppError> {
    let state = crate::server::app_state()?;
    if state.settings.production {
        return Err(AppError::NotFound);
    }
    let mails = crate::server::services::mail::recent(&state.db, 50).await?;
    Ok(mails
        .into_iter()
        .map(|m| {
            let at = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M:%S UTC").to_string();
            let delivery = match (m.sent_at, m.failed_at) {
                (Some(sent), _) => format!("sent {}", at(sent)),
                (None, Some(failed)) => format!("given up {} after {} tries: {}", at(failed), m.attempts, m.last_error),
                (None, None) if m.attempts > 0 => format!("tried {} times: {}", m.attempts, m.last_error),
                (None, None) if state.settings.smtp.is_some() => "waiting to be sent".to_owned(),
                (None, None) => "not sent: the store has no SMTP settings".to_owned(),
            };
            MailView { to: m.to_address, subject: m.subject, body: m.body, queued: at(m.created_at), delivery }
        })
        .collect())
}
