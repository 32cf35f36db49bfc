//! The HTML shell, the app root and the route table.

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::api::shell::get_shell_info;
use crate::components::account_menu::VerifyBanner;
use crate::components::cart_drawer::CartDrawer;
use crate::components::cart_state::{CartScope, HydrationMark, page_cart};
use crate::components::footer::Footer;
use crate::components::header::Header;
use crate::pages::account::{AccountPage, OrderHistoryPage};
use crate::pages::addresses::{AddressBookPage, AddressEditPage};
use crate::pages::cart::{CartDrawerPage, CartPage};
use crate::pages::checkout::{CheckoutPage, ReviewPage, ShippingPage};
use crate::pages::home::HomePage;
use crate::pages::listing::{CategoryPage, ProductsPage, SearchPage};
use crate::pages::mailbox::MailboxPage;
use crate::pages::not_found::NotFound;
use crate::pages::order::OrderPage;
use crate::pages::password_reset::{ForgotPasswordPage, ForgotSentPage, ResetPasswordPage};
use crate::pages::product::ProductPage;
use crate::pages::profile::{PasswordPage, ProfilePage};
use crate::pages::sign_in::{CheckEmailPage, SignInPage, SignUpPage, VerifyPage};
use crate::pages::suggestions::SuggestionsPage;
use crate::pages::wishlist::WishlistPage;

pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_page_security_policy(&options);
    let nonce = leptos::nonce::use_nonce().map(|nonce| nonce.to_string());
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                // Before the first paint: the page will have JavaScript, so what only hydration would change
                // (the phone's folded menu, the sort without its button) is laid out that way from the start,
                // and nothing moves when the islands hydrate (no layout shift).
                <script nonce=nonce inner_html="document.documentElement.classList.add('js')"></script>
                <AutoReload options=options.clone()/>
                <HydrationScripts options=options.clone() islands=true/>
                <HashedStylesheet options=options id="leptos"/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Pages get a Content-Security-Policy naming this response's nonce, which Leptos puts on its own scripts.
#[cfg(feature = "ssr")]
fn set_page_security_policy(options: &LeptosOptions) {
    use axum::http::{HeaderValue, header};
    let Some(nonce) = leptos::nonce::use_nonce() else { return };
    let live_reload = std::env::var_os("LEPTOS_WATCH").map(|_| options.reload_port);
    let real_provider = crate::server::app_state().is_ok_and(|state| !state.settings.payments.sandbox);
    let payment_page = real_provider.then_some(crate::server::services::payments::HOSTED_PAYMENT_ORIGIN);
    let policy = crate::server::http::page_content_security_policy(&nonce, live_reload, payment_page);
    if let (Some(response), Ok(value)) = (use_context::<leptos_axum::ResponseOptions>(), HeaderValue::from_str(&policy))
    {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// leptos_meta 0.8 writes the server-rendered <title> without escaping it, so a title made of shopper
/// input (a search) could close the element and open a script. The server escapes it here; the browser
/// sets `document.title`, which is text already.
fn title_text(title: String) -> String {
    if cfg!(feature = "ssr") { title.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;") } else { title }
}

/// The page: rendered on the server only. What is interactive is an `#[island]` inside it, and all of
/// them sit inside `CartScope`, which shares the page's cart with them.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let shell_info = OnceResource::new(get_shell_info());
    provide_context(shell_info);
    let count = page_cart().count;

    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let name = shell_info.await.map(|info| info.store_name).unwrap_or_default();
                view! { <Title formatter=move |page: String| title_text(format!("{page} · {name}"))/> }
            })}
        </Suspense>
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <CartScope count>
                <Header shell_info/>
                <CartDrawer/>
                <VerifyBanner/>
                <main id="main" tabindex="-1">
                    <Routes fallback=NotFound>
                        // Async: the whole page (title, meta tags, status) is known before the first byte.
                        <Route path=path!("") view=HomePage ssr=SsrMode::Async/>
                        <Route path=path!("/products") view=ProductsPage ssr=SsrMode::Async/>
                        <Route path=path!("/c/:slug") view=CategoryPage ssr=SsrMode::Async/>
                        <Route path=path!("/search") view=SearchPage ssr=SsrMode::Async/>
                        <Route path=path!("/search/suggestions") view=SuggestionsPage ssr=SsrMode::Async/>
                        <Route path=path!("/p/:slug") view=ProductPage ssr=SsrMode::Async/>
                        <Route path=path!("/cart") view=CartPage ssr=SsrMode::Async/>
                        <Route path=path!("/cart/drawer") view=CartDrawerPage ssr=SsrMode::Async/>
                        <Route path=path!("/checkout") view=CheckoutPage ssr=SsrMode::Async/>
                        <Route path=path!("/checkout/shipping") view=ShippingPage ssr=SsrMode::Async/>
                        <Route path=path!("/checkout/review") view=ReviewPage ssr=SsrMode::Async/>
                        <Route path=path!("/orders/:token") view=OrderPage ssr=SsrMode::Async/>
                        <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async/>
                        <Route path=path!("/account/orders") view=OrderHistoryPage ssr=SsrMode::Async/>
                        <Route path=path!("/account/profile") view=ProfilePage ssr=SsrMode::Async/>
                        <Route path=path!("/account/addresses") view=AddressBookPage ssr=SsrMode::Async/>
                        <Route path=path!("/account/addresses/:id") view=AddressEditPage ssr=SsrMode::Async/>
                        <Route path=path!("/account/wishlist") view=WishlistPage ssr=SsrMode::Async/>
                        <Route path=path!("/account/password") view=PasswordPage ssr=SsrMode::Async/>
                        <Route path=path!("/account/sign-in") view=SignInPage ssr=SsrMode::Async/>
                        <Route path=path!("/account/sign-up") view=SignUpPage ssr=SsrMode::Async/>
                        <Route path=path!("/account/check-email") view=CheckEmailPage ssr=SsrMode::Async/>
                        <Route path=path!("/account/verify") view=VerifyPage ssr=SsrMode::Async/>
                        <Route path=path!("/account/forgot-password") view=ForgotPasswordPage ssr=SsrMode::Async/>
                        <Route path=path!("/account/forgot-password/sent") view=ForgotSentPage ssr=SsrMode::Async/>
                        <Route path=path!("/account/reset-password") view=ResetPasswordPage ssr=SsrMode::Async/>
                        <Route path=path!("/dev/mailbox") view=MailboxPage ssr=SsrMode::Async/>
                    </Routes>
                </main>
                <Footer shell_info/>
            </CartScope>
            <HydrationMark/>
        </Router>
    }
}
