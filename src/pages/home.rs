use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::catalog::get_home;
use crate::components::product_card::ProductCard;
use crate::components::seo::PageMeta;
use crate::model::catalog::{CategoryTile, HomeContent, ProductCard as Card};
use crate::pages::not_found::PageError;

#[component]
pub fn HomePage() -> impl IntoView {
    let home = Resource::new(|| (), |_| get_home());
    view! {
        <Title text="Home"/>
        <PageMeta
            title="Made for every day outdoors".to_owned()
            description="Clothing, shoes and goods for every day outdoors, with free returns within 30 days.".to_owned()
            path="/".to_owned()
        />
        <section class="hero">
            <h1>"Made for every day outdoors"</h1>
            <p>"Clothing, shoes and goods that last, with free returns within 30 days."</p>
            <a class="button button--primary" href="/products">"Shop all products"</a>
        </section>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match home.await {
                    Ok(home) => view! { <HomeSections home/> }.into_any(),
                    Err(error) => view! { <PageError error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn HomeSections(home: HomeContent) -> impl IntoView {
    let HomeContent { categories, new_arrivals, on_sale } = home;
    view! {
        <div class="home">
            <section class="home__section" aria-labelledby="home-categories">
                <h2 id="home-categories">"Shop by category"</h2>
                <ul class="tiles">{categories.into_iter().map(|tile| view! { <CategoryTileView tile/> }).collect_view()}</ul>
            </section>
            <ProductRow id="home-new" heading="New arrivals" cards=new_arrivals more=Some("/products")/>
            {(!on_sale.is_empty())
                .then(|| view! { <ProductRow id="home-sale" heading="On sale" cards=on_sale more=None/> })}
        </div>
    }
}

#[component]
fn CategoryTileView(tile: CategoryTile) -> impl IntoView {
    let image = tile.image.map(|image| {
        view! {
            <img class="tile__image" src=image.url alt="" width=image.width height=image.height loading="lazy" decoding="async"/>
        }
    });
    let count = if tile.count == 1 { "1 product".to_owned() } else { format!("{} products", tile.count) };
    view! {
        <li class="tile">
            <a class="tile__link" href=format!("/c/{}", tile.slug)>
                {image}
                <span class="tile__name">{tile.name}</span>
                <span class="tile__count">{count}</span>
            </a>
        </li>
    }
}

#[component]
fn ProductRow(id: &'static str, heading: &'static str, cards: Vec<Card>, more: Option<&'static str>) -> impl IntoView {
    view! {
        <section class="home__section" aria-labelledby=id>
            <div class="home__head">
                <h2 id=id>{heading}</h2>
                {more.map(|href| view! { <a href=href>"See all"</a> })}
            </div>
            <ul class="grid">{cards.into_iter().map(|card| view! { <ProductCard card/> }).collect_view()}</ul>
        </section>
    }
}
