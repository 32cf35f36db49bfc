//! "Email me when it is back" on a sold-out variant's panel: a plain form (without JavaScript the browser
//! posts it and comes back to the product, with the thanks or the refusal).

use leptos::prelude::*;

use crate::error::AppError;

/// Asks for one mail to `email` when the sold-out variant `sku` is back, then back to its page, which
/// thanks the shopper (`alert=1`).
#[server(prefix = "/api", endpoint = "stock-alert")]
pub async fn request_stock_alert(sku: String, email: String) -> Result<(), AppError> {
    use crate::model::account::Email;
    use crate::model::catalog::{product_path, variant_url};
    use crate::server::{account_session, rate_limit::Action, services::stock_alerts};
    let state = crate::server::app_state()?;
    let email = Email::parse(&email)?;
    state.rate_limits.check_account(Action::StockAlert, email.as_str())?;
    let asker = account_session::current(&state).await?.map(|(_, user)| user.id);
    let slug = stock_alerts::subscribe(&state.db, state.shop(), &sku, &email, asker).await?;
    leptos_axum::redirect(&format!("{}&alert=1", variant_url(&product_path(&slug), &sku)));
    Ok(())
}
