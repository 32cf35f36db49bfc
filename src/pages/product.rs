//! The product page (/p/{slug}): gallery, price, stock and one picker per option. Choosing a value
//! updates price, stock and images without a page load and puts `?variant=SKU` in the URL, so the page
//! can be shared and server-renders that variant. Without JavaScript the values are plain links.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::cart::AddToCart;
use crate::api::catalog::get_product;
use crate::components::browser::replace_url;
use crate::components::cart_state::CartState;
use crate::components::form::FormPage;
use crate::components::seo::{JsonLd, PageMeta, breadcrumbs};
use crate::error::AppError;
use crate::model::catalog::{product_path, variant_url};
use crate::model::product::{ProductDetail, StockLevel, ValueState, Variant};
use crate::pages::not_found::{NotFound, PageError};

#[component]
pub fn ProductPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let product = Resource::new(move || params.read().get("slug").unwrap_or_default(), get_product);
    let sku = query.read_untracked().get("variant");
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || {
                let sku = sku.clone();
                Suspend::new(async move {
                match product.await {
                    Ok(product) => view! { <ProductView product sku/> }.into_any(),
                    Err(AppError::NotFound) => view! { <NotFound/> }.into_any(),
                    Err(error) => view! { <PageError error/> }.into_any(),
                }
            })}}
        </Suspense>
    }
}

#[component]
fn ProductView(product: ProductDetail, sku: Option<String>) -> impl IntoView {
    let href_base = product_path(&product.slug);
    let canonical = href_base.clone();
    let description: String = product.description.chars().take(160).collect();
    let (title, body) = (product.title.clone(), product.description.clone());
    let (category_href, category_name) = (format!("/c/{}", product.category_slug), product.category_name.clone());
    let share_image = product.images.first().map(|i| i.image.url.clone());
    let structured = {
        let product = product.clone();
        let (category_href, category_name) = (category_href.clone(), category_name.clone());
        Box::new(move |base: &str| {
            let trail = breadcrumbs(
                base,
                &[("Home", "/"), (&category_name, &category_href), (&product.title, &format!("/p/{}", product.slug))],
            );
            serde_json::json!([product.json_ld(base), trail])
        })
    };
    // The island gets the product without its description, which only the server renders.
    let buyable = ProductDetail { description: String::new(), ..product };

    view! {
        <Title text=title.clone()/>
        <PageMeta title=title.clone() description path=canonical image=share_image kind="product"/>
        <JsonLd data=structured/>
        <nav class="breadcrumb" aria-label="Breadcrumb">
            <ol>
                <li><a href="/">"Home"</a></li>
                <li><a href=category_href>{category_name}</a></li>
                <li aria-current="page">{title.clone()}</li>
            </ol>
        </nav>
        <ProductBuy product=buyable sku/>
        <section class="product__description">
            <h2>"Description"</h2>
            <p>{body}</p>
        </section>
    }
}

/// Gallery, price, stock, the option pickers and "Add to cart" for the chosen variant. Choosing a value
/// shows its variant at once and puts `?variant=SKU` in the address (replacing it, as a filter would).
#[island]
fn ProductBuy(product: ProductDetail, sku: Option<String>) -> impl IntoView {
    let title = product.title.clone();
    let brand = product.brand.clone();
    let href_base = product_path(&product.slug);
    let sku = RwSignal::new(sku);
    let product = StoredValue::new(product);
    let selected = Memo::new(move |_| product.with_value(|p| p.selected(sku.get().as_deref()).cloned()));

    let price = move || {
        selected.get().map(|v| {
            view! {
                {v.compare_at.map(|was| view! { <s class="product__was">{was.format()}</s> " " })}
                <span class="product__price-now" class:price--sale=v.compare_at.is_some()>{v.price.format()}</span>
            }
        })
    };
    let stock = move || {
        selected.get().map(|v| {
            let level = StockLevel::of(v.stock);
            view! {
                <p class="product__stock" class:product__stock--out=level == StockLevel::SoldOut>
                    {level.message()}
                </p>
            }
        })
    };
    let gallery = move || {
        let images = selected.get().map(|v| product.with_value(|p| p.images_for(&v))).unwrap_or_default();
        images
            .into_iter()
            .enumerate()
            .map(|(i, image)| {
                view! {
                    <img
                        src=image.url
                        alt=image.alt
                        width=image.width
                        height=image.height
                        loading=if i == 0 { "eager" } else { "lazy" }
                        fetchpriority=if i == 0 { "high" } else { "auto" }
                    />
                }
            })
            .collect_view()
    };
    let pickers = product.with_value(|p| p.options.len());
    view! {
        <div class="product">
            <div class="product__gallery" data-sku=move || selected.get().map(|v| v.sku)>{gallery}</div>
            <div class="product__info">
                <h1>{title}</h1>
                <p class="product__brand">{brand}</p>
                <p class="product__price" aria-live="polite">{price}</p>
                {stock}
                {(0..pickers)
                    .map(|option| view! { <OptionPicker product selected sku option href_base=href_base.clone()/> })
                    .collect_view()}
                <AddToCartForm selected/>
            </div>
        </div>
    }
}

/// One option (Size, Color) as a radio group of links to the matching variant. Once hydrated it follows
/// the ARIA radio group pattern: one Tab stop (the checked value), arrow keys choose the previous or
/// next value that has a variant and move the focus with it. Without JavaScript every value is a link.
#[component]
fn OptionPicker(
    product: StoredValue<ProductDetail>,
    selected: Memo<Option<Variant>>,
    sku: RwSignal<Option<String>>,
    option: usize,
    href_base: String,
) -> impl IntoView {
    let choose = move |href_base: &str, chosen: String| {
        replace_url(&variant_url(href_base, &chosen));
        sku.set(Some(chosen));
    };
    let (name, values) = product.with_value(|p| (p.options[option].name.clone(), p.options[option].values.clone()));
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let value_ids: Vec<i32> = values.iter().map(|v| v.id).collect();
    let refs: Vec<NodeRef<leptos::html::A>> = values.iter().map(|_| NodeRef::new()).collect();
    let on_keydown = {
        let (href_base, refs) = (href_base.clone(), refs.clone());
        move |ev: leptos::ev::KeyboardEvent| {
            let step: isize = match ev.key().as_str() {
                "ArrowRight" | "ArrowDown" => 1,
                "ArrowLeft" | "ArrowUp" => -1,
                _ => return,
            };
            ev.prevent_default();
            let Some(current) = selected.get_untracked() else { return };
            let count = value_ids.len() as isize;
            let start = value_ids.iter().position(|id| current.value_ids.get(option) == Some(id)).unwrap_or(0) as isize;
            for k in 1..count {
                let i = (start + step * k).rem_euclid(count) as usize;
                let target = product.with_value(|p| p.switch(&current, option, value_ids[i]).map(|v| v.sku.clone()));
                if let Some(sku) = target {
                    choose(&href_base, sku);
                    if let Some(link) = refs[i].get_untracked() {
                        let _ = link.focus();
                    }
                    return;
                }
            }
        }
    };
    let chosen_label = move || {
        let chosen = selected.get().and_then(|v| v.value_ids.get(option).copied());
        values_label(product, option, chosen)
    };
    let buttons = values
        .into_iter()
        .zip(refs)
        .map(|(value, node_ref)| {
            let href_base = href_base.clone();
            let target = move || {
                selected.get().and_then(|current| {
                    product.with_value(|p| p.switch(&current, option, value.id).map(|v| v.sku.clone()))
                })
            };
            let href = {
                let href_base = href_base.clone();
                move || target().map(|sku| variant_url(&href_base, &sku))
            };
            let state = move || {
                selected
                    .get()
                    .map(|current| product.with_value(|p| p.value_state(&current, option, value.id)))
                    .unwrap_or(ValueState::Unavailable)
            };
            let checked = move || selected.get().is_some_and(|v| v.value_ids.get(option) == Some(&value.id));
            let label = value.label.clone();
            let accessible = move || match state() {
                ValueState::Available => label.clone(),
                ValueState::SoldOut => format!("{label} (sold out)"),
                ValueState::Unavailable => format!("{label} (unavailable)"),
            };
            let swatch = value.swatch.clone().map(|colour| {
                view! {
                    <svg class="swatch" viewBox="0 0 16 16" aria-hidden="true">
                        <circle cx="8" cy="8" r="7.5" fill=colour stroke="#0000004d"/>
                    </svg>
                }
            });
            let on_click = move |ev: leptos::ev::MouseEvent| {
                if let Some(sku) = target() {
                    ev.prevent_default();
                    choose(&href_base, sku);
                }
            };
            view! {
                <a
                    node_ref=node_ref
                    class="option"
                    tabindex=move || if hydrated.get() && !checked() { "-1" } else { "0" }
                    class:option--sold-out=move || state() == ValueState::SoldOut
                    class:option--unavailable=move || state() == ValueState::Unavailable
                    role="radio"
                    aria-checked=move || checked().to_string()
                    aria-label=accessible
                    href=href
                    rel="nofollow"
                    on:click=on_click
                >
                    {swatch}
                    {value.label}
                </a>
            }
        })
        .collect_view();
    let legend_id = format!("option-{option}");
    view! {
        <div class="picker">
            <p class="picker__legend" id=legend_id.clone()>
                {name.clone()} ": " <span class="picker__chosen">{chosen_label}</span>
            </p>
            <div class="picker__values" role="radiogroup" aria-labelledby=legend_id on:keydown=on_keydown>
                {buttons}
            </div>
        </div>
    }
}

fn values_label(product: StoredValue<ProductDetail>, option: usize, value_id: Option<i32>) -> String {
    product.with_value(|p| {
        p.options[option].values.iter().find(|v| Some(v.id) == value_id).map(|v| v.label.clone()).unwrap_or_default()
    })
}

/// Quantity and "Add to cart" for the chosen variant. Hydrated, it adds without a page load and the
/// header's count follows; without JavaScript the form posts and the page comes back with the new count.
#[component]
fn AddToCartForm(selected: Memo<Option<Variant>>) -> impl IntoView {
    let state = CartState::get();
    let add = ServerAction::<AddToCart>::new();
    Effect::new(move |_| {
        if let Some(Ok(cart)) = add.value().get() {
            state.show(cart);
        }
    });
    let sku = move || selected.get().map(|v| v.sku).unwrap_or_default();
    let sold_out = move || selected.get().is_none_or(|v| v.stock == 0);
    let outcome = move || match add.value().get() {
        Some(Ok(_)) => Some(
            view! { <p class="notice" role="status">"Added to your cart. " <a href="/cart">"View cart"</a></p> }
                .into_any(),
        ),
        Some(Err(err)) => Some(view! { <p class="notice notice--error" role="alert">{err.to_string()}</p> }.into_any()),
        None => None,
    };
    // Hydrated, the form is sent by the island (the page stays); without JavaScript the browser posts it.
    let quantity = NodeRef::<leptos::html::Input>::new();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // Not a number: 0, which the server refuses with its own words.
        let quantity = quantity.get_untracked().and_then(|input| input.value().trim().parse().ok()).unwrap_or(0);
        add.dispatch(AddToCart { sku: sku(), quantity });
    };
    let add_url = <AddToCart as leptos::server_fn::ServerFn>::url();
    view! {
        <form class="add-to-cart" method="post" action=add_url on:submit=on_submit>
            <FormPage/>
            <input type="hidden" name="sku" value=sku/>
            <label for="quantity">"Quantity"</label>
            <input id="quantity" type="number" name="quantity" min="1" value="1" inputmode="numeric" node_ref=quantity/>
            <button type="submit" class="button button--primary" disabled=sold_out>
                {move || if sold_out() { "Sold out" } else { "Add to cart" }}
            </button>
        </form>
        <div class="add-to-cart__outcome">{outcome}</div>
    }
}
