//! Orders: placement (stock taken atomically, idempotent), the lifecycle that alone changes an order's
//! state, and the order's page.

pub mod idempotency;
pub mod lifecycle;
mod placement;
mod view;

pub use placement::{Checkout, Placed, place_order, placed_before};
pub use view::view;
