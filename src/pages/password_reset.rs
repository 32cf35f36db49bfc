//! Forgotten passwords: /account/forgot-password (ask for a link), /account/forgot-password/sent (the
//! same answer for every address) and /account/reset-password (the mailed link: a new password).

use leptos::prelude::*;

use crate::api::account::{ForgotPassword, ResetPassword, reset_link_works};
use crate::components::form::{Field, FormErrors, FormPage, SubmitOnce, field_error, form_error, refusal};
use crate::pages::not_found::PageError;
use crate::pages::sign_in::{AccountFormPage, PASSWORD_HINT, no_referrer, query_param};

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<ForgotPassword>::new();
    let refused = refusal(action.value());
    view! {
        <AccountFormPage title="Reset your password">
            <p>"Enter the email of your account and we will mail you a link to choose a new password."</p>
            <ActionForm action attr:class="stack-form" attr:novalidate=true>
                <FormPage/>
                <FormErrors messages=form_error(refused, &["email"])/>
                <Field name="email" label="Email" kind="email" autocomplete="email" value=String::new()
                    error=field_error(refused, "email")/>
                <SubmitOnce label="Send the link" busy="Sending…"/>
            </ActionForm>
            <p><a href="/account/sign-in">"Back to sign in"</a></p>
        </AccountFormPage>
    }
}

#[component]
pub fn ForgotSentPage() -> impl IntoView {
    view! {
        <AccountFormPage title="Check your inbox">
            <p>
                "If an account uses that address, we have mailed it a link to choose a new password. "
                "The link works once, for 1 hour."
            </p>
            <p><a href="/account/sign-in">"Back to sign in"</a></p>
        </AccountFormPage>
    }
}

/// The reset link's page. The link's secret is in this page's address, so the page tells the browser
/// to send no Referer from it.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    no_referrer();
    let token = query_param("token").unwrap_or_default();
    let works = Resource::new(move || token.clone(), reset_link_works);
    let action = ServerAction::<ResetPassword>::new();
    let refused = refusal(action.value());
    view! {
        <AccountFormPage title="Choose a new password">
            <Suspense fallback=|| view! { <p class="loading">"Checking your link…"</p> }>
                {move || Suspend::new(async move {
                    match works.await {
                        Ok(true) => view! {
                            <ActionForm action attr:class="stack-form" attr:novalidate=true>
                                <FormPage/>
                                <FormErrors messages=form_error(refused, &["password"])/>
                                <input type="hidden" name="token" value=query_param("token").unwrap_or_default()/>
                                <Field name="password" label="New password" kind="password" autocomplete="new-password"
                                    value=String::new() hint=PASSWORD_HINT error=field_error(refused, "password")/>
                                <SubmitOnce label="Save the new password" busy="Saving…"/>
                            </ActionForm>
                            <p class="field__hint">"Every device signed in to your account will be signed out."</p>
                        }.into_any(),
                        Ok(false) => view! {
                            <p class="notice notice--error" role="alert">
                                "This reset link has expired or was already used."
                            </p>
                            <a class="button button--primary" href="/account/forgot-password">"Ask for a new link"</a>
                        }.into_any(),
                        Err(error) => view! { <PageError error/> }.into_any(),
                    }
                })}
            </Suspense>
        </AccountFormPage>
    }
}
