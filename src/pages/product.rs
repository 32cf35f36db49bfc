//! The product page (/p/{slug}): gallery, price, stock and one picker per option, rendered by the
//! server for the variant in `?variant=SKU`. Each value is a link to its variant's page; hydrated,
//! choosing one swaps in that page's panel without a page load (and puts its address in the URL, so
//! the page can be shared). Without JavaScript the values are plain links.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::cart::AddToCart;
use crate::api::catalog::get_product;
use crate::api::stock_alerts::RequestStockAlert;
use crate::components::account_menu::page_account;
use crate::components::cart_state::CartState;
use crate::components::form::{Field, FormErrors, FormPage, field_error, form_error, refusal};
use crate::components::seo::{JsonLd, PageMeta, breadcrumbs};
use crate::components::wishlist_heart::{WishlistHeart, is_saved};
use crate::error::AppError;
use crate::model::catalog::{product_path, variant_url};
use crate::model::product::{ProductDetail, ProductOption, StockLevel, ValueState, Variant};
use crate::pages::not_found::{NotFound, PageError};

#[component]
pub fn ProductPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let product = Resource::new(move || params.read().get("slug").unwrap_or_default(), get_product);
    let sku = query.read_untracked().get("variant");
    // Back from "Email me when it is back" (the thanks instead of the form).
    let alerted = query.read_untracked().get("alert").is_some_and(|v| v == "1");
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || {
                let sku = sku.clone();
                Suspend::new(async move {
                match product.await {
                    Ok(product) => view! { <ProductView product sku alerted/> }.into_any(),
                    Err(AppError::NotFound) => view! { <NotFound/> }.into_any(),
                    Err(error) => view! { <PageError error/> }.into_any(),
                }
            })}}
        </Suspense>
    }
}

#[component]
fn ProductView(product: ProductDetail, sku: Option<String>, alerted: bool) -> impl IntoView {
    let href_base = product_path(&product.slug);
    let canonical = href_base.clone();
    let description: String = product.description.chars().take(160).collect();
    let (title, body) = (product.title.clone(), product.description.clone());
    let slug = product.slug.clone();
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
        <ProductBuy>
            <BuyPanel product sku alerted/>
        </ProductBuy>
        // Outside the buying panel's island: the panel is swapped per variant, the heart is the product's.
        <div class="product__save">
            <WishlistHeart slug=slug.clone() title=title.clone() saved=is_saved(&slug) labelled=true/>
        </div>
        <section class="product__description">
            <h2>"Description"</h2>
            <p>{body}</p>
        </section>
    }
}

/// Makes the buying panel (`BuyPanel`, rendered by the server) choose variants and add to the cart
/// without leaving the page. A value is a link to its variant's page: hydrated, the island reads that
/// page in the background and puts its panel in place of this one, and shows its address (replacing
/// it, as a filter would). "Add to cart" posts the form the same way and shows the page the server
/// answers with (the refusal, or the new stock), then opens the cart drawer. The options follow the
/// ARIA radio group pattern: one Tab stop per group (the checked value); arrow keys choose the previous
/// or next value that has a variant and keep the focus on it. Whatever cannot be read in the background
/// is done the plain way (the link is followed, the form is posted), as without JavaScript.
#[island]
fn ProductBuy(children: Children) -> impl IntoView {
    let state = CartState::get();
    let busy = RwSignal::new(false);
    // Each choice starts a generation; only the latest one's page is shown.
    let generation = StoredValue::new(0u64);
    Effect::new(move |_| rove_radios());
    // A plain click on a value (a modified one opens its page in a new tab, as a link does).
    let on_click = move |ev: leptos::ev::MouseEvent| {
        #[cfg(feature = "hydrate")]
        if !(ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key())
            && let Some(value) = crate::components::browser::event_target_closest(&ev, "a[role='radio'][href]")
        {
            ev.prevent_default();
            show_variant(value, busy, generation, false);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let step: i32 = match ev.key().as_str() {
            "ArrowRight" | "ArrowDown" => 1,
            "ArrowLeft" | "ArrowUp" => -1,
            _ => return,
        };
        #[cfg(feature = "hydrate")]
        if let Some(value) = crate::components::browser::event_target_closest(&ev, "a[role='radio']")
            .and_then(|value| next_value(&value, step))
        {
            ev.prevent_default();
            show_variant(value, busy, generation, true);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (step, generation);
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        #[cfg(feature = "hydrate")]
        {
            let adding = crate::components::browser::event_target_closest(&ev, "form.add-to-cart").is_some();
            let label = if adding { "Adding…" } else { "Sending…" };
            crate::components::browser::post_in_background(&ev, busy, label, move |form, loaded| match loaded {
                Some(loaded) if crate::components::browser::show_part(&loaded, ".product", ".product") => {
                    rove_radios();
                    if let Some(count) = loaded.cart_count() {
                        state.count.set(count);
                    }
                    if adding && !loaded.refused() {
                        state.open(true);
                    }
                }
                _ => form.submit().unwrap_or_default(),
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, state);
    };
    view! {
        <div
            class="product-buy"
            aria-busy=move || busy.get().then_some("true")
            on:click=on_click
            on:keydown=on_keydown
            on:submit=on_submit
        >
            {children()}
        </div>
    }
}

/// Shows the variant a value links to: its page's panel in place of this one, its address in the
/// location bar; with `refocus`, the focus on the value again (now checked) for the next arrow key.
#[cfg(feature = "hydrate")]
fn show_variant(value: leptos::web_sys::Element, busy: RwSignal<bool>, generation: StoredValue<u64>, refocus: bool) {
    use crate::components::browser::{focus, go_to, load_page, replace_url, show_part};
    let (Some(href), group) = (value.get_attribute("href"), value.closest("[role='radiogroup']").ok().flatten()) else {
        return;
    };
    let group = group.and_then(|g| g.get_attribute("aria-labelledby")).unwrap_or_default();
    let current = generation.get_value() + 1;
    generation.set_value(current);
    busy.set(true);
    leptos::task::spawn_local(async move {
        let loaded = load_page(&href, None).await;
        if generation.get_value() != current {
            return;
        }
        match loaded {
            Some(loaded) if show_part(&loaded, ".product", ".product") => {
                replace_url(&href);
                rove_radios();
                if refocus {
                    focus(&format!("[aria-labelledby='{group}'] [role='radio'][aria-checked='true']"));
                }
            }
            _ => go_to(&href),
        }
        busy.set(false);
    });
}

/// The value `step` places after (or before) `value` in its group that has a variant, going round.
#[cfg(feature = "hydrate")]
fn next_value(value: &leptos::web_sys::Element, step: i32) -> Option<leptos::web_sys::Element> {
    use leptos::wasm_bindgen::JsCast;
    let values = value.closest("[role='radiogroup']").ok()??.query_selector_all("[role='radio']").ok()?;
    let count = values.length() as i32;
    let start = (0..count).find(|&i| values.item(i as u32).is_some_and(|v| v.is_same_node(Some(value))))?;
    (1..count)
        .filter_map(|k| {
            values.item((start + step * k).rem_euclid(count) as u32)?.dyn_into::<leptos::web_sys::Element>().ok()
        })
        .find(|v| v.has_attribute("href"))
}

/// One Tab stop per option group: the checked value (the others are reached with the arrow keys).
fn rove_radios() {
    #[cfg(feature = "hydrate")]
    if let Ok(values) = document().query_selector_all(".product [role='radio']") {
        use leptos::wasm_bindgen::JsCast;
        for i in 0..values.length() {
            if let Some(value) = values.item(i).and_then(|v| v.dyn_into::<leptos::web_sys::Element>().ok()) {
                let checked = value.get_attribute("aria-checked").as_deref() == Some("true");
                let _ = value.set_attribute("tabindex", if checked { "0" } else { "-1" });
            }
        }
    }
}

/// Gallery, price, stock, one picker per option and "Add to cart" (sold out: "Email me when it is back"),
/// for the chosen variant; rendered by the server for each variant's page (`?variant=SKU`).
#[component]
fn BuyPanel(product: ProductDetail, sku: Option<String>, alerted: bool) -> impl IntoView {
    let href_base = product_path(&product.slug);
    let Some(selected) = product.selected(sku.as_deref()).cloned() else {
        return view! { <p class="notice">"This product is not available."</p> }.into_any();
    };
    let level = StockLevel::of(selected.stock);
    let gallery = product
        .images_for(&selected)
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
        .collect_view();
    let pickers =
        (0..product.options.len()).map(|option| option_picker(&product, &selected, option, &href_base)).collect_view();
    view! {
        <div class="product">
            <div class="product__gallery" data-sku=selected.sku.clone()>{gallery}</div>
            <div class="product__info">
                <h1>{product.title.clone()}</h1>
                <p class="product__brand">{product.brand.clone()}</p>
                <p class="product__price" aria-live="polite">
                    {selected.compare_at.map(|was| view! { <s class="product__was">{was.format()}</s> " " })}
                    <span class="product__price-now" class:price--sale=selected.compare_at.is_some()>
                        {selected.price.format()}
                    </span>
                </p>
                <p class="product__stock" class:product__stock--out=level == StockLevel::SoldOut>{level.message()}</p>
                {pickers}
                <AddToCartForm sku=selected.sku.clone() sold_out=selected.stock == 0/>
                {(selected.stock == 0).then(|| view! { <StockAlertForm sku=selected.sku.clone() alerted/> })}
            </div>
        </div>
    }
    .into_any()
}

/// One option (Size, Color) as a radio group of links, each to the variant with that value (keeping
/// the other values where such a variant exists). A value no variant has is shown but not a link.
fn option_picker(product: &ProductDetail, selected: &Variant, option: usize, href_base: &str) -> impl IntoView + use<> {
    let ProductOption { name, values } = product.options[option].clone();
    let chosen = selected.value_ids.get(option).copied();
    let chosen_label = values.iter().find(|v| Some(v.id) == chosen).map(|v| v.label.clone()).unwrap_or_default();
    let buttons = values
        .into_iter()
        .map(|value| {
            let href = product.switch(selected, option, value.id).map(|v| variant_url(href_base, &v.sku));
            let state = product.value_state(selected, option, value.id);
            let checked = chosen == Some(value.id);
            let accessible = match state {
                ValueState::Available => value.label.clone(),
                ValueState::SoldOut => format!("{} (sold out)", value.label),
                ValueState::Unavailable => format!("{} (unavailable)", value.label),
            };
            let swatch = value.swatch.map(|colour| {
                view! {
                    <svg class="swatch" viewBox="0 0 16 16" aria-hidden="true">
                        <circle cx="8" cy="8" r="7.5" fill=colour stroke="#0000004d"/>
                    </svg>
                }
            });
            view! {
                <a
                    class="option"
                    class:option--sold-out=state == ValueState::SoldOut
                    class:option--unavailable=state == ValueState::Unavailable
                    role="radio"
                    aria-checked=checked.to_string()
                    aria-label=accessible
                    href=href
                    rel="nofollow"
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
                {name} ": " <span class="picker__chosen">{chosen_label}</span>
            </p>
            <div class="picker__values" role="radiogroup" aria-labelledby=legend_id>
                {buttons}
            </div>
        </div>
    }
}

/// Quantity and "Add to cart" for the chosen variant: a plain form, posted by the browser (the page
/// comes back with the new count, or the refusal beside the button) or, hydrated, by `ProductBuy`.
#[component]
fn AddToCartForm(sku: String, sold_out: bool) -> impl IntoView {
    let add = ServerAction::<AddToCart>::new();
    let refusal = add.value().get_untracked().and_then(Result::err).map(|err| err.to_string());
    let add_url = <AddToCart as leptos::server_fn::ServerFn>::url();
    view! {
        <form class="add-to-cart" method="post" action=add_url>
            <FormPage/>
            <input type="hidden" name="sku" value=sku/>
            <label for="quantity">"Quantity"</label>
            <input id="quantity" type="number" name="quantity" min="1" value="1" inputmode="numeric"/>
            <button type="submit" class="button button--primary" disabled=sold_out>
                {if sold_out { "Sold out" } else { "Add to cart" }}
            </button>
        </form>
        <div class="add-to-cart__outcome">
            {refusal.map(|message| view! { <p class="notice notice--error" role="alert">{message}</p> })}
        </div>
    }
}

/// "Email me when it is back" on a sold-out variant: the shopper's email (a signed-in shopper's is filled
/// in) and one button; a plain form, posted by the browser or, hydrated, by `ProductBuy` (the panel then
/// comes back with the thanks, or the refusal beside the field).
#[component]
fn StockAlertForm(sku: String, alerted: bool) -> impl IntoView {
    if alerted {
        return view! {
            <p class="notice stock-alert" role="status">
                "Thank you: we will email you once when it is back in stock."
            </p>
        }
        .into_any();
    }
    let ask = ServerAction::<RequestStockAlert>::new();
    let errors = refusal(ask.value());
    let email = page_account().map(|account| account.email).unwrap_or_default();
    let url = <RequestStockAlert as leptos::server_fn::ServerFn>::url();
    view! {
        <form class="stock-alert" method="post" action=url>
            <FormPage/>
            <input type="hidden" name="sku" value=sku/>
            <p class="stock-alert__title">"Want it when it is back? We will email you once."</p>
            <Field
                name="email"
                label="Your email"
                kind="email"
                autocomplete="email"
                value=email
                error=field_error(errors, "email")
            />
            <FormErrors messages=form_error(errors, &["email"])/>
            <button type="submit" class="button">"Email me when it is back"</button>
        </form>
    }
    .into_any()
}
