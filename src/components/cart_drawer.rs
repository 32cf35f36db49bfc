//! The cart drawer: the header's cart link opens it once the page is hydrated (without JavaScript the
//! link goes to /cart). It shows the same cart resource as the page and the badge, so all three agree;
//! a line can be removed from it, and it leads to the cart page or straight to checkout.

use leptos::prelude::*;

use crate::api::cart::UpdateCartLine;
use crate::components::cart_state::CartState;
use crate::components::form::FormPage;
use crate::model::cart::Cart;
use crate::model::catalog::{product_path, variant_url};

#[island]
pub fn CartDrawer() -> impl IntoView {
    let state = CartState::get();
    let remove = ServerAction::<UpdateCartLine>::new();
    Effect::new(move |_| state.follow(remove.value().get()));
    let close_button = NodeRef::<leptos::html::Button>::new();
    let close = move || {
        state.drawer.set(false);
        // Focus goes back where it came from.
        if let Some(link) = document().query_selector(".site-header__cart").ok().flatten() {
            use leptos::wasm_bindgen::JsCast;
            if let Ok(link) = link.dyn_into::<leptos::web_sys::HtmlElement>() {
                let _ = link.focus();
            }
        }
    };
    // Opening moves focus into the drawer, and reads the cart the first time.
    Effect::new(move |_| {
        if state.drawer.get() {
            if state.cart.with_untracked(Option::is_none) {
                state.reload();
            }
            if let Some(button) = close_button.get() {
                let _ = button.focus();
            }
        }
    });
    // An optional child rather than <Show>: leptos 0.8's Show with no fallback did not hydrate here.
    move || {
        state.drawer.get().then(|| view! {
            <div class="drawer-backdrop" on:click=move |_| close()></div>
            <div
                class="drawer"
                role="dialog"
                aria-modal="true"
                aria-labelledby="drawer-title"
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        close();
                    }
                }
            >
                <div class="drawer__head">
                    <h2 id="drawer-title">"Your cart"</h2>
                    <button type="button" class="button button--link" node_ref=close_button on:click=move |_| close()>
                        "Close"
                    </button>
                </div>
                {move || remove.value().get().and_then(Result::err).map(|err| {
                    view! { <p class="notice notice--error" role="alert">{err.to_string()}</p> }
                })}
                {move || match state.cart.get() {
                    Some(cart) => view! { <DrawerBody cart remove/> }.into_any(),
                    None => view! { <p class="loading" role="status">"Loading your cart…"</p> }.into_any(),
                }}
            </div>
        })
    }
}

#[component]
fn DrawerBody(cart: Cart, remove: ServerAction<UpdateCartLine>) -> impl IntoView {
    let update_url = <UpdateCartLine as leptos::server_fn::ServerFn>::url();
    if cart.lines.is_empty() {
        return view! { <p class="drawer__empty">"Your cart is empty."</p> }.into_any();
    }
    let subtotal = cart.subtotal.map(|s| s.format()).unwrap_or_default();
    view! {
        <ul class="drawer__lines">
            {cart.lines.into_iter().map(|line| {
                let label = format!("Remove {}", line.title);
                let href = variant_url(&product_path(&line.slug), &line.sku);
                let sku = line.sku.clone();
                view! {
                    <li class="drawer__line" data-sku=line.sku.clone()>
                        <div>
                            <a href=href>{line.title.clone()}</a>
                            {(!line.variant_label.is_empty()).then(|| view! { <p class="cart-line__variant">{line.variant_label.clone()}</p> })}
                            <p>{line.quantity} " × " {line.unit_price.format()}</p>
                        </div>
                        <div class="drawer__line-end">
                            <strong>{line.line_total.format()}</strong>
                            <form
                                method="post"
                                action=update_url
                                on:submit=move |ev: leptos::ev::SubmitEvent| {
                                    ev.prevent_default();
                                    remove.dispatch(UpdateCartLine { sku: sku.clone(), quantity: 0 });
                                }
                            >
                                <FormPage/>
                                <input type="hidden" name="sku" value=line.sku.clone()/>
                                <input type="hidden" name="quantity" value="0"/>
                                <button type="submit" class="button button--link" aria-label=label>"Remove"</button>
                            </form>
                        </div>
                    </li>
                }
            }).collect_view()}
        </ul>
        <p class="drawer__subtotal">"Subtotal " <strong>{subtotal}</strong></p>
        <p class="field__hint">"Shipping and taxes are calculated at checkout."</p>
        <div class="drawer__actions">
            <a class="button" href="/cart">"View cart"</a>
            <a class="button button--primary" href="/checkout">"Check out"</a>
        </div>
    }
    .into_any()
}
