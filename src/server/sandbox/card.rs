//! A card as typed on the sandbox's hosted payment page: the provider's side of the checkout, the only
//! place a card number is read (the store itself never sees one).

use std::collections::BTreeMap;

/// A card that passed the checks. Its Debug output hides the number.
#[derive(Clone)]
pub struct Card {
    /// 12 to 19 ASCII digits, Luhn-valid.
    number: String,
}

impl std::fmt::Debug for Card {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Card({} ending {})", self.brand(), self.last4())
    }
}

/// Which fields are wrong, with a message for each (field name → message).
pub type CardErrors = BTreeMap<&'static str, &'static str>;

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 { if d * 2 > 9 { d * 2 - 9 } else { d * 2 } } else { d }
        })
        .sum();
    sum.is_multiple_of(10)
}

impl Card {
    /// Reads the form's fields (spaces and dashes in the number are fine; expiry as MM/YY or MM/YYYY),
    /// naming each field that is wrong. Any text, of any length or alphabet, gets an answer: nothing is
    /// sliced before it is known to be ASCII digits.
    pub fn parse(number: &str, expiry: &str, cvc: &str, today: chrono::NaiveDate) -> Result<Card, CardErrors> {
        use chrono::Datelike;
        let mut errors = CardErrors::new();
        let digits: String = number.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if !(12..=19).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) || !luhn(&digits) {
            errors.insert("number", "Your card number is incorrect.");
        }
        let (month, year) = match expiry.trim().split_once('/') {
            Some((m, y)) => (m.trim().parse::<u32>().ok(), y.trim().parse::<u32>().ok()),
            None => (None, None),
        };
        let year = year.map(|y| if y < 100 { 2000 + y } else { y });
        match (month, year) {
            (Some(m), Some(y)) if (1..=12).contains(&m) && y < 2100 => {
                if (y as i32, m) < (today.year(), today.month()) {
                    errors.insert("expiry", "Your card has expired.");
                }
            }
            _ => {
                errors.insert("expiry", "Enter the expiry date as MM/YY.");
            }
        }
        let cvc = cvc.trim();
        if !(3..=4).contains(&cvc.len()) || !cvc.bytes().all(|b| b.is_ascii_digit()) {
            errors.insert("cvc", "Enter the 3 or 4 digit security code.");
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Card { number: digits })
    }

    pub fn brand(&self) -> &'static str {
        let n = &self.number;
        let prefix = |len: usize| n.get(..len).and_then(|p| p.parse::<u32>().ok()).unwrap_or(0);
        match () {
            _ if n.starts_with('4') => "visa",
            _ if (51..=55).contains(&prefix(2)) || (2221..=2720).contains(&prefix(4)) => "mastercard",
            _ if n.starts_with("34") || n.starts_with("37") => "amex",
            _ if n.starts_with("6011") || n.starts_with("65") => "discover",
            _ => "unknown",
        }
    }

    pub fn last4(&self) -> &str {
        // All ASCII digits, at least 12: this cannot split a character.
        &self.number[self.number.len() - 4..]
    }

    /// What a test card does: None succeeds, Some((decline code, message)) is refused.
    pub fn decline(&self) -> Option<(&'static str, &'static str)> {
        match self.number.as_str() {
            "4000000000000002" => Some(("generic_decline", "Your card was declined.")),
            "4000000000009995" => Some(("insufficient_funds", "Your card has insufficient funds.")),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    #[test]
    fn cards_are_read_and_never_shown_whole() {
        let card = Card::parse("4242 4242 4242 4242", "12/34", "123", today()).unwrap();
        assert_eq!((card.brand(), card.last4()), ("visa", "4242"));
        assert!(!format!("{card:?}").contains("42424242"));
        let errors = Card::parse("4242 4242 4242 4241", "13/20", "1", today()).unwrap_err();
        assert_eq!(errors.keys().copied().collect::<Vec<_>>(), ["cvc", "expiry", "number"]);
        let expired = Card::parse("4242424242424242", "10/26", "123", today()).unwrap_err();
        assert_eq!(expired.get("expiry"), Some(&"Your card has expired."));
        assert_eq!(Card::parse("5555555555554444", "11/26", "123", today()).unwrap().brand(), "mastercard");
        assert_eq!(
            Card::parse("4000000000000002", "11/26", "123", today()).unwrap().decline().unwrap().0,
            "generic_decline"
        );
    }

    #[test]
    fn card_numbers_are_parsed_not_sliced() {
        // Non-ASCII text once panicked on a byte slice (and left its idempotency key stuck forever).
        for bad in ["€€", "4242€", "€4242424242424242", "424242424242424é", "1234", "42424242424242424242", ""]
        {
            let errors = Card::parse(bad, "12/34", "123", today()).unwrap_err();
            assert_eq!(errors.get("number"), Some(&"Your card number is incorrect."), "{bad}");
        }
    }
}
