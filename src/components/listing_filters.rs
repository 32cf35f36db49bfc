use leptos::prelude::*;

use crate::components::browser::keep_focus_inside;
use crate::model::catalog::{Facet, FacetKey, ListingQuery};

/// Filters as links (they work without JavaScript and can be shared), with how many products each leaves.
#[component]
pub fn ListingFilters(facets: Vec<Facet>, query: ListingQuery, base: String, in_path: bool) -> impl IntoView {
    let href = {
        let base = base.clone();
        move |q: &ListingQuery| format!("{base}{}", q.to_query_string(!in_path))
    };
    let stock_toggle = ListingQuery { in_stock: !query.in_stock, page: 1, ..query.clone() };
    let clear = ListingQuery {
        q: query.q.clone(),
        sort: query.sort,
        category: if in_path { None } else { query.category.clone() },
        ..Default::default()
    };
    let facet_views = facets
        .into_iter()
        .map(|facet| {
            let key = facet.key;
            let items = facet
                .values
                .into_iter()
                .map(|value| {
                    let target = href(&query.toggled(key, &value.value));
                    let swatch = value.swatch.clone().filter(|_| key == FacetKey::Color).map(|colour| {
                        // An SVG fill, not a style attribute: the page's CSP allows no inline styles.
                        view! {
                            <svg class="swatch" viewBox="0 0 16 16" aria-hidden="true">
                                <circle cx="8" cy="8" r="7.5" fill=colour stroke="#0000004d"/>
                            </svg>
                        }
                    });
                    view! {
                        <li>
                            <a
                                class="filter"
                                href=target
                                role="checkbox"
                                aria-checked=value.selected.to_string()
                                rel="nofollow"
                            >
                                {swatch}
                                <span class="filter__label">{value.label}</span>
                                <span class="filter__count">"(" {value.count} ")"</span>
                            </a>
                        </li>
                    }
                })
                .collect_view();
            let label = facet.label;
            let aria_label = label.clone();
            view! {
                <section class="filters__group" aria-label=aria_label>
                    <h2 class="filters__title">{label}</h2>
                    <ul>{items}</ul>
                </section>
            }
        })
        .collect_view();
    let (min, max) = (query.min_price.map(|c| (c / 100).to_string()), query.max_price.map(|c| (c / 100).to_string()));
    let hidden = view! { <HiddenQueryInputs query=query.clone() in_path except=&["min", "max", "page"]/> };
    view! {
        <aside class="filters" aria-label="Filters">
            <section class="filters__group" aria-label="Availability">
                <h2 class="filters__title">"Availability"</h2>
                <a class="filter" href=href(&stock_toggle) role="checkbox" aria-checked=query.in_stock.to_string() rel="nofollow">
                    "In stock only"
                </a>
            </section>
            {facet_views}
            <form class="filters__group filters__price" method="get" action=base.clone()>
                <h2 class="filters__title">"Price"</h2>
                {hidden}
                <label>"Min $" <input type="number" name="min" min="0" step="1" inputmode="numeric" value=min/></label>
                <label>"Max $" <input type="number" name="max" min="0" step="1" inputmode="numeric" value=max/></label>
                <button type="submit">"Apply"</button>
            </form>
            {query.is_filtered().then(|| view! { <a class="filters__clear" href=href(&clear)>"Clear all filters"</a> })}
        </aside>
    }
}

/// The query's parameters as hidden inputs, so a GET form that changes some of them keeps the others.
#[component]
pub fn HiddenQueryInputs(query: ListingQuery, in_path: bool, except: &'static [&'static str]) -> impl IntoView {
    query
        .pairs(!in_path)
        .into_iter()
        .filter(|(name, _)| !except.contains(name))
        .map(|(name, value)| view! { <input type="hidden" name=name value=value/> })
        .collect_view()
}

/// On phones the filters fold away so the first screen shows products. Without JavaScript they are a
/// disclosure ("Filters" opens them in place); hydrated, "Filters" opens them as a modal drawer that
/// holds the focus until Escape or "Close" returns it to the button. From 64rem they always show.
#[island]
pub fn FilterDrawer(active: usize, children: Children) -> impl IntoView {
    let modal = RwSignal::new(false);
    let details = NodeRef::<leptos::html::Details>::new();
    let panel = NodeRef::<leptos::html::Div>::new();
    let close_button = NodeRef::<leptos::html::Button>::new();
    let toggle = NodeRef::<leptos::html::Summary>::new();
    let close = move || {
        modal.set(false);
        if let Some(details) = details.get_untracked() {
            details.set_open(false);
        }
        if let Some(toggle) = toggle.get_untracked() {
            let _ = toggle.focus();
        }
    };
    let open = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        if let Some(details) = details.get_untracked() {
            details.set_open(true);
        }
        modal.set(true);
        // After the drawer's styles apply (a hidden button cannot take the focus).
        request_animation_frame(move || {
            if let Some(button) = close_button.get_untracked() {
                let _ = button.focus();
            }
        });
    };
    // Tab and Shift+Tab go round the drawer's own controls while it is open; Escape closes it.
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if !modal.get_untracked() {
            return;
        }
        match ev.key().as_str() {
            "Escape" => close(),
            "Tab" => {
                if let Some(panel) = panel.get_untracked()
                    && keep_focus_inside(&panel, ev.shift_key())
                {
                    ev.prevent_default();
                }
            }
            _ => {}
        }
    };
    let label = if active == 0 { "Filters".to_owned() } else { format!("Filters ({active})") };
    view! {
        <details class="filter-drawer" class:filter-drawer--modal=modal node_ref=details>
            <summary class="filter-drawer__toggle button" node_ref=toggle on:click=open>{label}</summary>
            <div class="filter-drawer__backdrop" on:click=move |_| close()></div>
            <div
                class="filter-drawer__panel"
                node_ref=panel
                role=move || modal.get().then_some("dialog")
                aria-modal=move || modal.get().then_some("true")
                aria-label=move || modal.get().then_some("Filters")
                on:keydown=on_keydown
            >
                <div class="filter-drawer__head">
                    <h2>"Filters"</h2>
                    <button type="button" class="button button--link" node_ref=close_button on:click=move |_| close()>
                        "Close"
                    </button>
                </div>
                {children()}
            </div>
        </details>
    }
}
