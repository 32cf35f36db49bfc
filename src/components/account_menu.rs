//! The header's account link: "Sign in" for guests; for a signed-in shopper their first name, opening
//! a menu (a `<details>`: it opens by keyboard and without JavaScript). And the banner that asks an
//! unconfirmed shopper to confirm their address. Both render on the server only.

use leptos::prelude::*;

use crate::api::account::{ResendVerification, SignOut};
use crate::components::form::FormPage;
use crate::model::account::AccountView;

/// The account the server read for this page (`server::account_session::with_page_account`).
pub fn page_account() -> Option<AccountView> {
    #[cfg(feature = "ssr")]
    return crate::server::account_session::rendered_page_account();
    #[cfg(not(feature = "ssr"))]
    return None;
}

#[component]
pub fn AccountMenu() -> impl IntoView {
    let Some(account) = page_account() else {
        return view! { <a class="site-header__account" href="/account/sign-in">"Sign in"</a> }.into_any();
    };
    let sign_out = <SignOut as leptos::server_fn::ServerFn>::url();
    view! {
        <details class="site-header__account account-menu">
            <summary>
                <span class="visually-hidden">"Account: "</span>
                {account.first_name}
            </summary>
            <ul class="account-menu__list">
                <li><a href="/account">"Your account"</a></li>
                <li><a href="/account/orders">"Orders"</a></li>
                <li><a href="/account/addresses">"Addresses"</a></li>
                <li><a href="/account/wishlist">"Wishlist"</a></li>
                <li>
                    <form method="post" action=sign_out>
                        <FormPage/>
                        <button type="submit" class="button--link">"Sign out"</button>
                    </form>
                </li>
            </ul>
        </details>
    }
    .into_any()
}

/// "Please confirm your email", with a button that mails the link again, on every page until it is.
#[component]
pub fn VerifyBanner() -> impl IntoView {
    let account = page_account().filter(|account| !account.verified)?;
    let resend = <ResendVerification as leptos::server_fn::ServerFn>::url();
    Some(view! {
        <div class="verify-banner" role="status">
            <p>
                "Please confirm your email address: we sent a link to " <strong>{account.email}</strong> "."
            </p>
            <form method="post" action=resend>
                <FormPage/>
                <button type="submit" class="button">"Send the link again"</button>
            </form>
        </div>
    })
}
