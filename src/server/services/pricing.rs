//! Order totals: the one place that turns lines, a promo code, a shipping rate and a tax rate into
//! money. Pure functions (no database): the checkout page and order placement call the same code with
//! what they read, so the shopper pays exactly what the review page showed.
//!
//! Rounding: every amount is in minor units (cents). A percentage discount and tax are rounded half
//! up to the cent, once, on the order's amounts (never per line), so the result does not depend on the
//! order of the lines. Tax is charged on (subtotal − discount + shipping).

use crate::model::checkout::Totals;

/// A line as priced: unit price (minor units) × quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PricedLine {
    pub unit_price: i64,
    pub quantity: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromoKind {
    /// Whole percent off the subtotal, 1..=100.
    Percent(i64),
    /// Minor units off the subtotal (never more than the subtotal).
    Fixed(i64),
}

/// A promo code as it applies to a cart (expiry and usage limits are checked where it is looked up).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promo {
    pub code: String,
    pub kind: PromoKind,
    pub min_subtotal: i64,
}

/// How a shipping method is priced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RateKind {
    Flat(i64),
    /// (from subtotal, price) pairs: the last tier whose threshold the discounted subtotal reaches.
    BySubtotal(Vec<(i64, i64)>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShippingRate {
    pub id: String,
    pub name: String,
    pub kind: RateKind,
}

/// a × percent / 100, rounded half up (a ≥ 0).
fn percent_of(amount: i64, percent: i64) -> i64 {
    (amount as i128 * percent as i128 + 50).div_euclid(100) as i64
}

/// a × basis points / 10,000, rounded half up (a ≥ 0).
fn basis_points_of(amount: i64, basis_points: i64) -> i64 {
    (amount as i128 * basis_points as i128 + 5_000).div_euclid(10_000) as i64
}

pub fn subtotal(lines: &[PricedLine]) -> i64 {
    lines.iter().map(|l| l.unit_price.max(0) * i64::from(l.quantity.max(0))).sum()
}

/// The discount a promo gives on `subtotal` (0 below its minimum), never more than the subtotal.
pub fn discount(promo: Option<&Promo>, subtotal: i64) -> i64 {
    let Some(promo) = promo else { return 0 };
    if subtotal < promo.min_subtotal {
        return 0;
    }
    let off = match promo.kind {
        PromoKind::Percent(percent) => percent_of(subtotal, percent.clamp(0, 100)),
        PromoKind::Fixed(amount) => amount.max(0),
    };
    off.min(subtotal)
}

impl ShippingRate {
    /// The price of this method for goods worth `goods` (the subtotal after discount).
    pub fn price(&self, goods: i64) -> i64 {
        match &self.kind {
            RateKind::Flat(price) => (*price).max(0),
            RateKind::BySubtotal(tiers) => tiers
                .iter()
                .filter(|(from, _)| goods >= *from)
                .map(|(_, price)| (*price).max(0))
                .next_back()
                .unwrap_or(0),
        }
    }
}

/// The whole bill.
pub fn totals(
    lines: &[PricedLine],
    promo: Option<&Promo>,
    rate: Option<&ShippingRate>,
    tax_basis_points: i64,
) -> Totals {
    let subtotal = subtotal(lines);
    let discount = discount(promo, subtotal);
    let goods = subtotal - discount;
    let shipping = if lines.is_empty() { 0 } else { rate.map(|r| r.price(goods)).unwrap_or(0) };
    let tax = basis_points_of(goods + shipping, tax_basis_points.max(0));
    Totals { subtotal, discount, shipping, tax, total: goods + shipping + tax }
}

/// What a refund of some of an order's units gives back (the one place this is decided): their prices'
/// share of what was paid for the goods — the order's discount and tax spread over its goods by price,
/// rounded down — or, when no unit of the order is left unrefunded after it, everything not refunded yet
/// (shipping included), so that refunds of every unit add up to the order's total exactly.
/// `units_price`: Σ unit price × units refunded now; `refunded`: minor units refunded by line before.
pub fn refund_for_units(order: &OrderAmounts, units_price: i64, refunded: i64, last: bool) -> i64 {
    let left = (order.total - refunded).max(0);
    if last {
        return left;
    }
    if order.subtotal <= 0 {
        return 0;
    }
    let goods_paid = i128::from((order.total - order.shipping).max(0));
    let share = i128::from(units_price) * goods_paid / i128::from(order.subtotal);
    i64::try_from(share).unwrap_or(i64::MAX).min(left)
}

/// An order's amounts as placed (minor units).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderAmounts {
    pub subtotal: i64,
    pub shipping: i64,
    pub total: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn line(unit_price: i64, quantity: i32) -> PricedLine {
        PricedLine { unit_price, quantity }
    }

    fn percent(p: i64) -> Promo {
        Promo { code: "P".into(), kind: PromoKind::Percent(p), min_subtotal: 0 }
    }

    fn standard() -> ShippingRate {
        ShippingRate {
            id: "standard".into(),
            name: "Standard".into(),
            kind: RateKind::BySubtotal(vec![(0, 595), (7500, 0)]),
        }
    }

    #[test]
    fn a_worked_example() {
        // 2 × $19.99 + $5.00 = $44.98; 10 % off = $4.50 (4.498 rounds up); shipping $5.95;
        // tax 7.25 % of $46.43 = $3.366… → $3.37; total $49.80.
        let t = totals(&[line(1999, 2), line(500, 1)], Some(&percent(10)), Some(&standard()), 725);
        assert_eq!((t.subtotal, t.discount, t.shipping, t.tax, t.total), (4498, 450, 595, 337, 4980));
    }

    #[test]
    fn free_shipping_from_the_threshold_after_discount() {
        assert_eq!(standard().price(7499), 595);
        assert_eq!(standard().price(7500), 0);
        let t = totals(&[line(8000, 1)], Some(&percent(10)), Some(&standard()), 0);
        assert_eq!(t.shipping, 595, "the discounted goods ($72) are under $75");
    }

    #[test]
    fn promo_minimum_and_fixed_cap() {
        let fixed = Promo { code: "TEN".into(), kind: PromoKind::Fixed(1000), min_subtotal: 5000 };
        assert_eq!(discount(Some(&fixed), 4999), 0);
        assert_eq!(discount(Some(&fixed), 5000), 1000);
        let huge = Promo { kind: PromoKind::Fixed(1_000_000), min_subtotal: 0, ..fixed };
        assert_eq!(discount(Some(&huge), 1234), 1234, "never more than the subtotal");
        assert_eq!(discount(Some(&percent(100)), 1234), 1234);
    }

    #[test]
    fn an_empty_cart_costs_nothing() {
        assert_eq!(totals(&[], Some(&percent(50)), Some(&standard()), 2000), Totals::default());
    }

    fn promo_strategy() -> impl Strategy<Value = Option<Promo>> {
        prop_oneof![
            Just(None),
            (1i64..=100, 0i64..20_000).prop_map(|(p, min)| Some(Promo {
                code: "P".into(),
                kind: PromoKind::Percent(p),
                min_subtotal: min
            })),
            (1i64..50_000, 0i64..20_000).prop_map(|(v, min)| Some(Promo {
                code: "F".into(),
                kind: PromoKind::Fixed(v),
                min_subtotal: min
            })),
        ]
    }

    fn rate_strategy() -> impl Strategy<Value = Option<ShippingRate>> {
        prop_oneof![
            Just(None),
            (0i64..5_000).prop_map(|p| Some(ShippingRate {
                id: "f".into(),
                name: "F".into(),
                kind: RateKind::Flat(p)
            })),
            prop::collection::vec((0i64..50_000, 0i64..5_000), 1..4).prop_map(|mut tiers| {
                tiers.sort();
                Some(ShippingRate { id: "s".into(), name: "S".into(), kind: RateKind::BySubtotal(tiers) })
            }),
        ]
    }

    proptest! {
        #[test]
        fn totals_are_never_negative_and_add_up(
            lines in prop::collection::vec((0i64..100_000, 1i32..=99).prop_map(|(p, q)| line(p, q)), 0..12),
            promo in promo_strategy(),
            rate in rate_strategy(),
            tax in 0i64..3_000,
        ) {
            let t = totals(&lines, promo.as_ref(), rate.as_ref(), tax);
            prop_assert!(t.subtotal >= 0 && t.discount >= 0 && t.shipping >= 0 && t.tax >= 0 && t.total >= 0);
            prop_assert!(t.discount <= t.subtotal);
            prop_assert_eq!(t.total, t.subtotal - t.discount + t.shipping + t.tax);
            // Tax is within half a cent of the exact rate.
            let exact = (t.subtotal - t.discount + t.shipping) as f64 * tax as f64 / 10_000.0;
            prop_assert!((t.tax as f64 - exact).abs() <= 0.5 + 1e-9);
        }

        #[test]
        fn totals_do_not_depend_on_the_order_of_lines(
            lines in prop::collection::vec((0i64..100_000, 1i32..=99).prop_map(|(p, q)| line(p, q)), 0..12),
            promo in promo_strategy(),
            rate in rate_strategy(),
            tax in 0i64..3_000,
            seed in any::<u64>(),
        ) {
            let mut shuffled = lines.clone();
            // A deterministic shuffle from the seed.
            let n = shuffled.len();
            for i in (1..n).rev() {
                let j = (seed.wrapping_mul(6364136223846793005).wrapping_add(i as u64) % (i as u64 + 1)) as usize;
                shuffled.swap(i, j);
            }
            prop_assert_eq!(
                totals(&lines, promo.as_ref(), rate.as_ref(), tax),
                totals(&shuffled, promo.as_ref(), rate.as_ref(), tax)
            );
        }

        #[test]
        fn a_bigger_percentage_never_costs_more(
            price in 0i64..1_000_000, low in 1i64..=100, high in 1i64..=100,
        ) {
            let (low, high) = (low.min(high), low.max(high));
            prop_assert!(discount(Some(&percent(low)), price) <= discount(Some(&percent(high)), price));
        }
    }

    #[test]
    fn refunds_by_unit_share_the_discount_and_tax_and_the_last_one_takes_the_rest() {
        // $100 of goods, 10 % off, $5 shipping, tax $7.60: total $102.60, of which $97.60 for the goods.
        let order = OrderAmounts { subtotal: 10_000, shipping: 500, total: 10_260 };
        assert_eq!(refund_for_units(&order, 2_500, 0, false), 2_440, "a quarter of the goods' $97.60");
        assert_eq!(refund_for_units(&order, 3_333, 2_440, false), 3_253, "rounded down");
        assert_eq!(refund_for_units(&order, 4_167, 5_693, true), 4_567, "the rest, shipping included");
        assert_eq!(2_440 + 3_253 + 4_567, order.total, "every unit refunded: the whole total");
        assert_eq!(refund_for_units(&order, 10_000, 10_000, false), 260, "never more than is left");
        let free = OrderAmounts { subtotal: 0, shipping: 500, total: 500 };
        assert_eq!(refund_for_units(&free, 0, 0, false), 0);
    }
}
