//! The cart as every component sees it: one resource, refetched after each cart action, so the header
//! badge, the cart page and the product page agree without a reload.

use leptos::prelude::*;

use crate::api::cart::get_cart;
use crate::error::AppError;
use crate::model::cart::Cart;

#[derive(Clone, Copy)]
pub struct CartState {
    pub cart: Resource<Result<Cart, AppError>>,
    version: RwSignal<u32>,
    /// Whether the cart drawer is open (hydrated only: without JavaScript the header links to /cart).
    pub drawer: RwSignal<bool>,
}

impl CartState {
    pub fn provide() -> CartState {
        let version = RwSignal::new(0u32);
        let cart = Resource::new(move || version.get(), |_| get_cart());
        let state = CartState { cart, version, drawer: RwSignal::new(false) };
        provide_context(state);
        state
    }

    pub fn get() -> CartState {
        expect_context::<CartState>()
    }

    /// After a change: every view of the cart reloads it.
    pub fn changed(&self) {
        self.version.update(|v| *v += 1);
    }
}
