//! Search-engine and link-preview tags: canonical URL, OpenGraph and JSON-LD, with absolute URLs built
//! from the store's public URL (STORE_PUBLIC_URL).

use leptos::prelude::*;
use leptos_meta::{Link, Meta};

use crate::api::shell::ShellInfo;
use crate::error::AppError;

/// The shell's settings, provided by `App` for every page.
pub type ShellResource = OnceResource<Result<ShellInfo, AppError>>;

/// Canonical link (unless the page is not indexed) and OpenGraph tags. `path` and `image` are
/// site-relative; they are made absolute here.
#[component]
pub fn PageMeta(
    title: String,
    description: String,
    path: String,
    #[prop(default = None)] image: Option<String>,
    #[prop(default = "website")] kind: &'static str,
    #[prop(default = true)] canonical: bool,
) -> impl IntoView {
    let shell = expect_context::<ShellResource>();
    view! {
        <Meta name="description" content=description.clone()/>
        <Suspense>
            {move || {
                let (title, description, path, image) = (title.clone(), description.clone(), path.clone(), image.clone());
                Suspend::new(async move {
                    let (base, store_name) =
                        shell.await.map(|s| (s.public_url, s.store_name)).unwrap_or_default();
                    let url = format!("{base}{path}");
                    view! {
                        {canonical.then(|| view! { <Link rel="canonical" href=url.clone()/> })}
                        <Meta property="og:type" content=kind/>
                        <Meta property="og:site_name" content=store_name/>
                        <Meta property="og:title" content=title/>
                        <Meta property="og:description" content=description/>
                        <Meta property="og:url" content=url/>
                        {image.map(|image| view! { <Meta property="og:image" content=format!("{base}{image}")/> })}
                        <Meta name="twitter:card" content="summary_large_image"/>
                    }
                })
            }}
        </Suspense>
    }
}

/// Structured data for search engines. `data` gets the store's public URL.
#[component]
pub fn JsonLd(data: Box<dyn Fn(&str) -> serde_json::Value + Send + Sync>) -> impl IntoView {
    let shell = expect_context::<ShellResource>();
    let data = std::sync::Arc::new(data);
    view! {
        <Suspense>
            {move || {
                let data = data.clone();
                Suspend::new(async move {
                    let base = shell.await.map(|s| s.public_url).unwrap_or_default();
                    view! { <script type="application/ld+json" inner_html=json_for_script(&data(&base))></script> }
                })
            }}
        </Suspense>
    }
}

/// JSON that cannot close its <script> element or open a comment.
pub fn json_for_script(value: &serde_json::Value) -> String {
    value.to_string().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

/// schema.org BreadcrumbList from (name, site-relative path) pairs.
pub fn breadcrumbs(base: &str, items: &[(&str, &str)]) -> serde_json::Value {
    let items: Vec<serde_json::Value> = items
        .iter()
        .enumerate()
        .map(|(i, (name, path))| {
            serde_json::json!({ "@type": "ListItem", "position": i + 1, "name": name, "item": format!("{base}{path}") })
        })
        .collect();
    serde_json::json!({ "@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": items })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_break_out_of_its_element() {
        let value = serde_json::json!({ "name": "</script><script>alert(1)</script> & <!--" });
        let text = json_for_script(&value);
        assert!(!text.contains('<') && !text.contains('>'));
        assert_eq!(serde_json::from_str::<serde_json::Value>(&text).unwrap(), value);
    }

    #[test]
    fn breadcrumbs_are_numbered_with_absolute_urls() {
        let list = breadcrumbs("https://shop.example", &[("Home", "/"), ("Hoodies", "/c/hoodies")]);
        assert_eq!(list["itemListElement"][1]["position"], 2);
        assert_eq!(list["itemListElement"][1]["item"], "https://shop.example/c/hoodies");
    }
}
