//! Test helpers: a small well-formedness check for the SVG written here, and readers for ids,
//! data markers and classed lines.

/// Asserts that `svg` is one `<svg>` element with balanced tags, no stray `<`, `>` or `&`, and
/// as many `<g` as `</g>`.
pub(crate) fn assert_well_formed(svg: &str) {
    assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = svg;
    while let Some(i) = rest.find('<') {
        check_text(&rest[..i]);
        let j = i + rest[i..].find('>').expect("unclosed tag");
        let tag = &rest[i + 1..j];
        assert!(!tag.contains('<'), "stray < in {tag}");
        check_text(tag);
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop(), Some(name), "mismatched </{name}>");
        } else if !tag.ends_with('/') {
            stack.push(tag.split_whitespace().next().expect("tag name"));
        }
        rest = &rest[j + 1..];
        if stack.is_empty() {
            assert!(rest.is_empty(), "content after the root element");
        }
    }
    check_text(rest);
    assert!(stack.is_empty(), "unclosed {stack:?}");
    assert_eq!(
        svg.matches("<g>").count() + svg.matches("<g ").count(),
        svg.matches("</g>").count()
    );
}

fn check_text(t: &str) {
    assert!(!t.contains('>'), "stray > in {t}");
    for (i, _) in t.match_indices('&') {
        let after = &t[i + 1..];
        assert!(
            ["amp;", "lt;", "gt;", "quot;", "#"]
                .iter()
                .any(|e| after.starts_with(e)),
            "unescaped & in {t}"
        );
    }
}

/// Every `id` attribute's value.
pub(crate) fn ids(svg: &str) -> Vec<String> {
    svg.match_indices(r#" id=""#)
        .map(|(i, m)| {
            let rest = &svg[i + m.len()..];
            rest[..rest.find('"').expect("closing quote")].to_string()
        })
        .collect()
}

/// Asserts that the root's `aria-labelledby` names the ids of `<title>` and `<desc>`, and that
/// the title's text is `title` (escaped).
pub(crate) fn assert_labelled(svg: &str, title_escaped: &str) {
    let ids = ids(svg);
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(svg.contains(&format!(r#"aria-labelledby="{} {}""#, ids[0], ids[1])));
    assert!(svg.contains(&format!(
        r#"<title id="{}">{title_escaped}</title><desc id="{}">"#,
        ids[0], ids[1]
    )));
    assert!(svg.contains(r#"role="img""#));
}

/// The text of the `<desc>`.
pub(crate) fn desc(svg: &str) -> &str {
    let start = svg.find("<desc").expect("desc");
    let start = start + svg[start..].find('>').expect("desc tag") + 1;
    &svg[start..start + svg[start..].find("</desc>").expect("desc end")]
}

fn attr(tag: &str, name: &str) -> f64 {
    let key = format!(r#" {name}=""#);
    let i = tag.find(&key).unwrap_or_else(|| panic!("{name} in {tag}")) + key.len();
    tag[i..i + tag[i..].find('"').expect("quote")]
        .parse()
        .expect("number")
}

/// The opening tags carrying `class="…"`.
pub(crate) fn classed<'a>(svg: &'a str, class: &str) -> Vec<&'a str> {
    let key = format!(r#" class="{class}""#);
    svg.match_indices(&key)
        .map(|(i, _)| {
            let start = svg[..i].rfind('<').expect("tag start");
            &svg[start..i + svg[i..].find('>').expect("tag end")]
        })
        .collect()
}

/// The centres of the data markers, in document order.
pub(crate) fn marks(svg: &str) -> Vec<(f64, f64)> {
    classed(svg, "mark")
        .into_iter()
        .map(|tag| {
            let i = tag.find("translate(").expect("translate") + 10;
            let inner = &tag[i..i + tag[i..].find(')').expect(")")];
            let (x, y) = inner.split_once(' ').expect("x y");
            (x.parse().expect("x"), y.parse().expect("y"))
        })
        .collect()
}

/// `(x1, y1, x2, y2)` of the lines with `class`.
pub(crate) fn lines(svg: &str, class: &str) -> Vec<(f64, f64, f64, f64)> {
    classed(svg, class)
        .into_iter()
        .map(|t| (attr(t, "x1"), attr(t, "y1"), attr(t, "x2"), attr(t, "y2")))
        .collect()
}

/// The root element's height.
pub(crate) fn svg_height_of(svg: &str) -> f64 {
    attr(&svg[..svg.find('>').expect("root")], "height")
}
