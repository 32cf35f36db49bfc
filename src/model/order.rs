//! Orders: their states and the one table of legal transitions. The server stores both statuses as
//! their snake_case names (`DeriveActiveEnum`); `server::services::orders::lifecycle` is the only writer.

use serde::{Deserialize, Serialize};

/// The life of an order. `pending_payment` holds stock for a while; paying makes it `paid`; an unpaid
/// order past its hold is `cancelled` (its stock returns); a paid order is `fulfilled` or `refunded`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case"))]
pub enum OrderStatus {
    PendingPayment,
    Paid,
    Fulfilled,
    Cancelled,
    Refunded,
}

/// What the payment provider last said about an order's money. `Open` means the shopper was sent to
/// the provider's payment page (a Checkout Session exists): the hold's expiry closes that page at the
/// provider before it cancels anything. `Refunding` is kept while a refund may be under way, so such an
/// order is never revived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case"))]
pub enum PaymentStatus {
    Unpaid,
    Open,
    Failed,
    Succeeded,
    Refunding,
    Refunded,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 5] = [
        OrderStatus::PendingPayment,
        OrderStatus::Paid,
        OrderStatus::Fulfilled,
        OrderStatus::Cancelled,
        OrderStatus::Refunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::PendingPayment => "pending_payment",
            OrderStatus::Paid => "paid",
            OrderStatus::Fulfilled => "fulfilled",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Refunded => "refunded",
        }
    }

    pub fn parse(value: &str) -> Option<OrderStatus> {
        OrderStatus::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// The status as a shopper reads it in their order history.
    pub fn label(self) -> &'static str {
        match self {
            OrderStatus::PendingPayment => "Awaiting payment",
            OrderStatus::Paid => "Paid",
            OrderStatus::Fulfilled => "Shipped",
            OrderStatus::Cancelled => "Cancelled",
            OrderStatus::Refunded => "Refunded",
        }
    }

    /// Whether an order may go from `self` to `next`. The lifecycle module refuses anything else.
    pub fn can_become(self, next: OrderStatus) -> bool {
        use OrderStatus::*;
        matches!(
            (self, next),
            (PendingPayment, Paid)
                | (PendingPayment, Cancelled)
                // A payment that succeeded after the hold expired (the sweeper re-takes the stock).
                | (Cancelled, Paid)
                // ...or is refunded when the stock is gone.
                | (Cancelled, Refunded)
                | (Paid, Fulfilled)
                // Staff cancel a paid order before it ships (its payment is refunded, its stock returned).
                | (Paid, Cancelled)
                | (Paid, Refunded)
                | (Fulfilled, Refunded)
        )
    }
}

/// An account's order history lists this many of its newest orders.
pub const HISTORY_LENGTH: u64 = 100;

/// One order in an account's order history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSummary {
    /// Its page is `/orders/{token}`.
    pub token: String,
    pub number: i32,
    /// The day it was placed, as shoppers read dates ("6 Dec 2026", UTC).
    pub placed_on: String,
    pub status: OrderStatus,
    /// Units ordered, over all its lines.
    pub items: i64,
    /// Minor units.
    pub total: i64,
}

impl PaymentStatus {
    pub const ALL: [PaymentStatus; 6] = [
        PaymentStatus::Unpaid,
        PaymentStatus::Open,
        PaymentStatus::Failed,
        PaymentStatus::Succeeded,
        PaymentStatus::Refunding,
        PaymentStatus::Refunded,
    ];

    /// Whether the provider holds the shopper's money (or may: a refund under way).
    pub fn charged(self) -> bool {
        matches!(self, PaymentStatus::Succeeded | PaymentStatus::Refunding)
    }

    /// Whether the payment may go from `self` to `next`. A success or a refund is never undone by a
    /// late event; a refund under way is only ever finished.
    pub fn can_become(self, next: PaymentStatus) -> bool {
        use PaymentStatus::*;
        match (self, next) {
            (Unpaid | Open | Failed, Open | Failed | Succeeded) => true,
            (Succeeded, Refunding | Refunded) => true,
            // A refund retried (same provider key) keeps it under way; the provider's answer ends it.
            (Refunding, Refunding | Refunded) => true,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_through_their_names() {
        for status in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(OrderStatus::parse("shipped"), None);
    }

    #[test]
    fn only_listed_transitions_are_legal() {
        use OrderStatus::*;
        assert!(PendingPayment.can_become(Paid));
        assert!(PendingPayment.can_become(Cancelled));
        assert!(Cancelled.can_become(Paid));
        assert!(!Paid.can_become(PendingPayment));
        assert!(!Refunded.can_become(Paid));
        assert!(!Cancelled.can_become(Fulfilled));
        for status in OrderStatus::ALL {
            assert!(!status.can_become(status), "{status:?} to itself");
        }
    }

    #[test]
    fn a_refund_is_never_undone() {
        use PaymentStatus::*;
        for next in PaymentStatus::ALL {
            assert!(!Refunded.can_become(next), "refunded to {next:?}");
        }
        for next in [Unpaid, Open, Failed, Succeeded] {
            assert!(!Refunding.can_become(next), "refunding to {next:?}");
        }
        assert!(!Succeeded.can_become(Failed), "a late failure never hides a success");
        assert!(Open.can_become(Succeeded) && Failed.can_become(Succeeded) && Succeeded.can_become(Refunding));
    }
}
