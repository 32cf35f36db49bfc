//! The signed-in shopper's own details: /account/profile (name; email address, changed once the new
//! address is confirmed) and /account/password (a new password, after the current one). Plain forms:
//! without JavaScript the browser posts them and comes back here with the outcome.

use leptos::prelude::*;

use crate::api::account::{ChangeEmail, ChangePassword, UpdateName};
use crate::components::form::{Field, FormErrors, FormPage, SubmitOnce, field_error, form_error, refusal};
use crate::model::account::AccountView;
use crate::pages::account::{AccountBreadcrumb, SignedInPage};
use crate::pages::sign_in::{PASSWORD_HINT, query_param};

#[component]
pub fn ProfilePage() -> impl IntoView {
    let notice = if query_param("saved").is_some() {
        Some("Your name was saved.")
    } else if query_param("sent").is_some() {
        Some("We sent a link to the new address. Your email changes when you open it; until then it stays as it is.")
    } else {
        None
    };
    view! {
        <SignedInPage title="Your profile" path="/account/profile" page=move |account| view! {
            <Profile account notice/>
        }/>
    }
}

#[component]
fn Profile(account: AccountView, notice: Option<&'static str>) -> impl IntoView {
    let rename = ServerAction::<UpdateName>::new();
    let renamed = refusal(rename.value());
    let change = ServerAction::<ChangeEmail>::new();
    let changed = refusal(change.value());
    view! {
        <section class="account profile-form">
            <AccountBreadcrumb current="Profile"/>
            <h1>"Your profile"</h1>
            {notice.map(|notice| view! { <p class="notice" role="status">{notice}</p> })}
            <h2>"Name"</h2>
            <ActionForm action=rename attr:class="stack-form" attr:novalidate=true>
                <FormPage/>
                <FormErrors messages=form_error(renamed, &["name"])/>
                <Field name="name" label="Name" autocomplete="name" value=account.name error=field_error(renamed, "name")/>
                <SubmitOnce label="Save name" busy="Saving…"/>
            </ActionForm>
            <h2>"Email address"</h2>
            <p>"Your account uses " <strong>{account.email}</strong> "."</p>
            <ActionForm action=change attr:class="stack-form" attr:novalidate=true>
                <FormPage/>
                <FormErrors messages=form_error(changed, &["email", "password"])/>
                <Field name="email" label="New email" kind="email" autocomplete="email" value=String::new()
                    hint="We mail it a link; your address changes when you open it."
                    error=field_error(changed, "email")/>
                <Field name="password" label="Current password" kind="password" autocomplete="current-password"
                    value=String::new() hint="To make sure it is you." error=field_error(changed, "password")/>
                <SubmitOnce label="Change email" busy="Sending the link…"/>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn PasswordPage() -> impl IntoView {
    let saved = query_param("saved").is_some();
    view! {
        <SignedInPage title="Change your password" path="/account/password" page=move |_| view! {
            <ChangePasswordForm saved/>
        }/>
    }
}

#[component]
fn ChangePasswordForm(saved: bool) -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let refused = refusal(action.value());
    view! {
        <section class="account profile-form">
            <AccountBreadcrumb current="Password"/>
            <h1>"Change your password"</h1>
            {saved.then(|| view! {
                <p class="notice" role="status">"Your password was changed. Every other device was signed out."</p>
            })}
            <ActionForm action attr:class="stack-form" attr:novalidate=true>
                <FormPage/>
                <FormErrors messages=form_error(refused, &["current_password", "new_password"])/>
                <Field name="current_password" label="Current password" kind="password" autocomplete="current-password"
                    value=String::new() error=field_error(refused, "current_password")/>
                <Field name="new_password" label="New password" kind="password" autocomplete="new-password"
                    value=String::new() hint=PASSWORD_HINT error=field_error(refused, "new_password")/>
                <SubmitOnce label="Change password" busy="Saving…"/>
            </ActionForm>
            <p class="field__hint">"Every other device signed in to your account will be signed out; this one stays signed in."</p>
            <p><a href="/account/forgot-password">"Forgot your current password?"</a></p>
        </section>
    }
}
