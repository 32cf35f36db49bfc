//! /account/wishlist: the products the signed-in shopper saved, each with its price and stock now, a
//! choice of variant and "Move to cart" (the cart's stock check applies), and "Remove". Plain forms:
//! without JavaScript the browser posts them and comes back here.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};

use crate::api::wishlist::{MoveToCart, SetWishlisted, get_wishlist};
use crate::components::form::{FormErrors, FormPage, form_error, refusal};
use crate::model::product::StockLevel;
use crate::model::wishlist::{WishlistItem, WishlistVariant};
use crate::pages::account::{AccountBreadcrumb, SignInFirst};
use crate::pages::not_found::PageError;
use crate::pages::sign_in::query_param;

#[component]
pub fn WishlistPage() -> impl IntoView {
    let moved = query_param("moved").is_some();
    let wishlist = Resource::new(|| (), |_| get_wishlist());
    view! {
        <Title text="Your wishlist"/>
        <Meta name="robots" content="noindex"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading your wishlist…"</p> }>
            {move || Suspend::new(async move {
                match wishlist.await {
                    Ok(Some(items)) => view! { <Wishlist items moved/> }.into_any(),
                    Ok(None) => view! { <SignInFirst next="/account/wishlist"/> }.into_any(),
                    Err(error) => view! { <PageError error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Wishlist(items: Vec<WishlistItem>, moved: bool) -> impl IntoView {
    let move_to_cart = ServerAction::<MoveToCart>::new();
    let remove = ServerAction::<SetWishlisted>::new();
    view! {
        <section class="account wishlist">
            <AccountBreadcrumb current="Wishlist"/>
            <h1>"Your wishlist"</h1>
            {moved.then(|| view! {
                <p class="notice" role="status">"Moved to your cart. " <a href="/cart">"View your cart"</a></p>
            })}
            <FormErrors messages=form_error(refusal(move_to_cart.value()), &[])/>
            <FormErrors messages=form_error(refusal(remove.value()), &[])/>
            {if items.is_empty() {
                view! {
                    <p>"Your wishlist is empty. Tap the heart on a product to save it here."</p>
                    <p><a class="button" href="/products">"Browse products"</a></p>
                }
                .into_any()
            } else {
                view! {
                    <ul class="wishlist__items">
                        {items.into_iter().map(|item| view! { <WishlistRow item move_to_cart remove/> }).collect_view()}
                    </ul>
                }
                .into_any()
            }}
        </section>
    }
}

#[component]
fn WishlistRow(
    item: WishlistItem,
    move_to_cart: ServerAction<MoveToCart>,
    remove: ServerAction<SetWishlisted>,
) -> impl IntoView {
    let href = crate::model::catalog::product_path(&item.slug);
    let price = item.price();
    let stock = if item.variants.is_empty() {
        "No longer available".to_owned()
    } else if item.in_stock() {
        let left: i32 = item.variants.iter().map(|v| v.stock).sum();
        StockLevel::of(left).message()
    } else {
        "Sold out".to_owned()
    };
    let select_id = format!("wishlist-{}", item.slug);
    let can_move = item.in_stock();
    let (title, slug) = (item.title.clone(), item.slug.clone());
    let move_slug = slug.clone();
    let remove_label = format!("Remove {} from your wishlist", item.title);
    let move_label = format!("Move to cart: {}", item.title);
    let image = item.image.clone().map(|image| {
        view! {
            <img src=image.url alt="" width=image.width height=image.height loading="lazy" decoding="async"/>
        }
    });
    let choice = match item.variants.as_slice() {
        [only] => view! { <input type="hidden" name="sku" value=only.sku.clone()/> }.into_any(),
        variants => view! {
            <label for=select_id.clone()>"Option"</label>
            <select id=select_id name="sku">
                {variants.iter().map(variant_option).collect_view()}
            </select>
        }
        .into_any(),
    };
    view! {
        <li class="wishlist__item" data-slug=item.slug.clone()>
            <a class="wishlist__media" href=href.clone() tabindex="-1" aria-hidden="true">{image}</a>
            <div class="wishlist__info">
                <h2 class="wishlist__title"><a href=href>{title}</a></h2>
                {price.map(|price| view! { <p class="wishlist__price">{price}</p> })}
                <p class="wishlist__stock" class:wishlist__stock--out=!can_move>{stock}</p>
            </div>
            <div class="wishlist__actions">
                {can_move.then(|| view! {
                    <ActionForm action=move_to_cart attr:class="wishlist__move">
                        <FormPage/>
                        <input type="hidden" name="slug" value=move_slug/>
                        {choice}
                        <button type="submit" class="button button--primary" aria-label=move_label>"Move to cart"</button>
                    </ActionForm>
                })}
                <ActionForm action=remove attr:class="inline-form">
                    <FormPage/>
                    <input type="hidden" name="slug" value=slug/>
                    <input type="hidden" name="save" value="false"/>
                    <button type="submit" class="button button--link" aria-label=remove_label>"Remove"</button>
                </ActionForm>
            </div>
        </li>
    }
}

/// A variant in the "Move to cart" choice: its options, price and stock (sold-out ones can't be chosen).
fn variant_option(variant: &WishlistVariant) -> impl IntoView + use<> {
    let label = if variant.label.is_empty() { variant.sku.clone() } else { variant.label.clone() };
    let text = format!("{label} — {} — {}", variant.price.format(), StockLevel::of(variant.stock).message());
    view! { <option value=variant.sku.clone() disabled=variant.stock == 0>{text}</option> }
}
