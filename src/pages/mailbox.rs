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
                        <p>"Mails the store queued (delivery by SMTP comes with accounts). Development only."</p>
                        {mails.is_empty().then(|| view! { <p>"No mail yet."</p> })}
                        {mails.into_iter().map(|mail| view! {
                            <article class="mail">
                                <h2>{mail.subject}</h2>
                                <p class="mail__meta">"To " {mail.to} " · " {mail.queued}</p>
                                <pre class="mail__body">{mail.body}</pre>
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
