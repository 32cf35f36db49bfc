//! Orders: placement (stock taken atomically, idempotent), the lifecycle that alone changes an order's
//! state, the order's page and an account's order history.

pub mod back_office;
mod history;
pub mod idempotency;
pub mod lifecycle;
mod placement;
pub mod refunds;
mod view;

pub use history::of_account;
pub use placement::{Checkout, Placed, Submit, place_from_cart, place_order};
pub use view::view;
