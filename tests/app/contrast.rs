//! WCAG AA contrast of the stylesheet's colour pairs (4.5:1 for text, 3:1 for the focus ring), read from
//! the design tokens in style/main.css so that a changed colour fails here.

fn tokens() -> std::collections::HashMap<String, String> {
    let css = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/style/main.css")).expect("the stylesheet");
    css.lines()
        .filter_map(|line| {
            let line = line.trim();
            let (name, value) = line.strip_prefix("--color-")?.split_once(':')?;
            let value = value.split(';').next()?.trim();
            value.starts_with('#').then(|| (name.to_owned(), value.to_owned()))
        })
        .collect()
}

fn luminance(hex: &str) -> f64 {
    let channel = |i: usize| {
        let c = u8::from_str_radix(&hex[1 + 2 * i..3 + 2 * i], 16).unwrap() as f64 / 255.0;
        if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    };
    0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2)
}

fn ratio(a: &str, b: &str) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[test]
fn text_colours_meet_wcag_aa_on_their_backgrounds() {
    let t = tokens();
    let pairs = [
        ("text", "bg", 4.5),
        ("text", "surface", 4.5),
        ("muted", "bg", 4.5),
        ("muted", "surface", 4.5),
        ("accent", "bg", 4.5),
        ("accent-contrast", "accent", 4.5),
        ("sale", "bg", 4.5),
        ("sale", "surface", 4.5),
        ("focus", "bg", 3.0),
    ];
    for (fg, bg, least) in pairs {
        let r = ratio(&t[fg], &t[bg]);
        assert!(r >= least, "--color-{fg} on --color-{bg}: {r:.2}:1, needs {least}:1");
    }
    // The error notice's own colours.
    assert!(ratio("#8a1f14", "#fbeae8") >= 4.5);
}
