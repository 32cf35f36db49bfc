//! /dev/mailbox: the mails the store has queued, newest first (development only; 404 in production).

use leptos::prelude::*;
use leptos_meta::{Meta, Title};

use crate::api::checkout::dev_mailbox;
use crate::error::AppError;
use crate::pages::not_found::{NotFound, PageError};

#[component]
pub fn MailboxPage() -> impl IntoView {
    let mails = Resource::new(|| (), |_| dev_mailbox());
    view! {
        <Title text="Mailbox (development)"/>
        <Meta name="robots" content="noindex"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match mails.await {
                    Ok(mails) => view! {
                        <h1>"Mailbox"</h1>
                        <p>"Mails the store queued, newest first. Development only."</p>
                        {mails.is_empty().then(|| view! { <p>"No mail yet."</p> })}
                        {mails.into_iter().map(|mail| view! {
                            <article class="mail">
                                <h2>{mail.subject}</h2>
                                <p class="mail__meta">"To " {mail.to} " · queued " {mail.queued} " · " {mail.delivery}</p>
                                <pre class="mail__body">{linked(&mail.body)}</pre>
                            </article>
                        }).collect_view()}
                    }.into_any(),
                    Err(AppError::NotFound) => view! { <NotFound/> }.into_any(),
                    Err(error) => view! { <PageError error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A mail's text with each address in it (`http://…`, `https://…`) as a link, so a link mailed to a
/// shopper (confirm your email, reset your password) can be opened from here.
fn linked(body: &str) -> impl IntoView + use<> {
    let mut pieces = Vec::new();
    let mut rest = body;
    while let Some(at) = rest.find("http://").into_iter().chain(rest.find("https://")).min() {
        let (text, from) = rest.split_at(at);
        let end = from.find(char::is_whitespace).unwrap_or(from.len());
        let (url, after) = from.split_at(end);
        pieces.push(text.to_owned().into_any());
        pieces.push(view! { <a href=url.to_owned()>{url.to_owned()}</a> }.into_any());
        rest = after;
    }
    pieces.push(rest.to_owned().into_any());
    pieces
}
