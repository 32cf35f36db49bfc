//! Signing up and in: /account/sign-in, /account/sign-up, /account/check-email (after sign-up) and
//! /account/verify (the mailed link's page). Server-rendered forms that work without JavaScript.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;

use crate::api::account::{SignIn, SignUp, VerifyEmail};
use crate::components::form::{Field, FormErrors, FormPage, SubmitOnce, field_error, form_error, refusal};
use crate::model::account::PASSWORD_CHARS;

/// A query parameter of the page's address.
pub fn query_param(name: &'static str) -> Option<String> {
    use_query_map().with_untracked(|query| query.get(name))
}

/// The frame of an account form page: its title (not for search engines) and heading.
#[component]
pub fn AccountFormPage(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <Title text=title/>
        <Meta name="robots" content="noindex"/>
        <section class="account-form">
            <h1>{title}</h1>
            {children()}
        </section>
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let next = query_param("next").unwrap_or_default();
    let notice = if query_param("reset").is_some() {
        Some("Your password was changed. Sign in with your new password.")
    } else if query_param("signed-out").is_some() {
        Some("You were signed out on every device.")
    } else if query_param("wishlist").is_some() {
        Some("Sign in to save products to your wishlist. You'll come back to the product after.")
    } else {
        None
    };
    let sign_up_link = if next.is_empty() {
        "/account/sign-up".to_owned()
    } else {
        format!("/account/sign-up?next={}", crate::model::catalog::encode(&next))
    };
    let action = ServerAction::<SignIn>::new();
    let refused = refusal(action.value());
    view! {
        <AccountFormPage title="Sign in">
            {notice.map(|notice| view! { <p class="notice" role="status">{notice}</p> })}
            <ActionForm action attr:class="stack-form" attr:novalidate=true>
                <FormPage/>
                <FormErrors messages=form_error(refused, &["email", "password"])/>
                <input type="hidden" name="next" value=next/>
                <Field name="email" label="Email" kind="email" autocomplete="email" value=String::new()
                    error=field_error(refused, "email")/>
                <Field name="password" label="Password" kind="password" autocomplete="current-password"
                    value=String::new() error=field_error(refused, "password")/>
                <SubmitOnce label="Sign in" busy="Signing in…"/>
            </ActionForm>
            <p><a href="/account/forgot-password">"Forgot your password?"</a></p>
            <p>"New here? " <a href=sign_up_link>"Create an account"</a></p>
        </AccountFormPage>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let refused = refusal(action.value());
    view! {
        <AccountFormPage title="Create an account">
            <p>"Save your addresses, see your orders and keep a wishlist."</p>
            <ActionForm action attr:class="stack-form" attr:novalidate=true>
                <FormPage/>
                <FormErrors messages=form_error(refused, &["name", "email", "password"])/>
                <Field name="name" label="Name" autocomplete="name" value=String::new() error=field_error(refused, "name")/>
                <Field name="email" label="Email" kind="email" autocomplete="email" value=String::new()
                    error=field_error(refused, "email")/>
                <Field name="password" label="Password" kind="password" autocomplete="new-password"
                    value=String::new() hint=PASSWORD_HINT error=field_error(refused, "password")/>
                <SubmitOnce label="Create account" busy="Creating your account…"/>
            </ActionForm>
            <p>"Have an account? " <a href="/account/sign-in">"Sign in"</a></p>
        </AccountFormPage>
    }
}

/// What a new password needs (PASSWORD_CHARS), said beside the field.
pub const PASSWORD_HINT: &str = "8 to 128 characters. A few words you will remember work well.";
const _: () = assert!(*PASSWORD_CHARS.start() == 8 && *PASSWORD_CHARS.end() == 128);

/// After sign-up: the same words whether or not the address had an account.
#[component]
pub fn CheckEmailPage() -> impl IntoView {
    view! {
        <AccountFormPage title="Check your inbox">
            <p>
                "We sent a mail to the address you gave. Open the link in it to confirm your address and "
                "finish creating your account. The link works for 24 hours."
            </p>
            <p>"No mail after a few minutes? Look in your spam folder, or " <a href="/account/sign-up">"try again"</a> "."</p>
        </AccountFormPage>
    }
}

/// The verification link opens this page; its button confirms (a link alone changes nothing: mail
/// scanners that open links do not use it up).
#[component]
pub fn VerifyPage() -> impl IntoView {
    no_referrer();
    let token = query_param("token").unwrap_or_default();
    let action = ServerAction::<VerifyEmail>::new();
    let refused = refusal(action.value());
    view! {
        <AccountFormPage title="Confirm your email">
            <ActionForm action attr:class="stack-form">
                <FormPage/>
                <FormErrors messages=form_error(refused, &[])/>
                <input type="hidden" name="token" value=token/>
                <p>"Confirm this address for your account. You will be signed in."</p>
                <SubmitOnce label="Confirm my email" busy="Confirming…"/>
            </ActionForm>
        </AccountFormPage>
    }
}

/// `Referrer-Policy: no-referrer` on this page's response (its address holds a mailed link's secret).
pub fn no_referrer() {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response
            .insert_header(axum::http::header::REFERRER_POLICY, axum::http::HeaderValue::from_static("no-referrer"));
    }
}
