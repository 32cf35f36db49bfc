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

/// The refusal a plain form post came back with (`?__path=…&__err=…`), as Leptos's router reads it.
#[cfg(feature = "hydrate")]
pub fn posted_refusal() -> Option<leptos::server::ServerActionError> {
    let search = leptos::prelude::window().location().search().ok()?;
    let (mut path, mut err) = (None, None);
    for pair in search.trim_start_matches('?').split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = leptos::web_sys::js_sys::decode_uri_component(value).ok()?.as_string()?;
        match key {
            "__path" => path = Some(value),
            "__err" => err = Some(value),
            _ => {}
        }
    }
    Some(leptos::server::ServerActionError::new(&path?, &err?))
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
