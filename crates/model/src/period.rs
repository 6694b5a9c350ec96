//! Period labels: where a label sits in time ([`period_time`]) and how long a period it names
//! ([`Length`]), so that a rate says what span it counts over and a plan's threshold is judged
//! only against values of the same span.

/// The time of a period label in years: `2023-24` and `2023` → 2023, `2023-24 Q2` and
/// `2023 Q2` → 2023.25, `2023-06` → 2023.42; `None` for a label without a leading year.
pub fn period_time(label: &str) -> Option<f64> {
    let t = label.trim();
    let year: f64 = t.get(..4)?.parse::<u16>().ok()?.into();
    let rest = &t[4..];
    if let Some(q) = rest.find(['Q', 'q']) {
        let n: f64 = rest[q + 1..].trim().get(..1)?.parse::<u8>().ok()?.into();
        return Some(year + (n - 1.0) / 4.0);
    }
    if let Some(month) = month_of(t) {
        return Some(year + (f64::from(month) - 1.0) / 12.0);
    }
    Some(year)
}

/// The month of a `YYYY-MM` label; `2023-24` and `2011-12` are financial years, not months.
fn month_of(label: &str) -> Option<u8> {
    let year: u32 = label.get(..4)?.parse().ok()?;
    let m = label.get(4..)?.strip_prefix('-').filter(|m| m.len() == 2)?;
    let month: u8 = m.parse().ok()?;
    ((1..=12).contains(&month) && u32::from(month) != (year + 1) % 100).then_some(month)
}

/// How long a period a label names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Length {
    /// `2024-06`.
    Month,
    /// `2024 Q1`, `2024-25 Q1`.
    Quarter,
    /// `2024`, `2024-25`.
    Year,
}

impl Length {
    /// The length of the period a label names; `None` when the label is not one of the forms
    /// above (a free label such as `Baseline`).
    pub fn of(label: &str) -> Option<Length> {
        let t = label.trim();
        period_time(t)?;
        let rest = &t[4..];
        if rest.contains(['Q', 'q']) {
            Some(Length::Quarter)
        } else if month_of(t).is_some() {
            Some(Length::Month)
        } else if rest.is_empty()
            || rest
                .strip_prefix('-')
                .is_some_and(|y| y.len() == 2 && y.bytes().all(|b| b.is_ascii_digit()))
        {
            Some(Length::Year)
        } else {
            None
        }
    }

    /// The one length of all these labels, when they share one.
    pub fn common<'a>(labels: impl IntoIterator<Item = &'a str>) -> Option<Length> {
        let mut found = None;
        for l in labels {
            let here = Length::of(l)?;
            if found.is_some_and(|f| f != here) {
                return None;
            }
            found = Some(here);
        }
        found
    }

    /// `month`, `quarter` or `year`, as a plan's `per` is written.
    pub fn word(self) -> &'static str {
        match self {
            Length::Month => "month",
            Length::Quarter => "quarter",
            Length::Year => "year",
        }
    }

    /// Parses [`Length::word`].
    pub fn from_word(word: &str) -> Option<Length> {
        [Length::Month, Length::Quarter, Length::Year]
            .into_iter()
            .find(|l| l.word() == word.trim())
    }

    /// Months in a period of this length.
    pub fn months(self) -> u32 {
        match self {
            Length::Month => 1,
            Length::Quarter => 3,
            Length::Year => 12,
        }
    }

    /// How a span of this length qualifies a rate: `per quarter`.
    pub fn per(self) -> String {
        format!("per {}", self.word())
    }

    /// The adjective for a series of these periods: `quarterly`.
    pub fn adjective(self) -> &'static str {
        match self {
            Length::Month => "monthly",
            Length::Quarter => "quarterly",
            Length::Year => "annual",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_labels_become_times() {
        assert_eq!(period_time("2023-24"), Some(2023.0));
        assert_eq!(period_time("2023"), Some(2023.0));
        assert_eq!(period_time("2023-24 Q3"), Some(2023.5));
        assert_eq!(period_time("2023 Q1"), Some(2023.0));
        assert_eq!(period_time("2023-04"), Some(2023.25));
        assert_eq!(period_time("2011-12"), Some(2011.0));
        assert_eq!(period_time("Q1 2023"), None);
    }

    #[test]
    fn period_labels_have_lengths() {
        for (label, length) in [
            ("2023-24", Some(Length::Year)),
            ("2023", Some(Length::Year)),
            ("2011-12", Some(Length::Year)),
            ("2023-24 Q3", Some(Length::Quarter)),
            ("2024 Q1", Some(Length::Quarter)),
            ("2023-06", Some(Length::Month)),
            ("Baseline", None),
            ("2023/24", None),
        ] {
            assert_eq!(Length::of(label), length, "{label}");
        }
        assert_eq!(
            Length::common(["2024 Q1", "2024 Q2"]),
            Some(Length::Quarter)
        );
        assert_eq!(Length::common(["2024 Q1", "2024-25"]), None);
        assert_eq!(Length::common([]), None);
        assert_eq!(Length::Quarter.per(), "per quarter");
        assert_eq!(Length::from_word("quarter"), Some(Length::Quarter));
        assert_eq!(Length::from_word("fortnight"), None);
        assert_eq!(Length::Quarter.months(), 3);
    }
}
