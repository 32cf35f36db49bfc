//! Finders: elements by role and accessible name, as a person would find them.

use playwright_rs::{AriaRole, GetByRoleOptions, Locator, Page};

fn by_role(page: &Page, role: AriaRole, options: GetByRoleOptions) -> Locator {
    page.get_by_role(role, Some(options))
}

/// The page's one h1.
pub fn main_heading(page: &Page) -> Locator {
    by_role(page, AriaRole::Heading, GetByRoleOptions::default().level(1))
}

pub fn button(page: &Page, name: &str) -> Locator {
    by_role(page, AriaRole::Button, GetByRoleOptions::default().name(name).exact(true))
}

pub fn link(page: &Page, name: &str) -> Locator {
    by_role(page, AriaRole::Link, GetByRoleOptions::default().name(name).exact(true))
}

pub fn searchbox(page: &Page, name: &str) -> Locator {
    by_role(page, AriaRole::Searchbox, GetByRoleOptions::default().name(name))
}

/// A text box with suggestions (the header's search box).
pub fn combobox(page: &Page, name: &str) -> Locator {
    by_role(page, AriaRole::Combobox, GetByRoleOptions::default().name(name).exact(true))
}
