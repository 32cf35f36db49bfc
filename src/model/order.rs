//! Orders: their states and the one table of legal transitions.

use serde::{Deserialize, Serialize};

/// The life of an order. `pending_payment` holds stock for a while; paying makes it `paid`; an unpaid
/// order past its hold is `cancelled` (its stock returns); a paid order is `fulfilled` or `refunded`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OrderStatus {
    PendingPayment,
    Paid,
    Fulfilled,
    Cancelled,
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

    /// Whether an order may go from `self` to `next`. Every status change goes through this.
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
                | (Paid, Refunded)
                | (Fulfilled, Refunded)
        )
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
}
