//! NHS ethnic category codes (the Data Dictionary's "ETHNIC CATEGORY", as in MHSDS) and the
//! groups they are reported in: NHS England's 5 broad groups and the Census 2021 high-level groups.
//!
//! Source: NHS Data Dictionary, ETHNIC CATEGORY (2001 census classification, codes A–S, Z, 99);
//! NHS England Mental Health Act statistics code (`NHSDEthnicity` grouping), which puts Chinese in
//! "Other Ethnic Groups"; ONS Census 2021 ethnic group classification (TS021), which puts Chinese
//! in "Asian". The two disagree for Chinese, and Census 2021 separates Arab, Gypsy or Irish
//! Traveller and Roma, which NHS codes fold into S and C; all four placements are explicit and
//! configurable ([`Placements`]). Census 2021 19-category codes are read too ([`CENSUS_2021`]).

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
    /// The label levelfield publishes: NHS England's, with "Not stated" and "Not known" in
    /// the sentence case every other dimension uses (NHS England writes "Not Stated" and "Not
    /// Known"; either is read).
    pub fn label(self) -> &'static str {
        match self {
            BroadGroup::White => "White",
            BroadGroup::Mixed => "Mixed",
            BroadGroup::Asian => "Asian or Asian British",
            BroadGroup::Black => "Black or Black British",
            BroadGroup::Other => "Other Ethnic Groups",
            BroadGroup::NotStated => "Not stated",
            BroadGroup::NotKnown => "Not known",
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
                           Other Ethnic Groups, Not stated or Not known",
                });
            }
        })
    }

    /// True for the groups that enter rates (not "not stated" or "not known").
    pub fn is_recorded(self) -> bool {
        !matches!(self, BroadGroup::NotStated | BroadGroup::NotKnown)
    }
}

/// Where the groups that NHS England and the Census 2021 classification place differently are
/// reported. NHS England's national statistics put Chinese and Arab in "Other Ethnic Groups" and
/// Gypsy or Irish Traveller and Roma (Census 2021 codes 15, 16; NHS code C) in "White"; the
/// Census 2021 high-level groups put Chinese in "Asian". Each is a field so a profile can choose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placements {
    /// Chinese (NHS R, Census 2).
    pub chinese: BroadGroup,
    /// Arab (Census 18; NHS S).
    pub arab: BroadGroup,
    /// Gypsy or Irish Traveller (Census 15; NHS C).
    pub gypsy_irish_traveller: BroadGroup,
    /// Roma (Census 16; NHS C).
    pub roma: BroadGroup,
}

impl Default for Placements {
    /// NHS England's placements (the national MHA statistics).
    fn default() -> Self {
        Placements {
            chinese: BroadGroup::Other,
            arab: BroadGroup::Other,
            gypsy_irish_traveller: BroadGroup::White,
            roma: BroadGroup::White,
        }
    }
}

impl Placements {
    /// The Census 2021 high-level groups' placements: Chinese in Asian, the rest as NHS England.
    pub fn census_2021() -> Self {
        Placements {
            chinese: BroadGroup::Asian,
            ..Placements::default()
        }
    }
}

/// One Census 2021 ethnic group (ONS 19-category classification, TS021 / `ethnic_group_tb_20b`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CensusCategory {
    /// ONS code, 1–19.
    pub code: u8,
    /// ONS name.
    pub name: &'static str,
    /// The NHS ethnic category code it corresponds to.
    pub nhs_code: &'static str,
}

/// The 19 Census 2021 ethnic groups, in code order.
pub const CENSUS_2021: [CensusCategory; 19] = [
    CensusCategory {
        code: 1,
        name: "Asian: Bangladeshi",
        nhs_code: "K",
    },
    CensusCategory {
        code: 2,
        name: "Asian: Chinese",
        nhs_code: "R",
    },
    CensusCategory {
        code: 3,
        name: "Asian: Indian",
        nhs_code: "H",
    },
    CensusCategory {
        code: 4,
        name: "Asian: Pakistani",
        nhs_code: "J",
    },
    CensusCategory {
        code: 5,
        name: "Asian: Other Asian",
        nhs_code: "L",
    },
    CensusCategory {
        code: 6,
        name: "Black: African",
        nhs_code: "N",
    },
    CensusCategory {
        code: 7,
        name: "Black: Caribbean",
        nhs_code: "M",
    },
    CensusCategory {
        code: 8,
        name: "Black: Other Black",
        nhs_code: "P",
    },
    CensusCategory {
        code: 9,
        name: "Mixed: White and Asian",
        nhs_code: "F",
    },
    CensusCategory {
        code: 10,
        name: "Mixed: White and Black African",
        nhs_code: "E",
    },
    CensusCategory {
        code: 11,
        name: "Mixed: White and Black Caribbean",
        nhs_code: "D",
    },
    CensusCategory {
        code: 12,
        name: "Mixed: Other Mixed or Multiple",
        nhs_code: "G",
    },
    CensusCategory {
        code: 13,
        name: "White: English, Welsh, Scottish, Northern Irish or British",
        nhs_code: "A",
    },
    CensusCategory {
        code: 14,
        name: "White: Irish",
        nhs_code: "B",
    },
    CensusCategory {
        code: 15,
        name: "White: Gypsy or Irish Traveller",
        nhs_code: "C",
    },
    CensusCategory {
        code: 16,
        name: "White: Roma",
        nhs_code: "C",
    },
    CensusCategory {
        code: 17,
        name: "White: Other White",
        nhs_code: "C",
    },
    CensusCategory {
        code: 18,
        name: "Other: Arab",
        nhs_code: "S",
    },
    CensusCategory {
        code: 19,
        name: "Other: Any other ethnic group",
        nhs_code: "S",
    },
];

/// The broad group of a Census 2021 ethnic group code (1–19) under `placements`; `-8` ("does
/// not apply") is [`BroadGroup::NotKnown`].
///
/// # Errors
/// [`UnknownCode`] for any other code.
///
/// ```
/// use levelfield_model::ethnicity::{BroadGroup, Placements, census_broad_group};
/// assert_eq!(census_broad_group("2", Placements::default()).unwrap(), BroadGroup::Other);
/// assert_eq!(census_broad_group("2", Placements::census_2021()).unwrap(), BroadGroup::Asian);
/// assert_eq!(census_broad_group("16", Placements::default()).unwrap(), BroadGroup::White);
/// ```
pub fn census_broad_group(code: &str, placements: Placements) -> Result<BroadGroup, UnknownCode> {
    let trimmed = code.trim();
    if trimmed == "-8" {
        return Ok(BroadGroup::NotKnown);
    }
    let c = trimmed
        .parse::<u8>()
        .ok()
        .and_then(|n| CENSUS_2021.iter().find(|c| c.code == n))
        .ok_or_else(|| UnknownCode {
            code: trimmed.to_string(),
            what: "Census 2021 ethnic group code",
            hint: "use 1–19 (ONS 19-category classification) or -8 (does not apply)",
        })?;
    Ok(match c.code {
        15 => placements.gypsy_irish_traveller,
        16 => placements.roma,
        18 => placements.arab,
        _ => broad_group(c.nhs_code, placements)?,
    })
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

/// The broad group of an NHS ethnic category code under `placements` (only Chinese, code R,
/// is affected: the other placements concern Census codes that NHS codes do not separate).
///
/// # Errors
/// [`UnknownCode`] for an unknown code.
///
/// ```
/// use levelfield_model::ethnicity::{BroadGroup, Placements, broad_group};
/// assert_eq!(broad_group("M", Placements::default()).unwrap(), BroadGroup::Black);
/// assert_eq!(broad_group("R", Placements::default()).unwrap(), BroadGroup::Other);
/// assert_eq!(broad_group("R", Placements::census_2021()).unwrap(), BroadGroup::Asian);
/// assert_eq!(broad_group("Z", Placements::default()).unwrap(), BroadGroup::NotStated);
/// ```
pub fn broad_group(code: &str, placements: Placements) -> Result<BroadGroup, UnknownCode> {
    let c = category(code)?;
    Ok(match c.code {
        "A" | "B" | "C" => BroadGroup::White,
        "D" | "E" | "F" | "G" => BroadGroup::Mixed,
        "H" | "J" | "K" | "L" => BroadGroup::Asian,
        "M" | "N" | "P" => BroadGroup::Black,
        "R" => placements.chinese,
        "S" => BroadGroup::Other,
        "Z" => BroadGroup::NotStated,
        // "99", the one code left: `category` has refused every code not in the list.
        _ => BroadGroup::NotKnown,
    })
}

/// The place of a detailed ethnic group in the standard reporting order, the NHS Data
/// Dictionary's code order (ONS's order within each high-level group): White British, Irish,
/// Gypsy or Irish Traveller, Roma, any other White; the Mixed groups (White and Black
/// Caribbean, White and Black African, White and Asian, any other Mixed); Indian, Pakistani,
/// Bangladeshi, any other Asian; Caribbean, African, any other Black; Chinese; Arab, any other
/// ethnic group; not stated; not known. The one order every detailed ethnicity table and
/// chart follows: sort by this key.
///
/// `label` may be an NHS code (`A`), a Data Dictionary name (`White - British`) or the part
/// after its dash (`British`, as NHS England publishes the 16 categories), that part with its
/// group's first word (`White British`), or a Census 2021 code or name (`15`, `White: Roma`,
/// `Roma`); case and spacing are ignored.
///
/// # Errors
/// [`UnknownCode`] for any other label, so that no group falls silently to the end.
///
/// ```
/// use levelfield_model::ethnicity::detailed_order;
/// let key = |l| detailed_order(l).unwrap();
/// assert!(key("White British") < key("Irish"));
/// assert!(key("Irish") < key("Gypsy or Irish Traveller"));
/// assert!(key("Any Other Black background") < key("Chinese"));
/// assert!(key("Any other ethnic group") < key("Not stated"));
/// ```
pub fn detailed_order(label: &str) -> Result<u16, UnknownCode> {
    let norm = |s: &str| {
        s.to_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let want = norm(label);
    let unknown = || UnknownCode {
        code: label.trim().to_string(),
        what: "detailed ethnic group",
        hint: "use an NHS ethnic category code or name (A–S, Z, 99) or a Census 2021 group",
    };
    // Four places per NHS category, so the Census groups it folds together keep their own.
    let nhs_key = |code: &str, census_offset: u16| {
        CATEGORIES
            .iter()
            .position(|c| c.code == code)
            .map(|i| i as u16 * 4 + census_offset)
    };
    let names = |name: &'static str, sep: &str| -> Vec<String> {
        let mut out = vec![norm(name)];
        if let Some((group, part)) = name.split_once(sep) {
            out.push(norm(part));
            let first = group.split_whitespace().next().unwrap_or("");
            out.push(norm(&format!("{first} {part}")));
        }
        out
    };
    if let Some(c) = CATEGORIES
        .iter()
        .find(|c| norm(c.code) == want || names(c.name, " - ").contains(&want))
    {
        return nhs_key(c.code, 3).ok_or_else(unknown);
    }
    let census = CENSUS_2021
        .iter()
        .find(|c| c.code.to_string() == want || names(c.name, ": ").contains(&want));
    let Some(c) = census else {
        return Err(unknown());
    };
    // Gypsy or Irish Traveller and Roma before any other White (code C); Arab before any other
    // ethnic group (code S); every other Census group in its NHS category's place.
    let offset = match c.code {
        15 | 18 => 1,
        16 => 2,
        _ => 3,
    };
    nhs_key(c.nhs_code, offset).ok_or_else(unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn census_codes_follow_the_nhs_table_and_the_placements() {
        let nhs = Placements::default();
        for c in CENSUS_2021 {
            // Outside the four configurable groups, a Census code lands where its NHS code does.
            if ![2, 15, 16, 18].contains(&c.code) {
                assert_eq!(
                    census_broad_group(&c.code.to_string(), nhs).unwrap(),
                    broad_group(c.nhs_code, nhs).unwrap()
                );
            }
        }
        let custom = Placements {
            arab: BroadGroup::Asian,
            roma: BroadGroup::Other,
            gypsy_irish_traveller: BroadGroup::Other,
            ..Placements::census_2021()
        };
        assert_eq!(census_broad_group("18", nhs).unwrap(), BroadGroup::Other);
        assert_eq!(census_broad_group("18", custom).unwrap(), BroadGroup::Asian);
        assert_eq!(census_broad_group("15", custom).unwrap(), BroadGroup::Other);
        assert_eq!(census_broad_group("16", custom).unwrap(), BroadGroup::Other);
        assert_eq!(census_broad_group("2", custom).unwrap(), BroadGroup::Asian);
        assert_eq!(census_broad_group("-8", nhs).unwrap(), BroadGroup::NotKnown);
        assert!(census_broad_group("20", nhs).is_err());
        assert!(census_broad_group("x", nhs).is_err());
    }

    #[test]
    fn detailed_groups_follow_the_standard_order() {
        let standard = [
            "White British",
            "White Irish",
            "White Gypsy or Irish Traveller",
            "Any other White background",
            "White and Black Caribbean",
            "Mixed - White and Black African",
            "White and Asian",
            "Any Other Mixed background",
            "Indian",
            "Pakistani",
            "Bangladeshi",
            "Any Other Asian background",
            "Caribbean",
            "African",
            "Any Other Black background",
            "Chinese",
            "Any Other Ethnic Group",
            "Not stated",
            "Not known",
        ];
        let keys: Vec<u16> = standard
            .iter()
            .map(|l| detailed_order(l).unwrap_or_else(|e| panic!("{l}: {e}")))
            .collect();
        assert!(
            keys.windows(2).all(|w| w[0] < w[1]),
            "not in the standard order: {keys:?}"
        );
        // NHS England's published labels, codes and Census names agree.
        assert_eq!(detailed_order("British"), detailed_order("A"));
        assert_eq!(detailed_order("white - british"), detailed_order("a"));
        assert_eq!(
            detailed_order("White: English, Welsh, Scottish, Northern Irish or British"),
            detailed_order("A")
        );
        assert_eq!(detailed_order("Black: Caribbean"), detailed_order("M"));
        assert!(detailed_order("Roma").unwrap() < detailed_order("C").unwrap());
        assert!(detailed_order("Arab").unwrap() < detailed_order("S").unwrap());
        assert!(detailed_order("Martian").is_err());
    }

    #[test]
    fn every_code_maps_and_unknown_codes_are_refused() {
        for c in CATEGORIES {
            assert!(broad_group(c.code, Placements::default()).is_ok());
            assert!(broad_group(&c.code.to_lowercase(), Placements::default()).is_ok());
        }
        assert_eq!(
            broad_group(" ", Placements::default()).unwrap(),
            BroadGroup::NotKnown
        );
        let err = broad_group("Q", Placements::default()).unwrap_err();
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
