//! The few things islands ask of the browser itself: the page's address, a new page, a new address
//! for the same page. Event handlers and effects only call these, so they run only in the browser.

/// The page's path and query, without the refusal of an earlier post (`__path`, `__err`): what a
/// form's hidden `__page` field names.
pub fn page_without_refusal(path: &str, search: &str) -> String {
    let kept: Vec<&str> = search
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with("__path=") && !pair.starts_with("__err="))
        .collect();
    if kept.is_empty() { path.to_owned() } else { format!("{path}?{}", kept.join("&")) }
}

/// Loads another page.
#[cfg(feature = "hydrate")]
pub fn go_to(url: &str) {
    let _ = leptos::prelude::window().location().assign(url);
}

/// Shows another address for the same page (a chosen variant) without loading it or adding history.
#[cfg(feature = "hydrate")]
pub fn replace_url(url: &str) {
    if let Ok(history) = leptos::prelude::window().history() {
        let _ = history.replace_state_with_url(&leptos::wasm_bindgen::JsValue::NULL, "", Some(url));
    }
}

/// Tab on the last control of `container` (Shift+Tab on the first) moves the focus round to the other end
/// and answers true (the key's own move is then to be cancelled): a modal keeps the focus inside.
#[cfg(feature = "hydrate")]
pub fn keep_focus_inside(container: &leptos::web_sys::Element, backwards: bool) -> bool {
    use leptos::wasm_bindgen::JsCast;
    let Ok(controls) = container.query_selector_all("a[href], button:not([disabled]), input, select") else {
        return false;
    };
    let (Some(first), Some(last)) = (controls.item(0), controls.item(controls.length().saturating_sub(1))) else {
        return false;
    };
    let (from, to) = if backwards { (first, last) } else { (last, first) };
    let focused = leptos::prelude::document().active_element();
    match (focused, to.dyn_into::<leptos::web_sys::HtmlElement>()) {
        (Some(focused), Ok(to)) if focused.is_same_node(Some(&from)) => {
            let _ = to.focus();
            true
        }
        _ => false,
    }
}

/// The values of the named fields of the form an event was submitted from (absent fields are empty).
#[cfg(feature = "hydrate")]
pub fn form_fields<const N: usize>(ev: &leptos::ev::SubmitEvent, names: [&str; N]) -> Option<[String; N]> {
    use leptos::wasm_bindgen::JsCast;
    let form = ev.target()?.dyn_into::<leptos::web_sys::HtmlFormElement>().ok()?;
    let data = leptos::web_sys::FormData::new_with_form(&form).ok()?;
    Some(names.map(|name| data.get(name).as_string().unwrap_or_default()))
}

/// A page of this store read in the background, as the browser would load it: `url`, or `form` posted
/// the way the browser posts it (urlencoded, asking for HTML, following the server's redirect back to
/// a page). Islands put a part of it in place of the same part here ([`replace_part`]), so the server
/// renders every state (a variant, a refusal, a cart) and the browser bundle holds none of it.
#[cfg(feature = "hydrate")]
pub struct LoadedPage {
    pub page: leptos::web_sys::Document,
    /// Where the page was answered from, after any redirect (a refusal is in its query: `__err`).
    pub url: String,
}

#[cfg(feature = "hydrate")]
impl LoadedPage {
    /// Whether the server refused the posted form (its answer is the page with the refusal shown).
    pub fn refused(&self) -> bool {
        self.url.contains("__err=")
    }

    /// The number of items the page's header counts in the cart.
    pub fn cart_count(&self) -> Option<i32> {
        self.page.query_selector(".site-header__count .badge").ok()??.text_content()?.trim().parse().ok()
    }
}

/// Loads `url`, or posts `form` to its action; None when the page could not be read (no connection,
/// a status other than 200): the caller then lets the browser do it the plain way.
#[cfg(feature = "hydrate")]
pub async fn load_page(url: &str, form: Option<&leptos::web_sys::HtmlFormElement>) -> Option<LoadedPage> {
    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys::{
        DomParser, FormData, Headers, Request, RequestInit, Response, SupportedType, UrlSearchParams,
    };
    use wasm_bindgen_futures::JsFuture;
    let init = RequestInit::new();
    let headers = Headers::new().ok()?;
    headers.set("accept", "text/html").ok()?;
    init.set_headers(&headers);
    if let Some(form) = form {
        init.set_method("POST");
        let fields = FormData::new_with_form(form).ok()?;
        init.set_body(&UrlSearchParams::new_with_str_sequence_sequence(&fields).ok()?.into());
    }
    let request = Request::new_with_str_and_init(url, &init).ok()?;
    let response: Response =
        JsFuture::from(leptos::prelude::window().fetch_with_request(&request)).await.ok()?.dyn_into().ok()?;
    if response.status() != 200 {
        return None;
    }
    let text = JsFuture::from(response.text().ok()?).await.ok()?.as_string()?;
    let page = DomParser::new().ok()?.parse_from_string(&text, SupportedType::TextHtml).ok()?;
    Some(LoadedPage { page, url: response.url() })
}

/// Puts what the loaded page's element matching `from` holds into this page's element matching `into`;
/// false when either page has no such element.
#[cfg(feature = "hydrate")]
pub fn show_part(loaded: &LoadedPage, from: &str, into: &str) -> bool {
    let document = leptos::prelude::document();
    match (document.query_selector(into).ok().flatten(), loaded.page.query_selector(from).ok().flatten()) {
        (Some(here), Some(fresh)) => {
            here.set_inner_html(&fresh.inner_html());
            true
        }
        _ => false,
    }
}

/// Like [`show_part`] for a form (its fields and messages), keeping what the shopper typed in each
/// field: a refused form comes back with the refusal beside the fields, not with the saved values.
#[cfg(feature = "hydrate")]
pub fn show_form_keeping_input(loaded: &LoadedPage, selector: &str) -> bool {
    use leptos::wasm_bindgen::{JsCast, JsValue};
    let Some(form) = leptos::prelude::document()
        .query_selector(selector)
        .ok()
        .flatten()
        .and_then(|form| form.dyn_into::<leptos::web_sys::HtmlFormElement>().ok())
    else {
        return false;
    };
    let Ok(typed) = leptos::web_sys::FormData::new_with_form(&form) else { return false };
    if !show_part(loaded, selector, selector) {
        return false;
    }
    if let Ok(fields) = form.query_selector_all("input[name]:not([type='hidden']), select[name], textarea[name]") {
        for i in 0..fields.length() {
            let Some(field) = fields.item(i).and_then(|f| f.dyn_into::<leptos::web_sys::Element>().ok()) else {
                continue;
            };
            if let Some(value) = field.get_attribute("name").and_then(|name| typed.get(&name).as_string()) {
                let _ = leptos::web_sys::js_sys::Reflect::set(
                    &field,
                    &JsValue::from_str("value"),
                    &JsValue::from_str(&value),
                );
            }
        }
    }
    true
}

/// Posts the form a submit event came from in the background, one at a time (`busy`), its button
/// saying `label` meanwhile, and hands the page that comes back (None: it could not be read) to `answer`.
#[cfg(feature = "hydrate")]
pub fn post_in_background(
    ev: &leptos::ev::SubmitEvent,
    busy: leptos::prelude::RwSignal<bool>,
    label: &'static str,
    answer: impl FnOnce(&leptos::web_sys::HtmlFormElement, Option<LoadedPage>) + 'static,
) {
    use leptos::prelude::{GetUntracked, Set};
    use leptos::wasm_bindgen::JsCast;
    let Some(form) = ev.target().and_then(|t| t.dyn_into::<leptos::web_sys::HtmlFormElement>().ok()) else {
        return;
    };
    ev.prevent_default();
    if busy.get_untracked() {
        return;
    }
    busy.set(true);
    mark_sending(&form, label);
    leptos::task::spawn_local(async move {
        let loaded = load_page(&form.action(), Some(&form)).await;
        answer(&form, loaded);
        busy.set(false);
    });
}

/// Shows that `form` is on its way: its submit button says `label` ("Adding…") and is marked disabled
/// (`aria-disabled`, so it keeps the focus). The part shown in place when the answer comes replaces it.
#[cfg(feature = "hydrate")]
pub fn mark_sending(form: &leptos::web_sys::HtmlFormElement, label: &str) {
    if let Ok(Some(button)) = form.query_selector("button[type='submit']") {
        button.set_text_content(Some(label));
        let _ = button.set_attribute("aria-disabled", "true");
    }
}

/// The element an event happened on, or its closest ancestor matching `selector`.
#[cfg(feature = "hydrate")]
pub fn event_target_closest(ev: &leptos::web_sys::Event, selector: &str) -> Option<leptos::web_sys::Element> {
    use leptos::wasm_bindgen::JsCast;
    ev.target()?.dyn_into::<leptos::web_sys::Element>().ok()?.closest(selector).ok()?
}

/// Focuses the first element matching `selector`.
#[cfg(feature = "hydrate")]
pub fn focus(selector: &str) {
    use leptos::wasm_bindgen::JsCast;
    if let Some(element) = leptos::prelude::document().query_selector(selector).ok().flatten()
        && let Ok(element) = element.dyn_into::<leptos::web_sys::HtmlElement>()
    {
        let _ = element.focus();
    }
}

#[cfg(not(feature = "hydrate"))]
pub fn form_fields<const N: usize>(_ev: &leptos::ev::SubmitEvent, _names: [&str; N]) -> Option<[String; N]> {
    None
}

#[cfg(not(feature = "hydrate"))]
pub fn keep_focus_inside(_container: &leptos::web_sys::Element, _backwards: bool) -> bool {
    false
}

#[cfg(not(feature = "hydrate"))]
pub fn go_to(_url: &str) {}

#[cfg(not(feature = "hydrate"))]
pub fn replace_url(_url: &str) {}

#[cfg(test)]
mod tests {
    use super::page_without_refusal;

    #[test]
    fn the_page_of_a_form_drops_an_earlier_refusal() {
        assert_eq!(page_without_refusal("/cart", ""), "/cart");
        assert_eq!(page_without_refusal("/cart", "?__path=%2Fapi&__err=x"), "/cart");
        assert_eq!(page_without_refusal("/c/tees", "?size=M&__err=x&sort=price-asc"), "/c/tees?size=M&sort=price-asc");
    }
}
