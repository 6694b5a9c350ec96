//! IMD deciles: reading decile labels in either direction into the one convention levelfield
//! uses everywhere, decile 1 = most deprived 10 % of LSOAs (the English Indices of
//! Deprivation's own convention).
//!
//! Source: MHCLG, *English Indices of Deprivation 2019*, technical report (decile 1 most
//! deprived). Published files disagree: MHSDS monthly files label `01 Most deprived`, while the
//! MHA annual files label `01 Least deprived` … `10 Most deprived`. A bare number is ambiguous,
//! so it is read only under an explicit [`Direction`].

use crate::UnknownCode;

/// How bare decile numbers in a file are numbered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Direction {
    /// 1 = most deprived (IMD convention, MHSDS monthly, Fingertips).
    #[default]
    OneMostDeprived,
    /// 1 = least deprived (MHA annual publication).
    OneLeastDeprived,
}

/// The IMD decile number (1 = most deprived) of a label.
///
/// A label that names its end (`01 Least deprived`, `10 Most deprived`, `Most deprived decile`,
/// `Third more deprived decile (IMD2019)`) is read by its words whatever `bare` says; a bare
/// number (`3`, `03`) is read under `bare`.
///
/// # Errors
/// [`UnknownCode`] when no decile can be read, or a number is outside 1–10, or the words
/// contradict the number (`01 Most deprived` is fine, `10 Most deprived` under words that say
/// decile 1 is fine, but `5 Most deprived` is refused).
///
/// ```
/// use levelfield_model::deprivation::{Direction, imd_decile};
/// assert_eq!(imd_decile("01 Least deprived", Direction::default()).unwrap(), 10);
/// assert_eq!(imd_decile("10 Most deprived", Direction::default()).unwrap(), 1);
/// assert_eq!(imd_decile("01 Most deprived", Direction::default()).unwrap(), 1);
/// assert_eq!(imd_decile("3", Direction::OneLeastDeprived).unwrap(), 8);
/// assert_eq!(imd_decile("Second most deprived decile (IMD2019)", Direction::default()).unwrap(), 2);
/// ```
pub fn imd_decile(label: &str, bare: Direction) -> Result<u8, UnknownCode> {
    let err = || UnknownCode {
        code: label.trim().to_string(),
        what: "IMD decile",
        hint: "use 1–10 with --imd-direction, or labels such as `01 Most deprived`",
    };
    // One rule for every number: a label that is a number is a decile only when it is a whole
    // number from 1 to 10 (`-1`, `0`, `11` and `2.5` are unknown, not decile 1, 0 or 2).
    if let Ok(x) = label.trim().parse::<f64>() {
        return if x.fract() == 0.0 && (1.0..=10.0).contains(&x) {
            let n = x as u8;
            Ok(match bare {
                Direction::OneMostDeprived => n,
                Direction::OneLeastDeprived => 11 - n,
            })
        } else {
            Err(err())
        };
    }
    let lower = label.to_ascii_lowercase();
    // A signed or fractional number inside a label is not a decile either.
    if lower
        .as_bytes()
        .windows(2)
        .any(|w| (w[0] == b'-' || w[0] == b'.') && w[1].is_ascii_digit())
    {
        return Err(err());
    }
    // Fingertips counts inwards from both ends: "Third more deprived", "Third less deprived".
    let most = lower.contains("most deprived") || lower.contains("more deprived");
    let least = lower.contains("least deprived") || lower.contains("less deprived");
    let number: Option<u8> = lower
        .split(|c: char| !c.is_ascii_digit())
        .find(|t| !t.is_empty() && !lower.contains(&format!("imd{t}")))
        .and_then(|t| t.parse().ok());
    if let Some(n) = number
        && !(1..=10).contains(&n)
    {
        return Err(err());
    }
    let ordinal = ORDINALS
        .iter()
        .position(|o| lower.contains(o))
        .map(|i| i as u8 + 2);
    let flip = |n: u8| 11 - n;
    match (most, least, number, ordinal) {
        // "Most deprived decile", "Second most deprived decile".
        (true, false, None, o) => Ok(o.unwrap_or(1)),
        (false, true, None, o) => Ok(flip(o.unwrap_or(1))),
        // A number with an end named: the number counts from that end, or is that end's
        // extreme position in the other direction's numbering (`10 Most deprived`).
        (true, false, Some(n), _) if n == 1 || n == 10 => Ok(1),
        (false, true, Some(n), _) if n == 1 || n == 10 => Ok(10),
        (false, false, Some(n), _) => Ok(match bare {
            Direction::OneMostDeprived => n,
            Direction::OneLeastDeprived => flip(n),
        }),
        _ => Err(err()),
    }
}

const ORDINALS: [&str; 5] = ["second", "third", "fourth", "fifth", "sixth"];

/// The label of IMD decile `d` (1 = most deprived) in every table levelfield writes:
/// `Decile 1 (most deprived)`, `Decile 2` … `Decile 10 (least deprived)`.
pub fn decile_label(d: u8) -> String {
    match d {
        1 => "Decile 1 (most deprived)".into(),
        10 => "Decile 10 (least deprived)".into(),
        d => format!("Decile {d}"),
    }
}

/// The label of IMD quintile `q` (1 = most deprived): `Quintile 1 (most deprived)` …
/// `Quintile 5 (least deprived)`.
pub fn quintile_label(q: u8) -> String {
    match q {
        1 => "Quintile 1 (most deprived)".into(),
        5 => "Quintile 5 (least deprived)".into(),
        q => format!("Quintile {q}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mha_annual_and_monthly_labels_agree_on_the_decile() {
        // MHA annual: "01 Least deprived" .. "10 Most deprived".
        assert_eq!(
            imd_decile("01 Least deprived", Direction::default()).unwrap(),
            10
        );
        assert_eq!(
            imd_decile("10 Most deprived", Direction::default()).unwrap(),
            1
        );
        // MHSDS monthly: "01 Most deprived" .. "10 Least deprived".
        assert_eq!(
            imd_decile("01 Most deprived", Direction::default()).unwrap(),
            1
        );
        assert_eq!(
            imd_decile("10 Least deprived", Direction::default()).unwrap(),
            10
        );
        // Bare numbers follow the stated direction.
        for n in 1..=10u8 {
            let s = n.to_string();
            assert_eq!(imd_decile(&s, Direction::OneMostDeprived).unwrap(), n);
            assert_eq!(imd_decile(&s, Direction::OneLeastDeprived).unwrap(), 11 - n);
        }
    }

    #[test]
    fn numbers_outside_one_to_ten_are_unknown_by_one_rule() {
        for d in [Direction::OneMostDeprived, Direction::OneLeastDeprived] {
            for bad in [
                "-1",
                "0",
                "11",
                "2.5",
                "-10",
                " -1 ",
                "-1 Most deprived",
                "0.5",
            ] {
                assert!(imd_decile(bad, d).is_err(), "{bad} must be unknown");
            }
            assert_eq!(
                imd_decile(" 03 ", d).unwrap(),
                if d == Direction::OneMostDeprived {
                    3
                } else {
                    8
                }
            );
            assert_eq!(
                imd_decile("10", d).unwrap(),
                if d == Direction::OneMostDeprived {
                    10
                } else {
                    1
                }
            );
        }
    }

    #[test]
    fn fingertips_category_labels_and_bad_labels() {
        let d = Direction::default();
        assert_eq!(imd_decile("Most deprived decile (IMD2019)", d).unwrap(), 1);
        assert_eq!(
            imd_decile("Second most deprived decile (IMD2019)", d).unwrap(),
            2
        );
        assert_eq!(
            imd_decile("Second least deprived decile (IMD2019)", d).unwrap(),
            9
        );
        assert_eq!(
            imd_decile("Least deprived decile (IMD2019)", d).unwrap(),
            10
        );
        let fingertips = [
            "Most deprived decile",
            "Second most deprived decile",
            "Third more deprived decile",
            "Fourth more deprived decile",
            "Fifth more deprived decile",
            "Fifth less deprived decile",
            "Fourth less deprived decile",
            "Third less deprived decile",
            "Second least deprived decile",
            "Least deprived decile",
        ];
        for (i, label) in fingertips.iter().enumerate() {
            let label = format!("{label} (IMD2019)");
            assert_eq!(imd_decile(&label, d).unwrap(), i as u8 + 1, "{label}");
        }
        assert!(imd_decile("11", d).is_err());
        assert!(imd_decile("0", d).is_err());
        assert!(imd_decile("05 Most deprived", d).is_err());
        assert!(imd_decile("Unknown", d).is_err());
    }
}
