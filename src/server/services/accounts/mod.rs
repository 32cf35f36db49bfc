//! Accounts: sign-up, sign-in, sessions, email verification and password resets. Every rule about who
//! may do what with an account lives here; server functions parse, call one of these, and answer.

pub mod addresses;
pub mod links;
pub mod mails;
pub mod password;
pub mod profile;
pub mod secrets;
pub mod sessions;

use chrono::Utc;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveEnum, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use crate::error::{AppError, FieldErrors};
use crate::model::account::{AccountView, Email, PersonName, Role};
use crate::server::config::SessionRules;
use crate::server::entities::account_token::Purpose;
use crate::server::entities::user;
use crate::server::services::mail::Shop;
use password::Verified;

/// What a sign-in with a wrong email or password is told (the same for both: no account is revealed).
pub const WRONG_CREDENTIALS: &str =
    "That email and password don't match an account. Check them, or reset your password.";

/// A signed-in shopper and the secret of their new session (for the cookie).
#[derive(Debug)]
pub struct SignedIn {
    pub user: user::Model,
    pub session: String,
}

impl From<&user::Model> for AccountView {
    fn from(user: &user::Model) -> Self {
        let first = user.name.split_whitespace().next().unwrap_or(&user.name).to_owned();
        AccountView {
            name: user.name.clone(),
            first_name: first,
            email: user.email.clone(),
            verified: user.email_verified_at.is_some(),
            saved: Vec::new(),
        }
    }
}

/// Parses each field, collecting every message (a form shows them all at once).
pub(super) fn collect<T>(fields: &mut FieldErrors, parsed: Result<T, AppError>) -> Option<T> {
    match parsed {
        Ok(value) => Some(value),
        Err(AppError::Validation(more)) => {
            fields.extend(more);
            None
        }
        Err(other) => {
            fields.insert("form".into(), other.to_string());
            None
        }
    }
}

/// Sign-up. Answers the same whether or not the address has an account: a new address gets an
/// account and a verification mail; an address with an account gets a mail telling its owner. The
/// password is hashed either way, so both take as long.
#[tracing::instrument(skip_all)]
pub async fn sign_up(
    db: &DatabaseConnection,
    shop: &Shop,
    name: &str,
    email: &str,
    pass: &str,
) -> Result<(), AppError> {
    let mut fields = FieldErrors::new();
    let name = collect(&mut fields, PersonName::parse(name));
    let email = collect(&mut fields, Email::parse(email));
    let checked = collect(&mut fields, password::check(pass, "password"));
    let (Some(name), Some(email), Some(())) = (name, email, checked) else { return Err(AppError::Validation(fields)) };
    let hash = password::hash(pass.to_owned()).await?;
    crate::write_retry!(db, |txn| {
        let now = Utc::now();
        let new_user = user::ActiveModel {
            email: Set(email.as_str().to_owned()),
            password_hash: Set(hash.clone()),
            name: Set(name.as_str().to_owned()),
            email_verified_at: Set(None),
            role: Set(Role::Customer),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        let inserted = user::Entity::insert(new_user)
            .on_conflict(OnConflict::column(user::Column::Email).do_nothing().to_owned())
            .exec_without_returning(txn)
            .await?;
        if inserted == 0 {
            mails::account_exists(txn, shop, email.as_str()).await?;
            return Ok(Ok(()));
        }
        let created = find_by_email(txn, &email).await?.ok_or(sea_orm::DbErr::RecordNotInserted)?;
        let secret = links::issue(txn, created.id, Purpose::VerifyEmail, email.as_str()).await?;
        mails::verification(txn, shop, email.as_str(), name.as_str(), &secret).await?;
        Ok(Ok(()))
    })
}

/// Sign-in with email and password: a new session (a new secret: no fixation). A wrong password and an
/// unknown email get the same answer after the same work. A hash made with older parameters is
/// replaced by one with today's.
#[tracing::instrument(skip_all)]
pub async fn sign_in(
    db: &DatabaseConnection,
    email: &str,
    pass: &str,
    rules: SessionRules,
) -> Result<SignedIn, AppError> {
    let wrong = || AppError::invalid("credentials", WRONG_CREDENTIALS);
    let email = Email::parse(email)?;
    if pass.is_empty() {
        return Err(AppError::invalid("password", "Enter your password."));
    }
    let Some(found) = find_by_email(db, &email).await? else {
        password::verify_nothing(pass.to_owned()).await?;
        tracing::info!("sign-in refused: no account for that email");
        return Err(wrong());
    };
    match password::verify(pass.to_owned(), found.password_hash.clone()).await? {
        Verified::Wrong => {
            tracing::warn!(user_id = found.id, "sign-in refused: wrong password");
            Err(wrong())
        }
        Verified::Right { rehash } => {
            if rehash {
                let hash = password::hash(pass.to_owned()).await?;
                set_password_hash(db, found.id, &hash).await?;
                tracing::info!(user_id = found.id, "rehashed a password with today's parameters");
            }
            let session = sessions::start(db, found.id, rules).await?;
            Ok(SignedIn { user: found, session })
        }
    }
}

/// Confirms the address a verification link was mailed to (the sign-up address, or the new address of
/// an email change), and signs its owner in. The account's other sessions end: someone who created the
/// account with another's address and signed in before its owner confirmed it is signed out. An address
/// that another account took since the link was sent is refused, and nothing changes.
#[tracing::instrument(skip_all)]
pub async fn verify_email(db: &DatabaseConnection, secret: &str, rules: SessionRules) -> Result<SignedIn, AppError> {
    let expired =
        || AppError::invalid("token", "This link has expired or was already used. Sign in to have a new one sent.");
    let taken = || {
        AppError::Conflict(
            "Another account uses this address now, so it can't become yours. Sign in and choose another one.".into(),
        )
    };
    let user_id = crate::write_retry!(db, |txn| {
        let Some(link) = links::redeem(txn, secret, Purpose::VerifyEmail).await? else { return Ok(Err(expired())) };
        let other = user::Entity::find()
            .filter(user::Column::Email.eq(link.email.clone()))
            .filter(user::Column::Id.ne(link.user_id))
            .one(txn)
            .await?;
        if other.is_some() {
            return Ok(Err(taken()));
        }
        let now = Utc::now();
        let updated = user::Entity::update_many()
            .col_expr(user::Column::Email, Expr::value(link.email.clone()))
            .col_expr(user::Column::EmailVerifiedAt, Expr::value(now))
            .col_expr(user::Column::UpdatedAt, Expr::value(now))
            .filter(user::Column::Id.eq(link.user_id))
            .exec(txn)
            .await;
        match updated {
            // Two accounts confirming one address at once: the unique index lets one through.
            Err(error) if crate::server::db::is_unique_violation(&error) => {
                return Ok(Err(taken()));
            }
            other => other?,
        };
        sessions::end_all(txn, link.user_id, None).await?;
        Ok(Ok(link.user_id))
    })?;
    let user = user::Entity::find_by_id(user_id).one(db).await?.ok_or_else(expired)?;
    let session = sessions::start(db, user.id, rules).await?;
    Ok(SignedIn { user, session })
}

/// A new verification link for a signed-in shopper whose address is not confirmed yet.
pub async fn resend_verification(db: &DatabaseConnection, shop: &Shop, user: &user::Model) -> Result<(), AppError> {
    if user.email_verified_at.is_some() {
        return Err(AppError::Conflict("Your email address is already confirmed.".into()));
    }
    crate::write_retry!(db, |txn| {
        let secret = links::issue(txn, user.id, Purpose::VerifyEmail, &user.email).await?;
        mails::verification(txn, shop, &user.email, &user.name, &secret).await?;
        Ok(Ok(()))
    })
}

/// "Forgot password": answers at once, the same words whether or not the address has an account; the
/// lookup and the mail happen after the answer, so the answer takes as long either way.
pub async fn request_password_reset(db: &DatabaseConnection, shop: &Shop, email: &str) -> Result<(), AppError> {
    let email = Email::parse(email)?;
    let (db, shop) = (db.clone(), shop.clone());
    tokio::spawn(async move {
        let sent = async {
            let Some(found) = find_by_email(&db, &email).await? else { return Ok::<bool, AppError>(false) };
            crate::write_retry!(&db, |txn| {
                let secret = links::issue(txn, found.id, Purpose::ResetPassword, &found.email).await?;
                mails::password_reset(txn, &shop, &found.email, &secret).await?;
                Ok(Ok(true))
            })
        };
        match sent.await {
            Ok(sent) => tracing::info!(sent, "password reset requested"),
            Err(error) => tracing::error!(%error, "a password reset mail could not be queued"),
        }
    });
    Ok(())
}

/// Whether a reset link still works (the reset page shows its form only then).
pub async fn reset_link_works(db: &DatabaseConnection, secret: &str) -> Result<bool, AppError> {
    Ok(links::find_usable(db, secret, Purpose::ResetPassword).await?.is_some())
}

/// Sets a new password from a reset link: the link is used up, every session of the account ends
/// (the shopper signs in again with the new password), and the owner is mailed.
#[tracing::instrument(skip_all)]
pub async fn reset_password(db: &DatabaseConnection, shop: &Shop, secret: &str, new: &str) -> Result<(), AppError> {
    password::check(new, "password")?;
    let hash = password::hash(new.to_owned()).await?;
    crate::write_retry!(db, |txn| {
        let Some(link) = links::redeem(txn, secret, Purpose::ResetPassword).await? else {
            return Ok(Err(AppError::invalid(
                "token",
                "This reset link has expired or was already used. Ask for a new one below.",
            )));
        };
        set_password_hash(txn, link.user_id, &hash).await?;
        // The link proves the shopper reads mail at that address.
        user::Entity::update_many()
            .col_expr(user::Column::EmailVerifiedAt, Expr::value(Utc::now()))
            .filter(user::Column::Id.eq(link.user_id))
            .filter(user::Column::Email.eq(link.email.clone()))
            .filter(user::Column::EmailVerifiedAt.is_null())
            .exec(txn)
            .await?;
        sessions::end_all(txn, link.user_id, None).await?;
        mails::password_changed(txn, shop, &link.email).await?;
        Ok(Ok(()))
    })
}

/// The account of a live session.
pub async fn signed_in_user(
    db: &DatabaseConnection,
    secret: &str,
    rules: SessionRules,
) -> Result<Option<user::Model>, AppError> {
    Ok(sessions::user_of(db, secret, rules).await?)
}

/// Sign-out: this session ends (server-side, not only the cookie).
pub async fn sign_out(db: &DatabaseConnection, secret: &str) -> Result<(), AppError> {
    Ok(sessions::end(db, secret).await?)
}

/// "Sign out everywhere": every session of the account ends, this one too.
pub async fn sign_out_everywhere(db: &DatabaseConnection, user_id: i32) -> Result<u64, AppError> {
    Ok(sessions::end_all(db, user_id, None).await?)
}

/// What [`make_admin`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Promoted {
    Now,
    Already,
}

/// Makes the account of `email` an admin (`storefront create-admin`). Only an account whose owner
/// confirmed the address: anyone can sign up with an address, only its owner can confirm it.
pub async fn make_admin(db: &DatabaseConnection, email: &str) -> Result<Promoted, AppError> {
    let email = Email::parse(email)?;
    let Some(account) = find_by_email(db, &email).await? else {
        let message = format!(
            "No account uses {}: sign up in the store, confirm the address, then run this again.",
            email.as_str()
        );
        return Err(AppError::invalid("email", message));
    };
    if account.email_verified_at.is_none() {
        let message = format!("{} has not confirmed its address yet: open the mailed link first.", email.as_str());
        return Err(AppError::invalid("email", message));
    }
    if account.role == Role::Admin {
        return Ok(Promoted::Already);
    }
    let updated = user::Entity::update_many()
        .col_expr(user::Column::Role, Expr::value(Role::Admin.to_value()))
        .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(account.id))
        .exec(db)
        .await?;
    tracing::warn!(user_id = account.id, rows = updated.rows_affected, "account made an admin");
    Ok(Promoted::Now)
}

pub async fn find_by_email(db: &impl ConnectionTrait, email: &Email) -> Result<Option<user::Model>, sea_orm::DbErr> {
    user::Entity::find().filter(user::Column::Email.eq(email.as_str())).one(db).await
}

pub(super) async fn set_password_hash(
    db: &impl ConnectionTrait,
    user_id: i32,
    hash: &str,
) -> Result<(), sea_orm::DbErr> {
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash.to_owned()))
        .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}
