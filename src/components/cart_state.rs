//! The cart as every island sees it, provided by the `CartScope` island around the page: the number
//! of items (rendered with the page) and, once the drawer or an action needed it, the cart itself.
//! Each cart action's answer is the new cart, so the header badge, the drawer and the product page
//! agree without a reload.

use leptos::prelude::*;

use crate::model::cart::Cart;

#[derive(Clone, Copy)]
pub struct CartState {
    pub count: RwSignal<i32>,
    /// The cart's lines, read when first needed (the drawer opens) and after each action.
    pub cart: RwSignal<Option<Cart>>,
    /// Whether the cart drawer is open (hydrated only: without JavaScript the header links to /cart).
    pub drawer: RwSignal<bool>,
}

impl CartState {
    pub fn get() -> CartState {
        expect_context::<CartState>()
    }

    /// After an action that answered with the cart: every view of it follows.
    pub fn show(&self, cart: Cart) {
        self.count.set(cart.count);
        self.cart.set(Some(cart));
    }

    /// Reads the cart (again): when the drawer first opens, or after a refused action (the cart may
    /// have moved meanwhile).
    pub fn reload(&self) {
        let state = *self;
        leptos::task::spawn_local(async move {
            if let Ok(fresh) = crate::api::cart::get_cart().await {
                state.show(fresh);
            }
        });
    }

    /// Follows an action's answer: the cart it returned, or the cart read again after a refusal.
    pub fn follow<E: Clone + Send + Sync + 'static>(&self, answer: Option<Result<Cart, E>>) {
        match answer {
            Some(Ok(cart)) => self.show(cart),
            Some(Err(_)) => self.reload(),
            None => {}
        }
    }
}

/// The cart the server read for this page (`server::cart_session::with_page_cart`); pages render it on
/// the server only.
pub fn page_cart() -> Cart {
    #[cfg(feature = "ssr")]
    return crate::server::cart_session::rendered_page_cart();
    #[cfg(not(feature = "ssr"))]
    return Cart::default();
}

/// Shares the page's cart count with every island inside; the lines stay on the server until needed.
#[island]
pub fn CartScope(count: i32, children: Children) -> impl IntoView {
    provide_context(CartState { count: RwSignal::new(count), cart: RwSignal::new(None), drawer: RwSignal::new(false) });
    children()
}

/// Browser tests wait for this marker: clicks on server-rendered markup before hydration are lost.
/// The last island of the page: islands hydrate in document order, so every other one is ready.
#[island]
pub fn HydrationMark() -> impl IntoView {
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}
