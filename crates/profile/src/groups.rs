//! Strata keys after the lookups: each stratum's period, area, ethnic category, age band, sex
//! and IMD decile as small numbers, and the groups each dimension puts them in.

use levelfield_model::{
    age::Scheme,
    deprivation::{decile_label, quintile_label},
    ethnicity::{BroadGroup, CATEGORIES, Placements, broad_group, category},
    sex::Gender,
};

use crate::spec::DimensionKind;

/// Index of "not known" among the ethnic categories (code 99).
pub const ETH_NOT_KNOWN: u8 = 17;
/// Index of "not stated" among the ethnic categories (code Z).
pub const ETH_NOT_STATED: u8 = 16;
/// Age: not known (missing) or invalid.
pub const AGE_NOT_KNOWN: u8 = u8::MAX;
/// IMD decile not known.
pub const IMD_NOT_KNOWN: u8 = 0;

/// The order of [`Gender`] variants used as sex codes.
pub const GENDERS: [Gender; 7] = [
    Gender::Male,
    Gender::Female,
    Gender::NonBinary,
    Gender::OtherNotListed,
    Gender::Indeterminate,
    Gender::NotStated,
    Gender::NotKnown,
];
/// Sex code of "not known".
pub const SEX_NOT_KNOWN: u8 = 6;
/// Sex code of "not stated".
pub const SEX_NOT_STATED: u8 = 5;

/// The broad groups in output order.
pub const BROAD: [BroadGroup; 7] = [
    BroadGroup::White,
    BroadGroup::Mixed,
    BroadGroup::Asian,
    BroadGroup::Black,
    BroadGroup::Other,
    BroadGroup::NotStated,
    BroadGroup::NotKnown,
];

/// The index of an NHS ethnic category code in [`CATEGORIES`], if known.
pub fn ethnic_index(code: &str) -> Option<u8> {
    let c = category(code).ok()?;
    CATEGORIES
        .iter()
        .position(|x| x.code == c.code)
        .map(|i| i as u8)
}

/// The broad group index (in [`BROAD`]) of a category index.
pub fn broad_of(category: u8, placements: Placements) -> u8 {
    let code = CATEGORIES[category as usize].code;
    let g = broad_group(code, placements).unwrap_or(BroadGroup::NotKnown);
    BROAD.iter().position(|b| *b == g).unwrap_or(6) as u8
}

/// One group of a dimension.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// Short code (`White`, `A`, `3`, `18-34`, `Male`).
    pub code: String,
    /// Label.
    pub label: String,
    /// Whether the group enters rates, comparisons and inequality measures (not "not stated",
    /// "not known").
    pub recorded: bool,
}

fn group(code: impl Into<String>, label: impl Into<String>, recorded: bool) -> Group {
    Group {
        code: code.into(),
        label: label.into(),
        recorded,
    }
}

/// The groups of a dimension (`None`: the overall row), in output order.
pub fn groups(kind: Option<DimensionKind>, scheme: Scheme) -> Vec<Group> {
    let Some(kind) = kind else {
        return vec![group("All", "All", true)];
    };
    match kind {
        DimensionKind::Ethnicity => BROAD
            .iter()
            .map(|b| group(b.label(), b.label(), b.is_recorded()))
            .collect(),
        DimensionKind::EthnicityDetailed => CATEGORIES
            .iter()
            .enumerate()
            .map(|(i, c)| {
                group(
                    c.code,
                    c.name,
                    i as u8 != ETH_NOT_KNOWN && i as u8 != ETH_NOT_STATED,
                )
            })
            .collect(),
        DimensionKind::ImdDecile => (1..=10)
            .map(|d| group(d.to_string(), decile_label(d), true))
            .chain([group("Not known", "Not known", false)])
            .collect(),
        DimensionKind::ImdQuintile => (1..=5)
            .map(|q| group(q.to_string(), quintile_label(q), true))
            .chain([group("Not known", "Not known", false)])
            .collect(),
        DimensionKind::Age => scheme
            .bands()
            .iter()
            .map(|b| group(b.label, b.label, true))
            .chain([group("Not known", "Not known", false)])
            .collect(),
        DimensionKind::Sex => GENDERS
            .iter()
            .map(|g| {
                group(
                    g.label(),
                    g.label(),
                    !matches!(g, Gender::NotStated | Gender::NotKnown),
                )
            })
            .collect(),
    }
}

/// A stratum's codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Codes {
    /// Ethnic category index ([`CATEGORIES`]).
    pub ethnicity: u8,
    /// Broad group index ([`BROAD`]).
    pub broad: u8,
    /// Age band index in the scheme, or [`AGE_NOT_KNOWN`].
    pub age: u8,
    /// Sex code ([`GENDERS`] index).
    pub sex: u8,
    /// IMD decile 1–10, or [`IMD_NOT_KNOWN`].
    pub imd: u8,
}

/// The group index of a stratum in a dimension.
pub fn group_of(kind: Option<DimensionKind>, c: Codes, n_age_bands: usize) -> u8 {
    match kind {
        None => 0,
        Some(DimensionKind::Ethnicity) => c.broad,
        Some(DimensionKind::EthnicityDetailed) => c.ethnicity,
        Some(DimensionKind::ImdDecile) => {
            if c.imd == IMD_NOT_KNOWN {
                10
            } else {
                c.imd - 1
            }
        }
        Some(DimensionKind::ImdQuintile) => {
            if c.imd == IMD_NOT_KNOWN {
                5
            } else {
                (c.imd - 1) / 2
            }
        }
        Some(DimensionKind::Age) => {
            if c.age == AGE_NOT_KNOWN {
                n_age_bands as u8
            } else {
                c.age
            }
        }
        Some(DimensionKind::Sex) => c.sex,
    }
}

/// The default reference group of a dimension, when it has a natural one.
pub fn default_reference(kind: DimensionKind) -> Option<u8> {
    match kind {
        DimensionKind::Ethnicity => Some(0),
        DimensionKind::EthnicityDetailed => Some(0),
        DimensionKind::ImdDecile => Some(9),
        DimensionKind::ImdQuintile => Some(4),
        DimensionKind::Age | DimensionKind::Sex => None,
    }
}

/// The sex code of a text code or label.
pub fn sex_code(text: Option<&str>) -> Option<u8> {
    let text = text.map(str::trim).unwrap_or("");
    if text.is_empty() {
        return Some(SEX_NOT_KNOWN);
    }
    // As `GenderIDCode` first, then as `Gender` (which has 9 Indeterminate).
    let g = levelfield_model::sex::gender(text, "")
        .or_else(|_| levelfield_model::sex::gender("", text))
        .ok()?;
    GENDERS.iter().position(|x| *x == g).map(|i| i as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_have_the_expected_positions() {
        assert_eq!(CATEGORIES[ETH_NOT_STATED as usize].code, "Z");
        assert_eq!(CATEGORIES[ETH_NOT_KNOWN as usize].code, "99");
        assert_eq!(ethnic_index("m"), Some(11));
        assert_eq!(ethnic_index(""), Some(ETH_NOT_KNOWN));
        assert_eq!(ethnic_index("Q"), None);
        assert_eq!(
            broad_of(ethnic_index("R").unwrap(), Placements::default()),
            4
        );
        assert_eq!(
            broad_of(ethnic_index("R").unwrap(), Placements::census_2021()),
            2
        );
    }

    #[test]
    fn sex_codes_read_codes_and_labels() {
        assert_eq!(sex_code(Some("1")), Some(0));
        assert_eq!(sex_code(Some("Female")), Some(1));
        assert_eq!(sex_code(None), Some(SEX_NOT_KNOWN));
        assert_eq!(sex_code(Some("9")), Some(4));
        assert_eq!(sex_code(Some("banana")), None);
    }

    #[test]
    fn quintiles_pair_deciles() {
        let c = |imd| Codes {
            ethnicity: 0,
            broad: 0,
            age: 0,
            sex: 0,
            imd,
        };
        assert_eq!(group_of(Some(DimensionKind::ImdQuintile), c(1), 19), 0);
        assert_eq!(group_of(Some(DimensionKind::ImdQuintile), c(2), 19), 0);
        assert_eq!(group_of(Some(DimensionKind::ImdQuintile), c(10), 19), 4);
        assert_eq!(group_of(Some(DimensionKind::ImdQuintile), c(0), 19), 5);
        assert_eq!(group_of(Some(DimensionKind::ImdDecile), c(0), 19), 10);
    }
}
