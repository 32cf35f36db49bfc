//! Accounts' server functions. Each is a plain HTML form too: without JavaScript the browser posts it
//! and is redirected to the next page, or back to the form with the refusal beside its fields.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::account::AccountView;
use crate::model::order::OrderSummary;

/// The signed-in shopper (None when signed out).
#[server(prefix = "/api", endpoint = "account")]
pub async fn get_account() -> Result<Option<AccountView>, AppError> {
    let state = crate::server::app_state()?;
    let current = crate::server::account_session::current(&state).await?;
    Ok(current.map(|(_, user)| AccountView::from(&user)))
}

/// The signed-in shopper's orders, newest first (None when signed out).
#[server(prefix = "/api", endpoint = "account/orders")]
pub async fn get_order_history() -> Result<Option<Vec<OrderSummary>>, AppError> {
    let state = crate::server::app_state()?;
    let Some((_, user)) = crate::server::account_session::current(&state).await? else { return Ok(None) };
    Ok(Some(crate::server::services::orders::of_account(&state.db, &user).await?))
}

/// Sign-up: then "check your inbox" (the same page whether or not the address had an account).
#[server(prefix = "/api", endpoint = "account/sign-up")]
pub async fn sign_up(name: String, email: String, password: String) -> Result<(), AppError> {
    use crate::server::{rate_limit::Action, services::accounts};
    let state = crate::server::app_state()?;
    state.rate_limits.check_account(Action::SignUp, &email)?;
    accounts::sign_up(&state.db, state.shop(), &name, &email, &password).await?;
    leptos_axum::redirect("/account/check-email");
    Ok(())
}

/// Sign-in: a new session, the guest cart joined to the account's, then the page asked for.
#[server(prefix = "/api", endpoint = "account/sign-in")]
pub async fn sign_in(email: String, password: String, #[server(default)] next: String) -> Result<(), AppError> {
    use crate::server::{account_session, cart_session, rate_limit::Action, services::accounts, services::cart};
    let state = crate::server::app_state()?;
    state.rate_limits.check_account(Action::SignIn, &email)?;
    let guest_cart = cart_session::current(&state).await?;
    let signed_in = accounts::sign_in(&state.db, &email, &password, state.settings.sessions).await?;
    // A session of this browser before (another account's, say) ends: one browser, one session.
    if let Some((old, _)) = account_session::current(&state).await? {
        accounts::sign_out(&state.db, &old).await?;
    }
    account_session::set_cookie(&state, &signed_in.session);
    let rules = state.settings.cart_rules();
    if let Some((_, token)) = cart::claim_at_sign_in(&state.db, guest_cart, signed_in.user.id, rules).await? {
        cart_session::set_cookie(&state, &token);
    }
    leptos_axum::redirect(crate::model::account::next_page(&next));
    Ok(())
}

/// Sign-out: the session ends on the server, both cookies go (the next visit has a fresh, empty cart).
#[server(prefix = "/api", endpoint = "account/sign-out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::server::{account_session, cart_session, services::accounts};
    let state = crate::server::app_state()?;
    if let Some((secret, _)) = account_session::current(&state).await? {
        accounts::sign_out(&state.db, &secret).await?;
    }
    account_session::clear_cookie(&state);
    cart_session::clear_cookie(&state);
    leptos_axum::redirect("/");
    Ok(())
}

/// "Sign out everywhere": every session of the account ends, this one too.
#[server(prefix = "/api", endpoint = "account/sign-out-everywhere")]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    use crate::server::{account_session, cart_session, services::accounts};
    let state = crate::server::app_state()?;
    let (_, user) = account_session::require_user(&state).await?;
    accounts::sign_out_everywhere(&state.db, user.id).await?;
    account_session::clear_cookie(&state);
    cart_session::clear_cookie(&state);
    leptos_axum::redirect("/account/sign-in?signed-out=everywhere");
    Ok(())
}

/// The verification link's "Confirm": the address is confirmed and its owner signed in.
#[server(prefix = "/api", endpoint = "account/verify")]
pub async fn verify_email(token: String) -> Result<(), AppError> {
    use crate::server::{account_session, services::accounts};
    let state = crate::server::app_state()?;
    let signed_in = accounts::verify_email(&state.db, &token, state.settings.sessions).await?;
    account_session::set_cookie(&state, &signed_in.session);
    leptos_axum::redirect("/account?verified=1");
    Ok(())
}

/// The banner's "Resend": a new verification link for the signed-in shopper.
#[server(prefix = "/api", endpoint = "account/resend-verification")]
pub async fn resend_verification() -> Result<(), AppError> {
    use crate::server::{account_session, rate_limit::Action, services::accounts};
    let state = crate::server::app_state()?;
    let (_, user) = account_session::require_user(&state).await?;
    state.rate_limits.check_account(Action::Verification, &user.email)?;
    accounts::resend_verification(&state.db, state.shop(), &user).await?;
    leptos_axum::redirect("/account?sent=1");
    Ok(())
}

/// "Forgot password": the same answer whether or not the address has an account.
#[server(prefix = "/api", endpoint = "account/forgot-password")]
pub async fn forgot_password(email: String) -> Result<(), AppError> {
    use crate::server::{rate_limit::Action, services::accounts};
    let state = crate::server::app_state()?;
    state.rate_limits.check_account(Action::PasswordReset, &email)?;
    accounts::request_password_reset(&state.db, state.shop(), &email).await?;
    leptos_axum::redirect("/account/forgot-password/sent");
    Ok(())
}

/// Whether a reset link still works (the reset page shows its form only then).
#[server(prefix = "/api", endpoint = "account/reset-link")]
pub async fn reset_link_works(token: String) -> Result<bool, AppError> {
    let state = crate::server::app_state()?;
    crate::server::services::accounts::reset_link_works(&state.db, &token).await
}

/// A new password from a reset link: every session ends; the shopper signs in with it.
#[server(prefix = "/api", endpoint = "account/reset-password")]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    use crate::server::{account_session, services::accounts};
    let state = crate::server::app_state()?;
    accounts::reset_password(&state.db, state.shop(), &token, &password).await?;
    account_session::clear_cookie(&state);
    leptos_axum::redirect("/account/sign-in?reset=done");
    Ok(())
}

/// The profile form's "Save name".
#[server(prefix = "/api", endpoint = "account/name")]
pub async fn update_name(name: String) -> Result<(), AppError> {
    use crate::server::{account_session, services::accounts::profile};
    let state = crate::server::app_state()?;
    let (_, user) = account_session::require_user(&state).await?;
    profile::rename(&state.db, &user, &name).await?;
    leptos_axum::redirect("/account/profile?saved=name");
    Ok(())
}

/// The profile form's "Change email": a link to the new address (the account keeps its own until then).
#[server(prefix = "/api", endpoint = "account/email")]
pub async fn change_email(email: String, password: String) -> Result<(), AppError> {
    use crate::server::{account_session, rate_limit::Action, services::accounts::profile};
    let state = crate::server::app_state()?;
    let (_, user) = account_session::require_user(&state).await?;
    state.rate_limits.check_account(Action::SignIn, &user.email)?;
    profile::request_email_change(&state.db, state.shop(), &user, &email, &password).await?;
    leptos_axum::redirect("/account/profile?sent=email");
    Ok(())
}

/// "Change password": the current one, then the new; the other devices are signed out.
#[server(prefix = "/api", endpoint = "account/password")]
pub async fn change_password(current_password: String, new_password: String) -> Result<(), AppError> {
    use crate::server::{account_session, rate_limit::Action, services::accounts::profile};
    let state = crate::server::app_state()?;
    let (session, user) = account_session::require_user(&state).await?;
    state.rate_limits.check_account(Action::SignIn, &user.email)?;
    profile::change_password(&state.db, state.shop(), &user, &session, &current_password, &new_password).await?;
    leptos_axum::redirect("/account/password?saved=1");
    Ok(())
}
