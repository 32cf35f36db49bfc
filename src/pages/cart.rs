//! /cart: the lines with their quantities, what changed since the shopper last looked, the subtotal.
//! Quantity and remove buttons are server-function forms: they work without JavaScript too.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};

use crate::api::cart::UpdateCartLine;
use crate::components::cart_state::page_cart;
use crate::components::form::FormPage;
use crate::components::seo::PageMeta;
use crate::model::cart::{Cart, CartLine};
use crate::model::catalog::{product_path, variant_url};

#[component]
pub fn CartPage() -> impl IntoView {
    view! {
        <Title text="Your cart"/>
        <PageMeta
            title="Your cart".to_owned()
            description="The items in your cart, their prices and the way to checkout.".to_owned()
            path="/cart".to_owned()
        />
        <h1>"Your cart"</h1>
        <CartContents/>
    }
}

/// The lines of the page's cart. The forms are posted by the browser itself and the page comes back
/// with the new cart (or the refusal, with how many are left): nothing here is in the WASM.
#[component]
fn CartContents() -> impl IntoView {
    let update = ServerAction::<UpdateCartLine>::new();
    let error = update.value().get_untracked().and_then(Result::err).map(|e| e.to_string());
    view! {
        {error.map(|message| view! { <p class="notice notice--error" role="alert">{message}</p> })}
        <CartBody cart=page_cart() update/>
    }
}

#[component]
fn CartBody(cart: Cart, update: ServerAction<UpdateCartLine>) -> impl IntoView {
    let Cart { lines, count, subtotal, notices } = cart;
    if lines.is_empty() {
        return view! {
            <div class="empty">
                {notices.into_iter().map(|n| view! { <p class="notice" role="status">{n}</p> }).collect_view()}
                <p>"Your cart is empty."</p>
                <a href="/products" class="button button--primary">"Continue shopping"</a>
            </div>
        }
        .into_any();
    }
    let count_text = if count == 1 { "1 item".to_owned() } else { format!("{count} items") };
    view! {
        <div class="cart" data-count=count>
            {(!notices.is_empty())
                .then(|| {
                    view! {
                        <ul class="notices" role="status">
                            {notices.into_iter().map(|n| view! { <li class="notice">{n}</li> }).collect_view()}
                        </ul>
                    }
                })}
            <ul class="cart__lines">
                {lines.into_iter().map(|line| view! { <CartLineView line update/> }).collect_view()}
            </ul>
            <div class="cart__summary">
                <p class="cart__subtotal">
                    "Subtotal (" {count_text} "): " <strong>{subtotal.map(|s| s.format())}</strong>
                </p>
                <p class="cart__note">"Shipping and taxes are calculated at checkout."</p>
                <a href="/checkout" class="button button--primary button--large">"Check out"</a>
            </div>
        </div>
    }
    .into_any()
}

#[component]
fn CartLineView(line: CartLine, update: ServerAction<UpdateCartLine>) -> impl IntoView {
    let CartLine { sku, slug, title, variant_label, image, unit_price, quantity, line_total, available } = line;
    let input_id = format!("qty-{sku}");
    let (sku_update, sku_remove) = (sku.clone(), sku.clone());
    view! {
        <li class="cart-line" data-sku=sku.clone()>
            {image.map(|i| view! { <img class="cart-line__image" src=i.url alt="" width=96 height=96/> })}
            <div class="cart-line__info">
                <a class="cart-line__title" href=variant_url(&product_path(&slug), &sku)>{title.clone()}</a>
                {(!variant_label.is_empty()).then(|| view! { <p class="cart-line__variant">{variant_label}</p> })}
                <p class="cart-line__price">{unit_price.format()} " each"</p>
            </div>
            <ActionForm action=update attr:class="cart-line__quantity">
                <FormPage/>
                <input type="hidden" name="sku" value=sku_update/>
                <label for=input_id.clone()>"Quantity"</label>
                // No max: asking for more than the stock gets the server's answer of how many are left.
                <input id=input_id type="number" name="quantity" min="0" value=quantity inputmode="numeric" data-available=available/>
                <button type="submit" class="button">"Update"</button>
            </ActionForm>
            <ActionForm action=update attr:class="cart-line__remove">
                <FormPage/>
                <input type="hidden" name="sku" value=sku_remove/>
                <input type="hidden" name="quantity" value="0"/>
                <button type="submit" class="button button--link" aria-label=format!("Remove {title}")>"Remove"</button>
            </ActionForm>
            <p class="cart-line__total">{line_total.format()}</p>
        </li>
    }
}

/// /cart/drawer: the cart in brief (lines, subtotal, the way on), the page the header's cart drawer
/// shows (`components::cart_drawer`). A page like any other, so the server renders the cart and the
/// browser bundle holds none of it; "Remove" posts its form and comes back here, with the refusal if
/// there is one.
#[component]
pub fn CartDrawerPage() -> impl IntoView {
    let update = ServerAction::<UpdateCartLine>::new();
    let error = update.value().get_untracked().and_then(Result::err).map(|e| e.to_string());
    view! {
        <Title text="Your cart"/>
        <Meta name="robots" content="noindex"/>
        <h1>"Your cart"</h1>
        <div class="drawer__content">
            {error.map(|message| view! { <p class="notice notice--error" role="alert">{message}</p> })}
            <CartBrief cart=page_cart()/>
        </div>
    }
}

#[component]
fn CartBrief(cart: Cart) -> impl IntoView {
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
                view! {
                    <li class="drawer__line" data-sku=line.sku.clone()>
                        <div>
                            <a href=href>{line.title.clone()}</a>
                            {(!line.variant_label.is_empty()).then(|| view! { <p class="cart-line__variant">{line.variant_label.clone()}</p> })}
                            <p>{line.quantity} " × " {line.unit_price.format()}</p>
                        </div>
                        <div class="drawer__line-end">
                            <strong>{line.line_total.format()}</strong>
                            <form method="post" action=update_url>
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
