//! The cart as every island sees it, provided by the `CartScope` island around the page: the number
//! of items (rendered with the page, then read from each page an island loads in the background) and
//! whether the cart drawer is open. The cart's lines stay on the server: the drawer shows a page of it.

use leptos::prelude::*;

use crate::model::cart::Cart;

#[derive(Clone, Copy)]
pub struct CartState {
    pub count: RwSignal<i32>,
    /// Whether the cart drawer is open (hydrated only: without JavaScript the header links to /cart).
    pub drawer: RwSignal<bool>,
    /// Whether the drawer was opened by an item just added (it then says so).
    pub added: RwSignal<bool>,
}

impl CartState {
    pub fn get() -> CartState {
        expect_context::<CartState>()
    }

    /// Opens the cart drawer; `added`: because an item was just added.
    pub fn open(&self, added: bool) {
        self.added.set(added);
        self.drawer.set(true);
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
    provide_context(CartState {
        count: RwSignal::new(count),
        drawer: RwSignal::new(false),
        added: RwSignal::new(false),
    });
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
