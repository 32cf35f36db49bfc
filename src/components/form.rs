//! What every server-function form carries.

use leptos::prelude::*;

use crate::components::browser::page_without_refusal;

/// The hidden field naming the page a form is on.
pub const FORM_PAGE_FIELD: &str = "__page";

/// A hidden field naming the page the form is on (path and query), so that a plain form post (no
/// JavaScript) from a browser that sends no `Referer` is still redirected back to its page, with its
/// error (see `server::http::server_functions`). Goes inside every `ActionForm`; islands render it too,
/// so it reads the request's address on the server and the window's in the browser.
#[component]
pub fn FormPage() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    let page = {
        let location = window().location();
        page_without_refusal(&location.pathname().unwrap_or_default(), &location.search().unwrap_or_default())
    };
    #[cfg(not(feature = "hydrate"))]
    let page = {
        let location = leptos_router::hooks::use_location();
        page_without_refusal(&location.pathname.get_untracked(), &location.search.get_untracked())
    };
    view! { <input type="hidden" name=FORM_PAGE_FIELD value=page/> }
}

/// A form's main button that sends the form once: hydrated, a second click while the next page is on
/// its way does nothing, and the button says what is happening ("Placing your order…"). Back on the page
/// (the back button), it is ready again. Without JavaScript it is a plain submit button.
#[island]
pub fn SubmitOnce(#[prop(into)] label: String, #[prop(into)] busy: String) -> impl IntoView {
    let sent = RwSignal::new(false);
    let on_click = move |ev: leptos::ev::MouseEvent| {
        if sent.get_untracked() {
            ev.prevent_default();
        } else {
            sent.set(true);
        }
    };
    let ready_again = window_event_listener(leptos::ev::pageshow, move |_| sent.set(false));
    on_cleanup(move || ready_again.remove());
    view! {
        <button
            type="submit"
            class="button button--primary button--large"
            aria-disabled=move || sent.get().then_some("true")
            on:click=on_click
        >
            {move || if sent.get() { busy.clone() } else { label.clone() }}
        </button>
    }
}

/// Around a GET form of choices (a sort): hydrated, a changed choice submits its form, so the form's
/// button (there for browsers without JavaScript) is not needed. A change bubbles up to this wrapper.
#[island]
pub fn SubmitOnChange(children: Children) -> impl IntoView {
    let on_change = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use leptos::wasm_bindgen::JsCast;
            let form = ev
                .target()
                .and_then(|target| target.dyn_into::<leptos::web_sys::Element>().ok())
                .and_then(|element| element.closest("form").ok().flatten())
                .and_then(|form| form.dyn_into::<leptos::web_sys::HtmlFormElement>().ok());
            if let Some(form) = form {
                let _ = form.request_submit();
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    view! { <div class="submit-on-change" on:change=on_change>{children()}</div> }
}
