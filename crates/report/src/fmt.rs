//! Number and text formatting shared by the HTML report and the summary.

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
}
