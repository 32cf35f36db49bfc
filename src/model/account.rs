//! Accounts as the browser and the server both see them: the email, password and name rules (parse,
//! don't validate) and what account pages show.

use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// An email address as the store keeps it: trimmed, lower case, at most 254 bytes, `local@domain.tld`
/// without spaces or control characters. Delivery proves the rest. Every email that enters the store
/// (sign-up, sign-in, checkout, reset, back-in-stock) is parsed into this first.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub const MAX_BYTES: usize = 254;

    pub fn parse(text: &str) -> Result<Email, AppError> {
        let email = text.trim().to_lowercase();
        if Self::plausible(&email) {
            Ok(Email(email))
        } else {
            Err(AppError::invalid("email", "Enter an email address like name@example.com."))
        }
    }

    fn plausible(email: &str) -> bool {
        let Some((local, domain)) = email.rsplit_once('@') else { return false };
        email.len() <= Self::MAX_BYTES
            && !local.is_empty()
            && local.len() <= 64
            && !local.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !email.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | ','))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Passwords are 8 to 128 characters (any characters: unicode counts one per character). The server
/// also refuses the most common ones (`server::services::accounts::password`).
pub const PASSWORD_CHARS: std::ops::RangeInclusive<usize> = 8..=128;

/// The length rule, for the form's field `field`.
pub fn check_password_length(password: &str, field: &str) -> Result<(), AppError> {
    let chars = password.chars().count();
    if chars < *PASSWORD_CHARS.start() {
        Err(AppError::invalid(field, format!("Use at least {} characters.", PASSWORD_CHARS.start())))
    } else if chars > *PASSWORD_CHARS.end() {
        Err(AppError::invalid(field, format!("Use at most {} characters.", PASSWORD_CHARS.end())))
    } else {
        Ok(())
    }
}

/// A shopper's name as they typed it (trimmed): 1 to 100 characters, no control characters. Any
/// script is fine; it is always escaped where it is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName(String);

impl PersonName {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(text: &str) -> Result<PersonName, AppError> {
        let name = text.trim();
        if name.is_empty() {
            Err(AppError::invalid("name", "Enter your name."))
        } else if name.chars().count() > Self::MAX_CHARS {
            Err(AppError::invalid("name", format!("Use at most {} characters.", Self::MAX_CHARS)))
        } else if name.chars().any(char::is_control) {
            Err(AppError::invalid("name", "Use letters, spaces and punctuation only."))
        } else {
            Ok(PersonName(name.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What the header greets the shopper with: the first word of the name.
    pub fn first(&self) -> &str {
        self.0.split_whitespace().next().unwrap_or(&self.0)
    }
}

/// Where a sign-in goes next: the page it was asked for when that is a path on this site, else the
/// account page. (Never another site: a link could otherwise send a shopper away after signing in.)
pub fn next_page(requested: &str) -> &str {
    let local = requested.starts_with('/')
        && !requested.starts_with("//")
        && !requested.contains(['\\', '\r', '\n'])
        && !requested.starts_with("/account/sign-");
    if local { requested } else { "/account" }
}

/// The signed-in shopper, as the header and the account pages show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    pub name: String,
    pub first_name: String,
    pub email: String,
    pub verified: bool,
    /// The slugs of the products on their wishlist: read for pages (their hearts), empty elsewhere.
    #[serde(default)]
    pub saved: Vec<String>,
}

/// What an account may do: shop, or also run the store's back office (`storefront create-admin`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case"))]
pub enum Role {
    #[default]
    Customer,
    Admin,
}

/// How many addresses one account's address book keeps.
pub const MAX_SAVED_ADDRESSES: usize = 20;

/// An address of the signed-in shopper's address book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedAddress {
    pub id: i32,
    pub address: super::checkout::Address,
    /// The one checkout fills in first.
    pub default: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(Email::parse(" Ada@Example.COM ").unwrap().as_str(), "ada@example.com");
        assert_eq!(Email::parse("ÉLODIE@exemple.fr").unwrap().as_str(), "élodie@exemple.fr");
    }

    #[test]
    fn implausible_emails_are_refused_on_the_email_field() {
        let long_local = format!("{}@example.com", "a".repeat(65));
        let long = format!("{}@{}.com", "a".repeat(60), "b".repeat(200));
        for bad in [
            "",
            "ada",
            "ada@example",
            "@example.com",
            "ada example@example.com",
            "ada@example.com.",
            "ada@.example.com",
            "ada@exa..mple.com",
            "a@b@example.com",
            "<script>@example.com",
            "ada@exam\nple.com",
            "ada\u{0}@example.com",
            &long_local,
            &long,
        ] {
            let refused = Email::parse(bad).unwrap_err();
            assert!(refused.field("email").is_some(), "{bad:?}");
        }
    }

    #[test]
    fn passwords_are_measured_in_characters() {
        assert!(check_password_length("seven77", "password").is_err());
        assert!(check_password_length("ééééééé", "password").is_err(), "7 characters, 14 bytes");
        assert!(check_password_length("éééééééé", "password").is_ok());
        assert!(check_password_length(&"x".repeat(128), "password").is_ok());
        let refused = check_password_length(&"x".repeat(129), "new_password").unwrap_err();
        assert_eq!(refused.field("new_password"), Some("Use at most 128 characters."));
    }

    #[test]
    fn a_sign_in_goes_on_only_to_a_page_of_this_site() {
        assert_eq!(next_page("/cart"), "/cart");
        assert_eq!(next_page("/p/trail-hoodie?variant=TH-M"), "/p/trail-hoodie?variant=TH-M");
        for elsewhere in ["", "https://evil.example", "//evil.example", "/\\evil.example", "cart", "/account/sign-in"] {
            assert_eq!(next_page(elsewhere), "/account", "{elsewhere}");
        }
    }

    #[test]
    fn names_are_trimmed_and_greeted_by_their_first_word() {
        let name = PersonName::parse("  Ada  Lovelace ").unwrap();
        assert_eq!((name.as_str(), name.first()), ("Ada  Lovelace", "Ada"));
        assert_eq!(PersonName::parse("<b>Zoë</b>").unwrap().as_str(), "<b>Zoë</b>", "kept; escaped on output");
        assert!(PersonName::parse("   ").unwrap_err().field("name").is_some());
        assert!(PersonName::parse(&"n".repeat(101)).is_err());
        assert!(PersonName::parse("Ada\u{7}").is_err());
    }
}
