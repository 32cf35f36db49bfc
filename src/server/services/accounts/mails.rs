//! The mails accounts send, through the outbox, with links built from the configured public URL
//! (never from a request's Host header).

use sea_orm::{ConnectionTrait, DbErr};

use crate::server::services::mail::{self, Shop};

/// "Confirm your email": the single-use verification link (24 hours).
pub async fn verification(
    db: &impl ConnectionTrait,
    shop: &Shop,
    to: &str,
    name: &str,
    secret: &str,
) -> Result<(), DbErr> {
    let link = verify_link(shop, secret);
    let body = format!(
        "Hello {name},\n\nPlease confirm that {to} is your email address for your {shop} account:\n\n{link}\n\n\
         The link works once, for 24 hours. If you did not create an account, ignore this mail.\n",
        shop = shop.name
    );
    mail::queue(db, to, &format!("Confirm your email for {}", shop.name), &body, "verify_email", None).await
}

/// The page that redeems a verification link (the sign-up address or a new one).
fn verify_link(shop: &Shop, secret: &str) -> String {
    format!("{}/account/verify?token={secret}", shop.public_url)
}

/// Sign-up with an address that has an account: the owner is told, the visitor is told nothing new.
pub async fn account_exists(db: &impl ConnectionTrait, shop: &Shop, to: &str) -> Result<(), DbErr> {
    let body = format!(
        "Hello,\n\nSomeone tried to create an account at {shop} with your address, {to}. You already have one.\n\n\
         If it was you, sign in: {url}/account/sign-in\nForgot your password? Reset it: {url}/account/forgot-password\n\n\
         If it was not you, you need not do anything: your account is unchanged.\n",
        shop = shop.name,
        url = shop.public_url
    );
    mail::queue(db, to, &format!("Your {} account", shop.name), &body, "account_exists", None).await
}

/// "Reset your password": the single-use reset link (1 hour).
pub async fn password_reset(db: &impl ConnectionTrait, shop: &Shop, to: &str, secret: &str) -> Result<(), DbErr> {
    let link = format!("{}/account/reset-password?token={secret}", shop.public_url);
    let body = format!(
        "Hello,\n\nTo choose a new password for your {shop} account, open this link:\n\n{link}\n\n\
         The link works once, for 1 hour. If you did not ask for it, ignore this mail: your password is unchanged.\n",
        shop = shop.name
    );
    mail::queue(db, to, &format!("Reset your {} password", shop.name), &body, "reset_password", None).await
}

/// After a password change or reset: the owner hears of it, in case it was not them.
pub async fn password_changed(db: &impl ConnectionTrait, shop: &Shop, to: &str) -> Result<(), DbErr> {
    let body = format!(
        "Hello,\n\nThe password of your {shop} account was just changed, and every other device was signed out.\n\n\
         If this was not you, reset your password now: {url}/account/forgot-password\n",
        shop = shop.name,
        url = shop.public_url
    );
    mail::queue(db, to, &format!("Your {} password was changed", shop.name), &body, "password_changed", None).await
}

/// "Confirm your new email": the link that moves an account to a new address (24 hours).
pub async fn confirm_new_address(
    db: &impl ConnectionTrait,
    shop: &Shop,
    to: &str,
    name: &str,
    secret: &str,
) -> Result<(), DbErr> {
    let link = verify_link(shop, secret);
    let body = format!(
        "Hello {name},\n\nYou asked to use {to} for your {shop} account. Please confirm it:\n\n{link}\n\n\
         The link works once, for 24 hours; until it is used your account keeps its current address. \
         If you did not ask for this, ignore this mail.\n",
        shop = shop.name
    );
    mail::queue(db, to, &format!("Confirm your new email for {}", shop.name), &body, "verify_email", None).await
}

/// To the old address when a change of address is asked for: the owner hears of it before it happens.
pub async fn email_change_requested(db: &impl ConnectionTrait, shop: &Shop, to: &str, new: &str) -> Result<(), DbErr> {
    let body = format!(
        "Hello,\n\nSomeone signed in to your {shop} account asked to change its email address from {to} to {new}. \
         It changes only when the link we sent to {new} is opened.\n\n\
         If this was not you, change your password now: {url}/account/forgot-password\n",
        shop = shop.name,
        url = shop.public_url
    );
    mail::queue(db, to, &format!("Your {} email address is changing", shop.name), &body, "email_change", None).await
}

/// A change of address to one that has an account: its owner is told, the shopper asking hears nothing new.
pub async fn address_taken(db: &impl ConnectionTrait, shop: &Shop, to: &str) -> Result<(), DbErr> {
    let body = format!(
        "Hello,\n\nSomeone asked to move another {shop} account to your address, {to}. You already have an \
         account with it, so nothing changed.\n\nIf it was you, sign in to this account instead: {url}/account/sign-in\n",
        shop = shop.name,
        url = shop.public_url
    );
    mail::queue(db, to, &format!("Your {} account", shop.name), &body, "account_exists", None).await
}
