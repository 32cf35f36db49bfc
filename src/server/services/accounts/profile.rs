//! What a signed-in shopper changes about their own account: the name, the email address (it changes
//! only once the new address is confirmed from a mailed link; the old address is told at once) and the
//! password (the current one first; every other session ends). Each takes the account of the request's
//! session, never an id from the form, so no one changes another's account.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::password::{self, Verified};
use super::{collect, find_by_email, links, mails, sessions, set_password_hash};
use crate::error::{AppError, FieldErrors};
use crate::model::account::{Email, PersonName};
use crate::server::entities::account_token::Purpose;
use crate::server::entities::user;
use crate::server::services::mail::Shop;

/// The message when the password typed to approve a change is not the account's.
pub const NOT_YOUR_PASSWORD: &str = "That isn't your current password.";

/// A new name (shown in the header's greeting and on order mails from now on).
pub async fn rename(db: &DatabaseConnection, user: &user::Model, name: &str) -> Result<(), AppError> {
    let name = PersonName::parse(name)?;
    user::Entity::update_many()
        .col_expr(user::Column::Name, Expr::value(name.as_str().to_owned()))
        .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(user.id))
        .exec(db)
        .await?;
    Ok(())
}

/// Checks the password a shopper typed to approve a change to their account (`field`: the form's).
async fn approve(user: &user::Model, typed: &str, field: &str) -> Result<(), AppError> {
    if typed.is_empty() {
        return Err(AppError::invalid(field, "Enter your current password."));
    }
    match password::verify(typed.to_owned(), user.password_hash.clone()).await? {
        Verified::Right { .. } => Ok(()),
        Verified::Wrong => {
            tracing::warn!(user_id = user.id, "account change refused: wrong current password");
            Err(AppError::invalid(field, NOT_YOUR_PASSWORD))
        }
    }
}

/// "Change my email": after the current password, a confirmation link goes to the new address and a
/// notice to the old one; the account keeps its address until the link is used
/// (`accounts::verify_email`). When the new address has an account of its own, that owner is told
/// instead and the shopper sees the same answer (the form cannot be used to find accounts).
#[tracing::instrument(skip_all, fields(user_id = user.id))]
pub async fn request_email_change(
    db: &DatabaseConnection,
    shop: &Shop,
    user: &user::Model,
    new_email: &str,
    current_password: &str,
) -> Result<(), AppError> {
    let mut fields = FieldErrors::new();
    let email = collect(&mut fields, Email::parse(new_email));
    if let Some(email) = &email
        && email.as_str() == user.email
    {
        fields.insert("email".into(), "That is already your email address.".into());
    }
    if current_password.is_empty() {
        fields.insert("password".into(), "Enter your current password.".into());
    }
    let Some(email) = email.filter(|_| fields.is_empty()) else { return Err(AppError::Validation(fields)) };
    approve(user, current_password, "password").await?;
    crate::write_retry!(db, |txn| {
        if find_by_email(txn, &email).await?.is_some() {
            mails::address_taken(txn, shop, email.as_str()).await?;
            return Ok(Ok(()));
        }
        let secret = links::issue(txn, user.id, Purpose::VerifyEmail, email.as_str()).await?;
        mails::confirm_new_address(txn, shop, email.as_str(), &user.name, &secret).await?;
        mails::email_change_requested(txn, shop, &user.email, email.as_str()).await?;
        Ok(Ok(()))
    })
}

/// "Change my password": the current one, then the new one (the same rules as at sign-up). Every other
/// session of the account ends; the one of `this_session` stays signed in. The owner is mailed.
#[tracing::instrument(skip_all, fields(user_id = user.id))]
pub async fn change_password(
    db: &DatabaseConnection,
    shop: &Shop,
    user: &user::Model,
    this_session: &str,
    current: &str,
    new: &str,
) -> Result<(), AppError> {
    let mut fields = FieldErrors::new();
    if current.is_empty() {
        fields.insert("current_password".into(), "Enter your current password.".into());
    }
    collect(&mut fields, password::check(new, "new_password"));
    if fields.is_empty() && current == new {
        fields.insert("new_password".into(), "Choose a password different from your current one.".into());
    }
    if !fields.is_empty() {
        return Err(AppError::Validation(fields));
    }
    approve(user, current, "current_password").await?;
    let hash = password::hash(new.to_owned()).await?;
    crate::write_retry!(db, |txn| {
        set_password_hash(txn, user.id, &hash).await?;
        let ended = sessions::end_all(txn, user.id, Some(this_session)).await?;
        mails::password_changed(txn, shop, &user.email).await?;
        tracing::info!(other_sessions_ended = ended, "password changed");
        Ok(Ok(()))
    })
}
