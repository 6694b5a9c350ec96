//! Period labels: where a label sits in time ([`period_time`], and [`start`]'s calendar date
//! for the many ways SPC inputs write periods) and how long a period it names ([`Length`]), so
//! that a rate says what span it counts over and a plan's threshold is judged only against
//! values of the same span.

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

/// `2022-23` or `2022/23`: the financial year from April 2022.
pub fn financial_year(t: &str) -> Option<(u32, u32, u32)> {
    let (y, yy) = t.split_once(['-', '/'])?;
    let (y, yy) = (year(y)?, two_digits(yy)?);
    ((y + 1) % 100 == yy).then_some((y, 4, 1))
}

fn year(t: &str) -> Option<u32> {
    (t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit()))
        .then(|| t.parse().ok())
        .flatten()
        .filter(|y| (1800..=2200).contains(y))
}

fn two_digits(t: &str) -> Option<u32> {
    (t.len() == 2 && t.bytes().all(|b| b.is_ascii_digit()))
        .then(|| t.parse().ok())
        .flatten()
}

fn month(t: &str) -> Option<u32> {
    (1..=2)
        .contains(&t.len())
        .then(|| t.parse::<u32>().ok())
        .flatten()
        .filter(|m| (1..=12).contains(m))
}

fn day(t: &str, y: u32, m: u32) -> Option<u32> {
    let d: u32 = ((1..=2).contains(&t.len()))
        .then(|| t.parse().ok())
        .flatten()?;
    let leap = (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400);
    let days = match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    (1..=days).contains(&d).then_some(d)
}

fn month_name(t: &str) -> Option<u32> {
    const NAMES: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let lower = t.to_ascii_lowercase();
    if lower.len() < 3 {
        return None;
    }
    NAMES
        .iter()
        .position(|n| {
            *n == lower
                || (lower.len() == 3 && n.starts_with(&lower))
                || (lower == "sept" && *n == "september")
        })
        .map(|i| i as u32 + 1)
}

/// The start date of a period written in one of the usual ways, as (year, month, day):
/// dates (`2023-04-01`, `01/04/2023`, with or without a time), months (`2023-04`, `04/2023`,
/// `Apr 2023`, `Mar-24`), financial years (`2023-24`: April), their quarters (`2023-24 Q1`:
/// April), calendar quarters (`2023 Q1`, `2023Q1`) and years; `None` for anything else.
pub fn start(t: &str) -> Option<(u32, u32, u32)> {
    // A date with a time: the date.
    let t = t
        .split(['T', ' '])
        .next()
        .filter(|d| d.len() == 10 && d.contains('-'))
        .unwrap_or(t);
    // 2023-24 Q1, 2023/24 Q2: quarters of the financial year (Q1 from April).
    let upper = t.to_ascii_uppercase();
    if let Some((fy, q)) = upper
        .rsplit_once(' ')
        .or_else(|| upper.rsplit_once('-').filter(|(_, q)| q.starts_with('Q')))
        && let Some(q) = q
            .strip_prefix('Q')
            .and_then(|q| q.parse::<u32>().ok())
            .filter(|q| (1..=4).contains(q))
    {
        if let Some((y, _, _)) = financial_year(fy.trim()) {
            let m = 4 + 3 * (q - 1);
            return Some(if m > 12 {
                (y + 1, m - 12, 1)
            } else {
                (y, m, 1)
            });
        }
        if let Some(y) = year(fy.trim()) {
            return Some((y, 1 + 3 * (q - 1), 1));
        }
        return None;
    }
    if let Some((y, q)) = upper.split_once('Q')
        && let (Some(y), Ok(q)) = (year(y), q.parse::<u32>())
        && (1..=4).contains(&q)
    {
        return Some((y, 1 + 3 * (q - 1), 1));
    }
    let parts: Vec<&str> = t.split(['-', '/', ' ']).filter(|p| !p.is_empty()).collect();
    match parts.as_slice() {
        [y] => year(y).map(|y| (y, 1, 1)),
        [a, b] => {
            if let (Some(y), Some(m)) = (year(a), month(b)) {
                return Some((y, m, 1));
            }
            if let Some(fy) = financial_year(t) {
                return Some(fy);
            }
            if let (Some(m), Some(y)) = (month(a), year(b)) {
                return Some((y, m, 1));
            }
            let m = month_name(a)?;
            let y = year(b).or_else(|| two_digits(b).map(|yy| 2000 + yy))?;
            Some((y, m, 1))
        }
        [a, b, c] => {
            if let (Some(y), Some(m)) = (year(a), month(b)) {
                return Some((y, m, day(c, y, m)?));
            }
            let y = year(c)?;
            let m = month(b).or_else(|| month_name(b))?;
            Some((y, m, day(a, y, m)?))
        }
        _ => None,
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

    #[test]
    fn periods_of_every_usual_form_share_one_calendar() {
        let start = |t: &str| start(t);
        assert_eq!(start("2023-04-01"), Some((2023, 4, 1)));
        assert_eq!(start("2023-04-01T09:00:00"), Some((2023, 4, 1)));
        assert_eq!(start("01/04/2023"), Some((2023, 4, 1)));
        assert_eq!(start("2022-01"), Some((2022, 1, 1)));
        assert_eq!(start("07/2022"), Some((2022, 7, 1)));
        assert_eq!(start("Jan 2023"), Some((2023, 1, 1)));
        assert_eq!(start("September 2023"), Some((2023, 9, 1)));
        assert_eq!(start("Mar-24"), Some((2024, 3, 1)));
        assert_eq!(start("2023-24"), Some((2023, 4, 1)));
        assert_eq!(start("2023-24 Q4"), Some((2024, 1, 1)));
        assert_eq!(start("2023/24 Q2"), Some((2023, 7, 1)));
        assert_eq!(start("2023 Q3"), Some((2023, 7, 1)));
        assert_eq!(start("2023Q3"), Some((2023, 7, 1)));
        assert_eq!(start("2023"), Some((2023, 1, 1)));
        for bad in [
            "P1",
            "2023-13",
            "31/02/2023",
            "2023-24 Q5",
            "",
            "Smarch 2023",
        ] {
            assert_eq!(start(bad), None, "{bad}");
        }
        assert_eq!(financial_year("2011-12"), Some((2011, 4, 1)));
        assert_eq!(financial_year("2011-13"), None);
    }
}
