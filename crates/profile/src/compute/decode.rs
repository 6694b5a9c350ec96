//! Reading codes: one value of a field (ethnic category, age band, sex, IMD decile) as its
//! small code, and the tally of codes no lookup knows.

use std::collections::BTreeMap;

use levelfield_model::{
    age::Scheme,
    deprivation::{Direction, imd_decile},
};

use crate::{
    groups::{AGE_NOT_KNOWN, ETH_NOT_KNOWN, IMD_NOT_KNOWN, SEX_NOT_KNOWN, ethnic_index, sex_code},
    spec::Spec,
};

use super::ALL_AREAS;

/// The data-quality fields, in decoding order.
pub(super) const FIELDS: [&str; 4] = ["ethnicity", "age", "sex", "imd"];

/// Codes no lookup knows, with their records.
#[derive(Default)]
pub(super) struct Unrecognised {
    /// Records by code, by (period, area, field).
    pub(super) by_cell: BTreeMap<(usize, u32, &'static str), BTreeMap<String, f64>>,
    /// Records by (field, code), over every cell.
    pub(super) total: BTreeMap<(&'static str, String), f64>,
}

impl Unrecognised {
    /// Counts `records` with an unknown `code` of `field` in an area (and the all-areas total).
    pub(super) fn note(
        &mut self,
        period: usize,
        area: u32,
        field: &'static str,
        code: &str,
        records: f64,
    ) {
        for a in [area, ALL_AREAS] {
            *self
                .by_cell
                .entry((period, a, field))
                .or_default()
                .entry(code.to_string())
                .or_default() += records;
            if area == ALL_AREAS {
                break;
            }
        }
        *self.total.entry((field, code.to_string())).or_default() += records;
    }
}

/// The spec's lookups for reading codes.
#[derive(Clone, Copy)]
pub(super) struct Decoder {
    scheme: Scheme,
    direction: Direction,
}

impl Decoder {
    /// The lookups of a spec.
    pub(super) fn new(spec: &Spec) -> Decoder {
        Decoder {
            scheme: spec.lookups.scheme(),
            direction: spec.lookups.direction(),
        }
    }

    /// The code of one value of a field (0 ethnicity, 1 age band, 2 sex, 3 IMD), and whether
    /// the value is unknown to the lookups (then it is coded as not known).
    pub(super) fn decode(&self, field: usize, text: Option<&str>) -> (u8, bool) {
        let text = text.map(str::trim).filter(|s| !s.is_empty());
        match field {
            0 => match text {
                None => (ETH_NOT_KNOWN, false),
                Some(code) => ethnic_index(code).map_or((ETH_NOT_KNOWN, true), |c| (c, false)),
            },
            1 => match text {
                None => (AGE_NOT_KNOWN, false),
                Some(label) => match self.scheme.parse(label) {
                    Ok(b) => (
                        self.scheme
                            .bands()
                            .iter()
                            .position(|x| x.label == b.label)
                            .map_or(AGE_NOT_KNOWN, |i| i as u8),
                        false,
                    ),
                    Err(_) => (AGE_NOT_KNOWN, true),
                },
            },
            2 => sex_code(text).map_or((SEX_NOT_KNOWN, true), |c| (c, false)),
            _ => match text {
                None => (IMD_NOT_KNOWN, false),
                Some(label) => {
                    // Parquet integers arrive as `3`; floats as `3.0`.
                    let label = label.strip_suffix(".0").unwrap_or(label);
                    imd_decile(label, self.direction).map_or((IMD_NOT_KNOWN, true), |d| (d, false))
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::groups::{ETH_NOT_STATED, SEX_NOT_STATED};

    fn decoder(direction: Direction) -> Decoder {
        Decoder {
            scheme: Scheme::Esp2013,
            direction,
        }
    }

    #[test]
    fn ethnic_codes_read_as_categories_and_blanks_as_not_known() {
        let d = decoder(Direction::OneMostDeprived);
        assert_eq!(d.decode(0, Some(" A ")), (0, false));
        assert_eq!(d.decode(0, Some("Z")), (ETH_NOT_STATED, false));
        assert_eq!(d.decode(0, None), (ETH_NOT_KNOWN, false));
        assert_eq!(d.decode(0, Some("  ")), (ETH_NOT_KNOWN, false));
        assert_eq!(d.decode(0, Some("QQ")), (ETH_NOT_KNOWN, true));
    }

    #[test]
    fn age_bands_read_by_position_in_the_scheme() {
        let d = decoder(Direction::OneMostDeprived);
        assert_eq!(d.decode(1, Some("0-4")), (0, false));
        assert_eq!(d.decode(1, Some("25-29")), (5, false));
        assert_eq!(d.decode(1, Some("90+")), (18, false));
        assert_eq!(d.decode(1, None), (AGE_NOT_KNOWN, false));
        assert_eq!(d.decode(1, Some("invalid age")), (AGE_NOT_KNOWN, true));
    }

    #[test]
    fn sex_and_imd_codes_with_their_directions() {
        let most = decoder(Direction::OneMostDeprived);
        let least = decoder(Direction::OneLeastDeprived);
        assert_eq!(most.decode(2, Some("2")), (1, false));
        assert_eq!(most.decode(2, Some("Z")), (SEX_NOT_STATED, false));
        assert_eq!(most.decode(2, Some("X")), (SEX_NOT_KNOWN, false));
        assert_eq!(most.decode(2, Some("7")), (SEX_NOT_KNOWN, true));
        assert_eq!(most.decode(3, Some("3")), (3, false));
        // Floats from Parquet read as their integer.
        assert_eq!(most.decode(3, Some("3.0")), (3, false));
        assert_eq!(least.decode(3, Some("3")), (8, false));
        assert_eq!(most.decode(3, None), (IMD_NOT_KNOWN, false));
        assert_eq!(most.decode(3, Some("12")), (IMD_NOT_KNOWN, true));
    }

    #[test]
    fn unrecognised_codes_count_in_the_area_and_the_total_once() {
        let mut u = Unrecognised::default();
        u.note(0, 2, "sex", "7", 3.0);
        u.note(0, 2, "sex", "7", 2.0);
        u.note(1, ALL_AREAS, "sex", "7", 4.0);
        u.note(0, 1, "imd", "12", 1.0);
        assert_eq!(u.by_cell[&(0, 2, "sex")]["7"], 5.0);
        assert_eq!(u.by_cell[&(0, ALL_AREAS, "sex")]["7"], 5.0);
        // A row already in the total is counted there once.
        assert_eq!(u.by_cell[&(1, ALL_AREAS, "sex")]["7"], 4.0);
        assert_eq!(u.total[&("sex", "7".to_string())], 9.0);
        assert_eq!(u.total[&("imd", "12".to_string())], 1.0);
        assert_eq!(u.by_cell.len(), 5);
    }
}
