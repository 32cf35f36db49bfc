use leptos::prelude::*;

use crate::api::shell::ShellInfo;
use crate::error::AppError;

#[component]
pub fn Footer(shell_info: OnceResource<Result<ShellInfo, AppError>>) -> impl IntoView {
    let store_name =
        move || Suspend::new(async move { shell_info.await.map(|info| info.store_name).unwrap_or_default() });
    view! {
        <footer class="site-footer">
            <p>
                <span class="site-footer__name">
                    <Suspense>{store_name}</Suspense>
                </span>
                <span>" · Free returns within 30 days · Secure checkout"</span>
            </p>
        </footer>
    }
}
