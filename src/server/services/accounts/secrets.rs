//! Random bearer secrets (session cookies, mailed links): 256 bits from the OS's CSPRNG, as 64 hex
//! characters. Only their SHA-256 is stored, so a copy of the database lets no one in.

use sha2::{Digest, Sha256};

/// A new secret: 32 random bytes, hex.
pub fn new_secret() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// Whether a value from a cookie or a link has the shape of one of our secrets (anything else is
/// refused without a lookup).
pub fn is_secret(value: &str) -> bool {
    value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// What the database keeps of a secret.
pub fn stored_id(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_new_each_time_and_stored_only_as_their_hash() {
        let (a, b) = (new_secret(), new_secret());
        assert!(is_secret(&a) && is_secret(&b) && a != b);
        assert!(is_secret(&stored_id(&a)) && stored_id(&a) != a);
        assert!(!is_secret(&a.to_uppercase()) && !is_secret(&a[1..]) && !is_secret("x"));
    }
}
