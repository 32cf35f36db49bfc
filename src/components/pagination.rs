use leptos::prelude::*;

/// Previous / numbered / next links; `href(n)` builds the URL of page n.
#[component]
pub fn Pagination(page: u32, pages: u32, href: impl Fn(u32) -> String + 'static) -> impl IntoView {
    if pages <= 1 {
        return None;
    }
    let window: Vec<u32> = (1..=pages).filter(|&n| n == 1 || n == pages || n.abs_diff(page) <= 2).collect();
    let mut items = Vec::new();
    let mut previous = 0;
    for n in window {
        if n > previous + 1 {
            items.push(view! { <li class="pagination__gap" aria-hidden="true">"…"</li> }.into_any());
        }
        let link = if n == page {
            view! { <li><a class="pagination__page" href=href(n) aria-current="page">{n}</a></li> }.into_any()
        } else {
            view! { <li><a class="pagination__page" href=href(n)>{n}</a></li> }.into_any()
        };
        items.push(link);
        previous = n;
    }
    Some(view! {
        <nav class="pagination" aria-label="Pages">
            {(page > 1).then(|| view! { <a class="pagination__step" href=href(page - 1) rel="prev">"Previous"</a> })}
            <ul>{items}</ul>
            {(page < pages).then(|| view! { <a class="pagination__step" href=href(page + 1) rel="next">"Next"</a> })}
        </nav>
    })
}
