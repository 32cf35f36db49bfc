//! Money as integer minor units (cents) with a currency. Never a float.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Currency {
    Usd,
    Eur,
    Gbp,
}

impl Currency {
    pub fn parse(code: &str) -> Option<Currency> {
        match code.to_ascii_uppercase().as_str() {
            "USD" => Some(Currency::Usd),
            "EUR" => Some(Currency::Eur),
            "GBP" => Some(Currency::Gbp),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Currency::Usd => "USD",
            Currency::Eur => "EUR",
            Currency::Gbp => "GBP",
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            Currency::Usd => "$",
            Currency::Eur => "€",
            Currency::Gbp => "£",
        }
    }
}

/// The currency the store prices in. One place, until it becomes a setting.
pub const STORE_CURRENCY: Currency = Currency::Usd;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Money {
    /// Minor units: cents for USD.
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Self {
        Money { minor, currency }
    }

    /// An amount in the store's currency (prices stored in the catalog are in it).
    pub fn store(minor: i64) -> Self {
        Money::new(minor, STORE_CURRENCY)
    }

    /// "$1,234.50": the one way the store writes an amount.
    pub fn format(&self) -> String {
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        let units = (abs / 100).to_string();
        let mut grouped = String::with_capacity(units.len() + units.len() / 3);
        for (i, digit) in units.chars().enumerate() {
            if i > 0 && (units.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(digit);
        }
        format!("{sign}{}{grouped}.{:02}", self.currency.symbol(), abs % 100)
    }

    /// "12.50": the amount for machine-readable places (JSON-LD, meta tags).
    pub fn decimal(&self) -> String {
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.format())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(minor: i64) -> Money {
        Money::new(minor, Currency::Usd)
    }

    #[test]
    fn formats_with_symbol_grouping_and_two_decimals() {
        assert_eq!(usd(0).format(), "$0.00");
        assert_eq!(usd(5).format(), "$0.05");
        assert_eq!(usd(1250).format(), "$12.50");
        assert_eq!(usd(123456789).format(), "$1,234,567.89");
        assert_eq!(usd(-1999).format(), "-$19.99");
        assert_eq!(Money::new(100000, Currency::Eur).format(), "€1,000.00");
    }

    #[test]
    fn decimal_is_plain() {
        assert_eq!(usd(123456).decimal(), "1234.56");
        assert_eq!(usd(7).decimal(), "0.07");
    }

    #[test]
    fn currency_codes_round_trip() {
        for c in [Currency::Usd, Currency::Eur, Currency::Gbp] {
            assert_eq!(Currency::parse(c.code()), Some(c));
        }
        assert_eq!(Currency::parse("xyz"), None);
    }
}
