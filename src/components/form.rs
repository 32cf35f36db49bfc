//! What every server-function form carries.

use leptos::prelude::*;

use crate::components::browser::page_without_refusal;
use crate::error::AppError;

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

/// The last refusal of a form's action.
pub fn refusal<T: Clone + Send + Sync + 'static>(
    value: impl Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
) -> Signal<Option<AppError>> {
    Signal::derive(move || value.get().and_then(Result::err))
}

/// The message for one field, if the refusal has one.
pub fn field_error(errors: Signal<Option<AppError>>, field: &'static str) -> impl Fn() -> Option<String> + Copy {
    move || errors.get().and_then(|e| e.field(field).map(str::to_owned))
}

/// The messages of a refusal that are not about one of the form's fields.
pub fn form_error(
    errors: Signal<Option<AppError>>,
    fields: &'static [&'static str],
) -> impl Fn() -> Option<Vec<String>> + Copy {
    move || {
        errors.get().and_then(|err| match &err {
            AppError::Validation(map) => {
                let others: Vec<String> =
                    map.iter().filter(|(k, _)| !fields.contains(&k.as_str())).map(|(_, v)| v.clone()).collect();
                (!others.is_empty()).then_some(others)
            }
            other => Some(vec![other.to_string()]),
        })
    }
}

#[component]
pub fn FormErrors(messages: impl Fn() -> Option<Vec<String>> + Send + Sync + 'static) -> impl IntoView {
    move || {
        messages().map(|list| {
            view! {
                <div class="notice notice--error" role="alert">
                    <ul>{list.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
                </div>
            }
        })
    }
}

/// A labelled input with its hint and error below it (aria-invalid, and aria-describedby pointing at
/// both).
#[component]
pub fn Field(
    name: &'static str,
    label: &'static str,
    value: String,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "")] autocomplete: &'static str,
    #[prop(default = true)] required: bool,
    /// A sentence below the field (what it needs), read out with it.
    #[prop(default = "")]
    hint: &'static str,
    error: impl Fn() -> Option<String> + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || {
            let ids: Vec<&str> = [(!hint.is_empty()).then_some(hint_id.as_str()), error().map(|_| error_id.as_str())]
                .into_iter()
                .flatten()
                .collect();
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field">
            <label for=id.clone()>{label} {(!required).then_some(" (optional)")}</label>
            <input
                id=id
                name=name
                type=kind
                value=value
                autocomplete=autocomplete
                required=required
                aria-invalid=move || error().is_some().then_some("true")
                aria-describedby=described
            />
            {(!hint.is_empty()).then(|| view! { <p class="field__hint" id=hint_id.clone()>{hint}</p> })}
            {move || error().map(|message| view! { <p class="field__error" id=error_id.clone()>{message}</p> })}
        </div>
    }
}
