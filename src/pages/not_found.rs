//! The pages for what could not be shown: an unknown address, and any other error a page's data gave.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};

use crate::api::shell::get_navigation;
use crate::error::AppError;

/// A page whose data could not be loaded: the error's message for the shopper, and (when rendered on the
/// server) the error's status, so a failed page never answers 200.
#[component]
pub fn PageError(error: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(error.status_code());
    }
    view! {
        <Meta name="robots" content="noindex"/>
        <p class="notice notice--error" role="alert">{error.to_string()}</p>
    }
}

/// The page for any unknown address: search, the store's categories and the home page. Answers with
/// status 404 so search engines drop the URL.
#[component]
pub fn NotFound() -> impl IntoView {
    let categories = OnceResource::new(get_navigation());
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found"/>
        <Meta name="robots" content="noindex"/>
        <section class="not-found">
            <h1>"We couldn't find that page"</h1>
            <p>"The link may be old or mistyped. Try a search, or start from the home page."</p>
            <form class="not-found__search" role="search" action="/search" method="get">
                <label for="not-found-search">"Search products"</label>
                <input id="not-found-search" type="search" name="q"/>
                <button type="submit" class="button button--primary">"Search"</button>
            </form>
            <nav class="not-found__categories" aria-labelledby="not-found-categories">
                <h2 id="not-found-categories">"Shop by category"</h2>
                <Suspense>
                    {move || Suspend::new(async move {
                        let categories = categories.await.unwrap_or_default();
                        view! {
                            <ul>
                                {categories
                                    .into_iter()
                                    .map(|(slug, name)| view! { <li><a href=format!("/c/{slug}")>{name}</a></li> })
                                    .collect_view()}
                            </ul>
                        }
                    })}
                </Suspense>
            </nav>
            <p><a href="/">"Go to the home page"</a></p>
        </section>
    }
}
