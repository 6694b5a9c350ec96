//! Number and text formatting shared by the HTML report, the summary and page one.

pub use levelfield_chart::esc;

/// `v` to `dp` decimal places, with thousands separators.
pub fn fixed(v: f64, dp: usize) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let s = format!("{:.*}", dp, v.abs());
    let negative = v < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0');
    let grouped = levelfield_chart::group_thousands(&s);
    if negative {
        format!("−{grouped}")
    } else {
        grouped
    }
}

/// A count: whole numbers with separators, others to one decimal place.
pub fn number(v: f64) -> String {
    if v.fract() == 0.0 {
        fixed(v, 0)
    } else {
        fixed(v, 1)
    }
}

/// `s` with its first letter in lower case, unless it starts an acronym (`IMD`, `NHS`), for a
/// label used inside a sentence.
pub fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        // Keep acronyms (IMD, NHS) as they are.
        Some(_) if c.clone().next().is_some_and(char::is_uppercase) => s.to_string(),
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A lowercase id fragment of letters, digits and hyphens.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// `n` and the noun that agrees with it: `1 area`, `6 areas`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Notes joined into one text, each part a sentence: parts that are empty (or only
/// punctuation) are dropped, a `; `-separated clause already given is not repeated, a clause
/// that only opens another (`suppressed` beside `suppressed: the count hidden…`) is left out,
/// and each sentence starts with a capital letter. Sentences are joined by `. `.
pub fn join_notes<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let tidy = |c: &str| {
        c.trim()
            .trim_matches(|ch: char| ch == '.' || ch == ';' || ch.is_whitespace())
            .to_string()
    };
    let sentences: Vec<Vec<String>> = parts
        .into_iter()
        .map(|p| p.split("; ").map(tidy).filter(|c| !c.is_empty()).collect())
        .collect();
    let all: Vec<String> = sentences
        .iter()
        .flatten()
        .map(|c| c.to_lowercase())
        .collect();
    // `short` opens `long` at a word boundary.
    let opens = |short: &str, long: &str| {
        long.len() > short.len()
            && long.starts_with(short)
            && !long[short.len()..].starts_with(|ch: char| ch.is_alphanumeric())
    };
    let mut seen: Vec<String> = Vec::new();
    let mut out: Vec<String> = Vec::new();
    for clauses in sentences {
        let kept: Vec<String> = clauses
            .into_iter()
            .filter(|c| {
                let key = c.to_lowercase();
                if seen.contains(&key) || all.iter().any(|other| opens(&key, other)) {
                    return false;
                }
                seen.push(key);
                true
            })
            .collect();
        if kept.is_empty() {
            continue;
        }
        let sentence = kept.join("; ");
        let mut chars = sentence.chars();
        let first = chars.next().map(|c| c.to_uppercase().collect::<String>());
        out.push(first.unwrap_or_default() + chars.as_str());
    }
    out.join(". ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(fixed(1234567.891, 1), "1,234,567.9");
        assert_eq!(fixed(-3.54, 2), "−3.54");
        assert_eq!(fixed(-0.001, 1), "0.0");
        assert_eq!(fixed(999.96, 1), "1,000.0");
        assert_eq!(number(52458.0), "52,458");
        assert_eq!(esc("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(
            slug("IMD decile (1 = most deprived)"),
            "imd-decile-1-most-deprived"
        );
    }

    #[test]
    fn counts_agree_with_their_nouns() {
        assert_eq!(count(1, "area", "areas"), "1 area");
        assert_eq!(count(6, "area", "areas"), "6 areas");
        assert_eq!(count(0, "area", "areas"), "0 areas");
    }

    #[test]
    fn notes_join_without_empty_parts_repeats_or_lowercase_starts() {
        assert_eq!(
            join_notes([
                "suppressed",
                "suppressed: the count hidden under the disclosure rule"
            ]),
            "Suppressed: the count hidden under the disclosure rule"
        );
        assert_eq!(
            join_notes(["", "not published: the group's count is hidden"]),
            "Not published: the group's count is hidden"
        );
        assert_eq!(
            join_notes([
                "Log (delta method)",
                "standard errors from the published half-widths"
            ]),
            "Log (delta method). Standard errors from the published half-widths"
        );
        assert_eq!(
            join_notes(["count rounded; count rounded; implied.", " . ", "Implied"]),
            "Count rounded; implied"
        );
        assert_eq!(
            join_notes(["suppressed", "suppressed by NHS England (small numbers)"]),
            "Suppressed by NHS England (small numbers)"
        );
        assert_eq!(
            join_notes(["suppressed", "suppression noted"]),
            "Suppressed. Suppression noted"
        );
        assert_eq!(join_notes(["", "  "]), "");
    }
}
