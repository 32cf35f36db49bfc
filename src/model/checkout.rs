//! Checkout and orders as the shopper sees them: address, shipping choices, totals, an order's page.

use serde::{Deserialize, Serialize};

use super::cart::Cart;
use super::money::Money;
use super::order::OrderStatus;

/// An order's or a checkout's amounts, in minor units of the store's currency.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub subtotal: i64,
    pub discount: i64,
    pub shipping: i64,
    pub tax: i64,
    pub total: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub name: String,
    pub line1: String,
    pub line2: String,
    pub city: String,
    /// State or province code (US, CA), empty elsewhere.
    pub region: String,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
}

impl Address {
    /// The address as printed on a label, one line per part.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![self.name.clone(), self.line1.clone()];
        if !self.line2.is_empty() {
            lines.push(self.line2.clone());
        }
        let place = [self.city.as_str(), self.region.as_str(), self.postal_code.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        lines.push(place);
        lines.push(country_name(&self.country).unwrap_or(&self.country).to_owned());
        lines
    }
}

/// The countries the store ships to.
pub const COUNTRIES: &[(&str, &str)] = &[
    ("US", "United States"),
    ("CA", "Canada"),
    ("GB", "United Kingdom"),
    ("DE", "Germany"),
    ("FR", "France"),
    ("NL", "Netherlands"),
    ("AU", "Australia"),
];

pub fn country_name(code: &str) -> Option<&'static str> {
    COUNTRIES.iter().find(|(c, _)| *c == code).map(|(_, name)| *name)
}

/// The regions a country's addresses must name (states, provinces); empty when none is needed.
pub fn regions(country: &str) -> &'static [(&'static str, &'static str)] {
    match country {
        "US" => US_STATES,
        "CA" => CA_PROVINCES,
        "AU" => AU_STATES,
        _ => &[],
    }
}

#[rustfmt::skip]
const US_STATES: &[(&str, &str)] = &[
    ("AL", "Alabama"), ("AK", "Alaska"), ("AZ", "Arizona"), ("AR", "Arkansas"), ("CA", "California"),
    ("CO", "Colorado"), ("CT", "Connecticut"), ("DE", "Delaware"), ("DC", "District of Columbia"),
    ("FL", "Florida"), ("GA", "Georgia"), ("HI", "Hawaii"), ("ID", "Idaho"), ("IL", "Illinois"),
    ("IN", "Indiana"), ("IA", "Iowa"), ("KS", "Kansas"), ("KY", "Kentucky"), ("LA", "Louisiana"),
    ("ME", "Maine"), ("MD", "Maryland"), ("MA", "Massachusetts"), ("MI", "Michigan"), ("MN", "Minnesota"),
    ("MS", "Mississippi"), ("MO", "Missouri"), ("MT", "Montana"), ("NE", "Nebraska"), ("NV", "Nevada"),
    ("NH", "New Hampshire"), ("NJ", "New Jersey"), ("NM", "New Mexico"), ("NY", "New York"),
    ("NC", "North Carolina"), ("ND", "North Dakota"), ("OH", "Ohio"), ("OK", "Oklahoma"), ("OR", "Oregon"),
    ("PA", "Pennsylvania"), ("RI", "Rhode Island"), ("SC", "South Carolina"), ("SD", "South Dakota"),
    ("TN", "Tennessee"), ("TX", "Texas"), ("UT", "Utah"), ("VT", "Vermont"), ("VA", "Virginia"),
    ("WA", "Washington"), ("WV", "West Virginia"), ("WI", "Wisconsin"), ("WY", "Wyoming"),
];

#[rustfmt::skip]
const CA_PROVINCES: &[(&str, &str)] = &[
    ("AB", "Alberta"), ("BC", "British Columbia"), ("MB", "Manitoba"), ("NB", "New Brunswick"),
    ("NL", "Newfoundland and Labrador"), ("NS", "Nova Scotia"), ("NT", "Northwest Territories"),
    ("NU", "Nunavut"), ("ON", "Ontario"), ("PE", "Prince Edward Island"), ("QC", "Quebec"),
    ("SK", "Saskatchewan"), ("YT", "Yukon"),
];

#[rustfmt::skip]
const AU_STATES: &[(&str, &str)] = &[
    ("ACT", "Australian Capital Territory"), ("NSW", "New South Wales"), ("NT", "Northern Territory"),
    ("QLD", "Queensland"), ("SA", "South Australia"), ("TAS", "Tasmania"), ("VIC", "Victoria"),
    ("WA", "Western Australia"),
];

/// A shipping method with its price for this cart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingChoice {
    pub id: String,
    pub name: String,
    pub price: Money,
}

/// Everything the checkout steps show.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckoutView {
    pub cart: Cart,
    pub email: String,
    pub address: Option<Address>,
    pub shipping_method: String,
    pub choices: Vec<ShippingChoice>,
    pub promo_code: String,
    /// Why the entered promo code gives nothing right now (expired, minimum not reached...).
    pub promo_note: Option<String>,
    pub totals: Totals,
    /// A fresh key for this attempt at placing the order (the review form's hidden field).
    pub idempotency_key: String,
    /// The signed-in shopper's email and address book (None for a guest).
    pub account: Option<CheckoutAccount>,
}

/// What a signed-in shopper's checkout offers: the details step fills in their email and default
/// address until the cart has its own, offers their other saved addresses, and can save a new one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutAccount {
    pub email: String,
    pub addresses: Vec<super::account::SavedAddress>,
}

impl CheckoutView {
    /// The email and address the details form starts with: the cart's, else the account's (its
    /// default address).
    pub fn details_to_fill(&self) -> (String, Option<Address>) {
        let account = self.account.as_ref();
        let email = match account {
            Some(account) if self.email.is_empty() => account.email.clone(),
            _ => self.email.clone(),
        };
        let saved = account.and_then(|a| a.addresses.iter().find(|s| s.default)).map(|s| s.address.clone());
        (email, self.address.clone().or(saved))
    }
}

impl CheckoutView {
    pub fn shipping_name(&self) -> Option<&str> {
        self.choices.iter().find(|c| c.id == self.shipping_method).map(|c| c.name.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLineView {
    pub sku: String,
    pub title: String,
    pub quantity: i32,
    pub unit_price: Money,
    pub line_total: Money,
}

/// An order's page: awaiting payment (with the time left) or confirmed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderView {
    pub token: String,
    pub number: i32,
    pub status: OrderStatus,
    pub email: String,
    pub lines: Vec<OrderLineView>,
    pub totals: Totals,
    pub address: Address,
    pub shipping_method: String,
    pub promo_code: String,
    /// Seconds left to pay (0 once the hold ran out).
    pub seconds_left: i64,
    /// The last refusal of a card the provider reported, shown beside the "Pay" button.
    pub payment_error: String,
    /// "Visa ending 4242" once paid.
    pub card: Option<String>,
    /// Whether money was taken (a cancelled order paid late is settled by the store: confirmed or refunded).
    pub charged: bool,
    /// Payments go to the built-in sandbox (the page says it is test mode).
    pub sandbox: bool,
    /// The carrier's tracking number once shipped ('' before).
    pub tracking_number: String,
    /// Minor units refunded by line so far (a refund in full is the status `Refunded`).
    pub refunded: i64,
}
