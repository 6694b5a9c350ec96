//! NHS ethnic category codes (the Data Dictionary's "ETHNIC CATEGORY", as in MHSDS) and the
//! groups they are reported in: NHS England's 5 broad groups and the Census 2021 high-level groups.
//!
//! Source: NHS Data Dictionary, ETHNIC CATEGORY (2001 census classification, codes A–S, Z, 99);
//! NHS England Mental Health Act statistics code (`NHSDEthnicity` grouping), which puts Chinese in
//! "Other Ethnic Groups"; ONS Census 2021 ethnic group classification (TS021), which puts Chinese
//! in "Asian". The two disagree for Chinese, so the mapping is explicit and configurable.

use crate::UnknownCode;

/// NHS England's broad ethnic groups, plus the two explicit "not recorded" groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BroadGroup {
    /// White.
    White,
    /// Mixed.
    Mixed,
    /// Asian or Asian British.
    Asian,
    /// Black or Black British.
    Black,
    /// Other Ethnic Groups.
    Other,
    /// Asked but declined to say (code Z).
    NotStated,
    /// Not known (code 99, or blank).
    NotKnown,
}

impl BroadGroup {
    /// The label NHS England publishes.
    pub fn label(self) -> &'static str {
        match self {
            BroadGroup::White => "White",
            BroadGroup::Mixed => "Mixed",
            BroadGroup::Asian => "Asian or Asian British",
            BroadGroup::Black => "Black or Black British",
            BroadGroup::Other => "Other Ethnic Groups",
            BroadGroup::NotStated => "Not Stated",
            BroadGroup::NotKnown => "Not Known",
        }
    }

    /// The group of a published label: NHS England's labels, the Census 2021 group names and
    /// the short forms (`Asian`, `Black`, `Other`), case and spaces ignored.
    ///
    /// # Errors
    /// [`UnknownCode`] for anything else.
    pub fn parse_label(label: &str) -> Result<BroadGroup, UnknownCode> {
        let norm: String = label
            .to_ascii_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        Ok(match norm.as_str() {
            "white" => BroadGroup::White,
            "mixed" | "mixed or multiple" | "mixed or multiple ethnic groups" => BroadGroup::Mixed,
            "asian" | "asian or asian british" | "asian, asian british or asian welsh" => {
                BroadGroup::Asian
            }
            "black"
            | "black or black british"
            | "black, black british, black welsh, caribbean or african" => BroadGroup::Black,
            "other" | "other ethnic groups" | "other ethnic group" => BroadGroup::Other,
            "not stated" => BroadGroup::NotStated,
            "not known" | "unknown" | "" => BroadGroup::NotKnown,
            _ => {
                return Err(UnknownCode {
                    code: label.trim().to_string(),
                    what: "ethnic group label",
                    hint: "use White, Mixed, Asian or Asian British, Black or Black British, \
                           Other Ethnic Groups, Not Stated or Not Known",
                });
            }
        })
    }

    /// True for the groups that enter rates (not "not stated" or "not known").
    pub fn is_recorded(self) -> bool {
        !matches!(self, BroadGroup::NotStated | BroadGroup::NotKnown)
    }
}

/// Where Chinese (code R) is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ChinesePlacement {
    /// In "Other Ethnic Groups", as NHS England's national MHA statistics do.
    #[default]
    OtherEthnicGroups,
    /// In "Asian", as the Census 2021 classification does.
    Asian,
}

/// One NHS ethnic category.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Category {
    /// The code (A–S, Z, 99).
    pub code: &'static str,
    /// The Data Dictionary's name.
    pub name: &'static str,
    /// Census 2021 high-level group name, where the category has one.
    pub census_2021: Option<&'static str>,
}

/// Every NHS ethnic category, in code order.
pub const CATEGORIES: [Category; 18] = [
    Category {
        code: "A",
        name: "White - British",
        census_2021: Some("White"),
    },
    Category {
        code: "B",
        name: "White - Irish",
        census_2021: Some("White"),
    },
    Category {
        code: "C",
        name: "White - Any other White background",
        census_2021: Some("White"),
    },
    Category {
        code: "D",
        name: "Mixed - White and Black Caribbean",
        census_2021: Some("Mixed or Multiple"),
    },
    Category {
        code: "E",
        name: "Mixed - White and Black African",
        census_2021: Some("Mixed or Multiple"),
    },
    Category {
        code: "F",
        name: "Mixed - White and Asian",
        census_2021: Some("Mixed or Multiple"),
    },
    Category {
        code: "G",
        name: "Mixed - Any other mixed background",
        census_2021: Some("Mixed or Multiple"),
    },
    Category {
        code: "H",
        name: "Asian or Asian British - Indian",
        census_2021: Some("Asian"),
    },
    Category {
        code: "J",
        name: "Asian or Asian British - Pakistani",
        census_2021: Some("Asian"),
    },
    Category {
        code: "K",
        name: "Asian or Asian British - Bangladeshi",
        census_2021: Some("Asian"),
    },
    Category {
        code: "L",
        name: "Asian or Asian British - Any other Asian background",
        census_2021: Some("Asian"),
    },
    Category {
        code: "M",
        name: "Black or Black British - Caribbean",
        census_2021: Some("Black"),
    },
    Category {
        code: "N",
        name: "Black or Black British - African",
        census_2021: Some("Black"),
    },
    Category {
        code: "P",
        name: "Black or Black British - Any other Black background",
        census_2021: Some("Black"),
    },
    Category {
        code: "R",
        name: "Other Ethnic Groups - Chinese",
        census_2021: Some("Asian"),
    },
    Category {
        code: "S",
        name: "Other Ethnic Groups - Any other ethnic group",
        census_2021: Some("Other"),
    },
    Category {
        code: "Z",
        name: "Not stated",
        census_2021: None,
    },
    Category {
        code: "99",
        name: "Not known",
        census_2021: None,
    },
];

/// The category of a code (case and surrounding space ignored; blank is "not known").
///
/// # Errors
/// [`UnknownCode`] for anything else, so that an unexpected code is reported, never dropped.
pub fn category(code: &str) -> Result<&'static Category, UnknownCode> {
    let code = code.trim();
    let code = if code.is_empty() { "99" } else { code };
    CATEGORIES
        .iter()
        .find(|c| c.code.eq_ignore_ascii_case(code))
        .ok_or_else(|| UnknownCode {
            code: code.to_string(),
            what: "NHS ethnic category code",
            hint: "use A–H, J–N, P, R, S, Z (not stated) or 99 (not known)",
        })
}

/// The broad group of a code under a placement of Chinese.
///
/// # Errors
/// [`UnknownCode`] for an unknown code.
///
/// ```
/// use levelfield_model::ethnicity::{BroadGroup, ChinesePlacement, broad_group};
/// assert_eq!(broad_group("M", ChinesePlacement::default()).unwrap(), BroadGroup::Black);
/// assert_eq!(broad_group("R", ChinesePlacement::default()).unwrap(), BroadGroup::Other);
/// assert_eq!(broad_group("R", ChinesePlacement::Asian).unwrap(), BroadGroup::Asian);
/// assert_eq!(broad_group("Z", ChinesePlacement::default()).unwrap(), BroadGroup::NotStated);
/// ```
pub fn broad_group(code: &str, chinese: ChinesePlacement) -> Result<BroadGroup, UnknownCode> {
    let c = category(code)?;
    Ok(match c.code {
        "A" | "B" | "C" => BroadGroup::White,
        "D" | "E" | "F" | "G" => BroadGroup::Mixed,
        "H" | "J" | "K" | "L" => BroadGroup::Asian,
        "M" | "N" | "P" => BroadGroup::Black,
        "R" => match chinese {
            ChinesePlacement::OtherEthnicGroups => BroadGroup::Other,
            ChinesePlacement::Asian => BroadGroup::Asian,
        },
        "S" => BroadGroup::Other,
        "Z" => BroadGroup::NotStated,
        _ => BroadGroup::NotKnown,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_maps_and_unknown_codes_are_refused() {
        for c in CATEGORIES {
            assert!(broad_group(c.code, ChinesePlacement::default()).is_ok());
            assert!(broad_group(&c.code.to_lowercase(), ChinesePlacement::default()).is_ok());
        }
        assert_eq!(
            broad_group(" ", ChinesePlacement::default()).unwrap(),
            BroadGroup::NotKnown
        );
        let err = broad_group("Q", ChinesePlacement::default()).unwrap_err();
        assert!(
            err.to_string()
                .contains("`Q` is not a known NHS ethnic category code")
        );
        // Census 2021 puts Chinese in Asian; NHS England's 5 groups put it in Other.
        assert_eq!(category("R").unwrap().census_2021, Some("Asian"));
        assert!(!BroadGroup::NotStated.is_recorded() && BroadGroup::Black.is_recorded());
        assert_eq!(BroadGroup::Asian.label(), "Asian or Asian British");
    }
}
