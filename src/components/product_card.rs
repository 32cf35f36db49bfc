use leptos::prelude::*;

use crate::components::wishlist_heart::{WishlistHeart, is_saved};
use crate::model::catalog::ProductCard as Card;

/// A product in a grid: image, title, price (or "from" price), sale and sold-out badges, and its
/// wishlist heart.
#[component]
pub fn ProductCard(card: Card, #[prop(default = false)] eager: bool) -> impl IntoView {
    let href = format!("/p/{}", card.slug);
    let price = if card.min_price == card.max_price {
        card.min_price.format()
    } else {
        format!("from {}", card.min_price.format())
    };
    let badge = if card.sold_out {
        Some(view! { <span class="card__badge card__badge--sold-out">"Sold out"</span> })
    } else {
        card.compare_at.map(|_| view! { <span class="card__badge card__badge--sale">"Sale"</span> })
    };
    let image = card.image.map(|image| {
        view! {
            <img
                class="card__image"
                src=image.url
                alt=image.alt
                width=image.width
                height=image.height
                loading=if eager { "eager" } else { "lazy" }
                decoding="async"
            />
        }
    });
    let saved = is_saved(&card.slug);
    let (slug, title) = (card.slug.clone(), card.title.clone());
    view! {
        <li class="card" class:card--sold-out=card.sold_out>
            <a class="card__link" href=href>
                <div class="card__media">{image} {badge}</div>
                <h2 class="card__title">{card.title}</h2>
                <p class="card__brand">{card.brand}</p>
                <p class="card__price">
                    {card.compare_at.map(|was| view! { <s class="card__was">{was.format()}</s> " " })}
                    <span class:price--sale=card.compare_at.is_some()>{price}</span>
                </p>
            </a>
            <WishlistHeart slug title saved labelled=false/>
        </li>
    }
}
