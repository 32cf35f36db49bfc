//! /search/suggestions?q=…: the products the header's search box suggests as the shopper types
//! (`components::header::SearchBox` shows this page's list). A page like any other, so the server
//! renders the suggestions and the browser bundle holds none of it.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;

use crate::api::catalog::search_suggestions;

/// Where the search box reads its suggestions from.
pub const SUGGESTIONS_PATH: &str = "/search/suggestions";

#[component]
pub fn SuggestionsPage() -> impl IntoView {
    let q = use_query_map().read_untracked().get("q").unwrap_or_default();
    let found = Resource::new(move || q.clone(), search_suggestions);
    view! {
        <Title text="Suggestions"/>
        <Meta name="robots" content="noindex"/>
        <h1>"Suggestions"</h1>
        <Suspense>
            {move || Suspend::new(async move {
                let found = found.await.unwrap_or_default();
                view! {
                    <ul class="suggestions-found" aria-label="Suggestions">
                        {found
                            .into_iter()
                            .enumerate()
                            .map(|(i, s)| {
                                let price = if s.from { format!("from {}", s.price.format()) } else { s.price.format() };
                                // An option holds no link (no control inside a control): the search box
                                // opens `data-href` on a click or Enter.
                                view! {
                                    <li id=format!("suggestion-{i}") role="option" class="suggestion" aria-selected="false" data-href=format!("/p/{}", s.slug)>
                                        <span class="suggestion__title">{s.title}</span>
                                        <span class="suggestion__meta">{s.category} " · " {price}</span>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
            })}
        </Suspense>
    }
}
