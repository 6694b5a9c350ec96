//! Sex and gender codes as found in MHSDS and the MHA statistics.
//!
//! Source: NHS Data Dictionary, PERSON STATED GENDER CODE (`GenderIDCode`: 1 Male, 2 Female,
//! 3 Non-binary, 4 Other (not listed), X Not known, Z Not stated) and PERSON GENDER CODE CURRENT
//! (`Gender`: 1 Male, 2 Female, 9 Indeterminate, X/0 Not known). MHSDS reports `GenderIDCode`
//! and falls back to `Gender` where it is blank; so do we.

use crate::UnknownCode;

/// A reported gender group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Gender {
    /// Male.
    Male,
    /// Female.
    Female,
    /// Non-binary.
    NonBinary,
    /// Other (not listed).
    OtherNotListed,
    /// Indeterminate (unable to be classified as male or female).
    Indeterminate,
    /// Not stated (asked, declined).
    NotStated,
    /// Not known (not recorded).
    NotKnown,
}

impl Gender {
    /// The label used in outputs.
    pub fn label(self) -> &'static str {
        match self {
            Gender::Male => "Male",
            Gender::Female => "Female",
            Gender::NonBinary => "Non-binary",
            Gender::OtherNotListed => "Other (not listed)",
            Gender::Indeterminate => "Indeterminate",
            Gender::NotStated => "Not stated",
            Gender::NotKnown => "Not known",
        }
    }

    /// True for the two groups that age-sex standardised rates use (the population standards
    /// exist only for male and female; NHS England excludes the rest from standardised figures
    /// and reports them in crude breakdowns).
    pub fn in_standard_population(self) -> bool {
        matches!(self, Gender::Male | Gender::Female)
    }
}

/// The gender of a record from its `GenderIDCode` and, where that is blank, its `Gender` code.
/// Labels (`Male`, `female`, `M`, `F`) are also accepted, as published files use them.
///
/// # Errors
/// [`UnknownCode`] for a code in neither list.
///
/// ```
/// use levelfield_model::sex::{Gender, gender};
/// assert_eq!(gender("3", "").unwrap(), Gender::NonBinary);
/// assert_eq!(gender("", "2").unwrap(), Gender::Female);
/// assert_eq!(gender("", "9").unwrap(), Gender::Indeterminate);
/// ```
pub fn gender(gender_id_code: &str, gender_code: &str) -> Result<Gender, UnknownCode> {
    let id = gender_id_code.trim();
    if !id.is_empty() {
        return from_label(id)
            .or_else(|| from_gender_id(id))
            .ok_or_else(|| unknown(id));
    }
    let g = gender_code.trim();
    if g.is_empty() {
        return Ok(Gender::NotKnown);
    }
    from_label(g)
        .or(match g {
            "1" => Some(Gender::Male),
            "2" => Some(Gender::Female),
            "9" => Some(Gender::Indeterminate),
            "0" | "X" | "x" => Some(Gender::NotKnown),
            _ => None,
        })
        .ok_or_else(|| unknown(g))
}

fn from_gender_id(code: &str) -> Option<Gender> {
    Some(match code {
        "1" => Gender::Male,
        "2" => Gender::Female,
        "3" => Gender::NonBinary,
        "4" => Gender::OtherNotListed,
        "X" | "x" => Gender::NotKnown,
        "Z" | "z" => Gender::NotStated,
        _ => return None,
    })
}

fn from_label(label: &str) -> Option<Gender> {
    Some(match label.to_ascii_lowercase().as_str() {
        "male" | "m" | "males" | "persons - male" => Gender::Male,
        "female" | "f" | "females" | "persons - female" => Gender::Female,
        "non-binary" | "nonbinary" => Gender::NonBinary,
        "other (not listed)" | "other" => Gender::OtherNotListed,
        "indeterminate" => Gender::Indeterminate,
        "not stated" => Gender::NotStated,
        "not known" | "unknown" => Gender::NotKnown,
        _ => return None,
    })
}

fn unknown(code: &str) -> UnknownCode {
    UnknownCode {
        code: code.to_string(),
        what: "gender code",
        hint: "use GenderIDCode 1–4, X, Z or Gender 1, 2, 9, X, or the labels Male/Female",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gender_id_code_wins_and_falls_back_to_gender() {
        assert_eq!(gender("1", "2").unwrap(), Gender::Male);
        assert_eq!(gender("4", "").unwrap(), Gender::OtherNotListed);
        assert_eq!(gender("Z", "1").unwrap(), Gender::NotStated);
        assert_eq!(gender(" ", "1").unwrap(), Gender::Male);
        assert_eq!(gender("", "").unwrap(), Gender::NotKnown);
        assert_eq!(gender("Female", "").unwrap(), Gender::Female);
        // 9 means Indeterminate only in the older Gender code, not in GenderIDCode.
        assert!(gender("9", "").is_err());
        let err = gender("", "7").unwrap_err();
        assert!(err.to_string().contains("`7` is not a known gender code"));
        assert!(Gender::Female.in_standard_population());
        assert!(!Gender::NonBinary.in_standard_population());
    }
}
