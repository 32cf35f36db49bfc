//! The address book's server functions (/account/addresses). Each acts on the account of the
//! request's session; an address id of another account is not found. Plain forms too: without
//! JavaScript the browser posts them and is sent back to the address book, or to the form with the
//! refusal beside its fields.

// A form's fields are a server function's arguments (an address has seven).
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::account::SavedAddress;

/// The signed-in shopper's addresses, the default first (None when signed out).
#[server(prefix = "/api", endpoint = "account/addresses")]
pub async fn get_address_book() -> Result<Option<Vec<SavedAddress>>, AppError> {
    let state = crate::server::app_state()?;
    let Some((_, user)) = crate::server::account_session::current(&state).await? else { return Ok(None) };
    Ok(Some(crate::server::services::accounts::addresses::list(&state.db, user.id).await?))
}

/// One of the signed-in shopper's addresses, for its edit form (None when signed out).
#[server(prefix = "/api", endpoint = "account/address")]
pub async fn get_saved_address(id: i32) -> Result<Option<SavedAddress>, AppError> {
    let state = crate::server::app_state()?;
    let Some((_, user)) = crate::server::account_session::current(&state).await? else { return Ok(None) };
    Ok(Some(crate::server::services::accounts::addresses::get(&state.db, user.id, id).await?))
}

/// "Save address" on the new-address form.
#[server(prefix = "/api", endpoint = "account/addresses/add")]
pub async fn add_address(
    name: String,
    line1: String,
    #[server(default)] line2: String,
    city: String,
    #[server(default)] region: String,
    postal_code: String,
    country: String,
    #[server(default)] make_default: String,
) -> Result<(), AppError> {
    use crate::model::checkout::Address;
    let state = crate::server::app_state()?;
    let (_, user) = crate::server::account_session::require_user(&state).await?;
    let address = Address { name, line1, line2, city, region, postal_code, country };
    crate::server::services::accounts::addresses::add(&state.db, user.id, &address, !make_default.is_empty()).await?;
    leptos_axum::redirect("/account/addresses?saved=added");
    Ok(())
}

/// "Save changes" on an address's edit form.
#[server(prefix = "/api", endpoint = "account/addresses/update")]
pub async fn update_address(
    id: i32,
    name: String,
    line1: String,
    #[server(default)] line2: String,
    city: String,
    #[server(default)] region: String,
    postal_code: String,
    country: String,
    #[server(default)] make_default: String,
) -> Result<(), AppError> {
    use crate::model::checkout::Address;
    let state = crate::server::app_state()?;
    let (_, user) = crate::server::account_session::require_user(&state).await?;
    let address = Address { name, line1, line2, city, region, postal_code, country };
    let make_default = !make_default.is_empty();
    crate::server::services::accounts::addresses::update(&state.db, user.id, id, &address, make_default).await?;
    leptos_axum::redirect("/account/addresses?saved=updated");
    Ok(())
}

/// "Make default" beside an address.
#[server(prefix = "/api", endpoint = "account/addresses/default")]
pub async fn make_default_address(id: i32) -> Result<(), AppError> {
    let state = crate::server::app_state()?;
    let (_, user) = crate::server::account_session::require_user(&state).await?;
    crate::server::services::accounts::addresses::set_default(&state.db, user.id, id).await?;
    leptos_axum::redirect("/account/addresses?saved=default");
    Ok(())
}

/// "Delete" beside an address.
#[server(prefix = "/api", endpoint = "account/addresses/delete")]
pub async fn delete_address(id: i32) -> Result<(), AppError> {
    let state = crate::server::app_state()?;
    let (_, user) = crate::server::account_session::require_user(&state).await?;
    crate::server::services::accounts::addresses::delete(&state.db, user.id, id).await?;
    leptos_axum::redirect("/account/addresses?saved=deleted");
    Ok(())
}
