//! What every server-function form carries.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// The hidden field naming the page a form is on.
pub const FORM_PAGE_FIELD: &str = "__page";

/// A hidden field naming the page the form is on (path and query), so that a plain form post (no
/// JavaScript) from a browser that sends no `Referer` is still redirected back to its page, with its
/// error (see `server::http::server_functions`). Goes inside every `ActionForm`.
#[component]
pub fn FormPage() -> impl IntoView {
    let location = use_location();
    let page = move || {
        let search = location.search.get();
        // The error of an earlier post (`__path`, `__err`) is not part of the page.
        let kept: Vec<&str> = search
            .split('&')
            .filter(|pair| !pair.is_empty() && !pair.starts_with("__path=") && !pair.starts_with("__err="))
            .collect();
        match kept.is_empty() {
            true => location.pathname.get(),
            false => format!("{}?{}", location.pathname.get(), kept.join("&")),
        }
    };
    view! { <input type="hidden" name=FORM_PAGE_FIELD value=page/> }
}
