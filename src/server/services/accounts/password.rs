//! Password hashing: argon2id with OWASP's minimum (m = 19 MiB, t = 2, p = 1), stored as a PHC string
//! so its parameters travel with it. Hashing is CPU work of tens of milliseconds: it runs on the
//! blocking pool (`spawn_blocking`), never on the async workers.

use std::collections::HashSet;
use std::sync::OnceLock;

pub use argon2::Params;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Version};

use crate::error::AppError;
use crate::model::account::check_password_length;

/// The parameters new hashes get. A stored hash with weaker ones is rehashed at the next sign-in.
pub fn params() -> Params {
    Params::DEFAULT
}

fn hasher(params: Params) -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The password rules for the form's field `field`: 8 to 128 characters, not one of the 3,000 most
/// common passwords (`common_passwords.txt`).
pub fn check(password: &str, field: &str) -> Result<(), AppError> {
    check_password_length(password, field)?;
    if is_common(password) {
        return Err(AppError::invalid(field, "That password is too common. Choose one that is harder to guess."));
    }
    Ok(())
}

fn is_common(password: &str) -> bool {
    static COMMON: OnceLock<HashSet<&'static str>> = OnceLock::new();
    let common = COMMON.get_or_init(|| {
        include_str!("common_passwords.txt").lines().filter(|line| !line.starts_with('#') && !line.is_empty()).collect()
    });
    common.contains(password.to_lowercase().as_str())
}

/// A new PHC string for `password`, with a fresh random salt and [`params`].
pub async fn hash(password: String) -> Result<String, AppError> {
    hash_with(password, params()).await
}

pub async fn hash_with(password: String, params: Params) -> Result<String, AppError> {
    blocking(move || hasher(params).hash_password(password.as_bytes()).map(|hash| hash.to_string())).await
}

/// What checking a password against a stored hash found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    Wrong,
    /// Right; `rehash` when the stored hash was made with weaker parameters than today's.
    Right {
        rehash: bool,
    },
}

/// Checks `password` against a stored PHC string (with the parameters stored in it).
pub async fn verify(password: String, stored: String) -> Result<Verified, AppError> {
    blocking(move || {
        let hash = PasswordHash::new(&stored)?;
        let rehash = weaker_than_today(&hash);
        Ok(match hasher(params()).verify_password(password.as_bytes(), &hash) {
            Ok(()) => Verified::Right { rehash },
            Err(argon2::password_hash::Error::PasswordInvalid) => Verified::Wrong,
            Err(other) => return Err(other),
        })
    })
    .await
}

/// The same work as checking a password, for an email without an account: a sign-in for an unknown
/// address takes as long as one for a known address with a wrong password.
pub async fn verify_nothing(password: String) -> Result<(), AppError> {
    verify(password, dummy_hash().await?).await.map(|_| ())
}

/// The hash [`verify_nothing`] checks against: made once per process with today's [`params`], so its
/// check costs what a real account's does.
async fn dummy_hash() -> Result<String, AppError> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(dummy) = DUMMY.get() {
        return Ok(dummy.clone());
    }
    let made = hash("not anyone's password".to_owned()).await?;
    Ok(DUMMY.get_or_init(|| made).clone())
}

fn weaker_than_today(hash: &PasswordHash) -> bool {
    let today = params();
    match Params::try_from(hash) {
        Ok(stored) => {
            hash.algorithm.as_str() != Algorithm::Argon2id.ident().as_str()
                || stored.m_cost() < today.m_cost()
                || stored.t_cost() < today.t_cost()
                || stored.p_cost() < today.p_cost()
        }
        Err(_) => true,
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, argon2::password_hash::Error> + Send + 'static,
) -> Result<T, AppError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => {
            tracing::error!(%error, "password hashing failed");
            Err(AppError::Internal)
        }
        Err(error) => Err(AppError::internal(&error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_and_short_passwords_are_refused_on_their_field() {
        for common in ["password1", "PASSWORD1", "baseball", "iloveyou", "trustno1"] {
            let refused = check(common, "password").unwrap_err();
            assert!(refused.field("password").unwrap().contains("too common"), "{common}");
        }
        assert!(check("short", "password").unwrap_err().field("password").unwrap().contains("at least 8"));
        assert!(check("correct horse battery staple", "password").is_ok());
    }

    #[test]
    fn the_list_holds_the_3000_most_common_passwords() {
        let entries = include_str!("common_passwords.txt").lines().filter(|l| !l.starts_with('#')).count();
        assert_eq!(entries, 3000);
    }

    /// A sign-in for an unknown email checks the password against this hash, with the same `verify` as a
    /// known account's: the same work (argon2id, today's parameters), so the answer takes as long.
    #[tokio::test]
    async fn an_unknown_email_costs_one_check_with_todays_parameters() {
        let dummy = dummy_hash().await.unwrap();
        let parsed = PasswordHash::new(&dummy).unwrap();
        assert!(!weaker_than_today(&parsed), "{dummy}");
        let stored = Params::try_from(&parsed).unwrap();
        let today = params();
        assert_eq!(
            (stored.m_cost(), stored.t_cost(), stored.p_cost()),
            (today.m_cost(), today.t_cost(), today.p_cost())
        );
        assert_eq!(dummy_hash().await.unwrap(), dummy, "made once");
        assert!(verify_nothing("anything at all".into()).await.is_ok());
    }

    #[tokio::test]
    async fn hashes_are_argon2id_phc_strings_with_owasp_parameters() {
        let phc = hash("correct horse battery staple".into()).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        let right = verify("correct horse battery staple".into(), phc.clone()).await.unwrap();
        assert_eq!(right, Verified::Right { rehash: false });
        assert_eq!(verify("Correct horse battery staple".into(), phc).await.unwrap(), Verified::Wrong);
    }

    #[tokio::test]
    async fn a_hash_with_weaker_parameters_asks_for_a_rehash() {
        let weak = Params::new(8 * 1024, 1, 1, None).unwrap();
        let phc = hash_with("correct horse battery staple".into(), weak).await.unwrap();
        assert!(phc.contains("m=8192,t=1,p=1"), "{phc}");
        let right = verify("correct horse battery staple".into(), phc).await.unwrap();
        assert_eq!(right, Verified::Right { rehash: true });
    }

    #[tokio::test]
    async fn a_stored_hash_that_is_not_phc_is_an_internal_error() {
        assert_eq!(verify("anything at all".into(), "plaintext".into()).await, Err(AppError::Internal));
    }
}
