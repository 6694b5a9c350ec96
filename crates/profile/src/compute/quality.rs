//! Data quality: how completely each field (ethnicity, age, sex, IMD) is recorded, as records
//! by period × area × field that are recorded, not stated, not known or unrecognised.

use crate::groups::{
    AGE_NOT_KNOWN, Codes, ETH_NOT_KNOWN, ETH_NOT_STATED, IMD_NOT_KNOWN, SEX_NOT_KNOWN,
    SEX_NOT_STATED,
};

use super::{ALL_AREAS, QualityRow, decode::Unrecognised};

/// Records by (period, area slot, field) → [records, recorded, not stated, not known,
/// unrecognised]; the last area slot is the all-areas total.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Quality {
    n_slots: usize,
    cells: Vec<Option<[f64; 5]>>,
}

/// Where a field's value counts: 1 recorded, 2 not stated, 3 not known, 4 unrecognised.
fn status(field: usize, codes: Codes, unknown: bool) -> usize {
    if unknown {
        return 4;
    }
    match field {
        0 => match codes.ethnicity {
            ETH_NOT_STATED => 2,
            ETH_NOT_KNOWN => 3,
            _ => 1,
        },
        1 => usize::from(codes.age == AGE_NOT_KNOWN) * 2 + 1,
        2 => match codes.sex {
            SEX_NOT_STATED => 2,
            SEX_NOT_KNOWN => 3,
            _ => 1,
        },
        _ => usize::from(codes.imd == IMD_NOT_KNOWN) * 2 + 1,
    }
}

impl Quality {
    /// No records yet, over `n_periods` periods and `n_areas` areas.
    pub(super) fn new(n_periods: usize, n_areas: usize) -> Quality {
        let n_slots = n_areas + 1;
        Quality {
            n_slots,
            cells: vec![None; n_periods * n_slots * 4],
        }
    }

    fn at(&self, period: usize, area: u32, field: usize) -> usize {
        let slot = if area == ALL_AREAS {
            self.n_slots - 1
        } else {
            area as usize
        };
        (period * self.n_slots + slot) * 4 + field
    }

    /// Counts a stratum's `records` in its area and the all-areas total, for each field the
    /// strata have (`present`); `unknown` marks the fields whose code no lookup knows.
    pub(super) fn add(
        &mut self,
        period: usize,
        area: u32,
        codes: Codes,
        present: [bool; 4],
        unknown: [bool; 4],
        records: f64,
    ) {
        for field in 0..4 {
            if !present[field] {
                continue;
            }
            let status = status(field, codes, unknown[field]);
            for a in [area, ALL_AREAS] {
                let i = self.at(period, a, field);
                let q = self.cells[i].get_or_insert([0.0; 5]);
                q[0] += records;
                q[status] += records;
                if area == ALL_AREAS {
                    break;
                }
            }
        }
    }

    /// The rows, by period, area (the total last) and field, with the unrecognised codes of
    /// each.
    pub(super) fn rows(self, unrecognised: &Unrecognised) -> Vec<QualityRow> {
        let n_slots = self.n_slots;
        self.cells
            .into_iter()
            .enumerate()
            .filter_map(|(i, q)| {
                let q = q?;
                let (field, slot, period) = (i % 4, (i / 4) % n_slots, i / 4 / n_slots);
                let area = if slot == n_slots - 1 {
                    ALL_AREAS
                } else {
                    slot as u32
                };
                Some((period, area, field, q))
            })
            .map(|(period, area, field, q)| {
                let name = ["ethnicity", "age", "sex", "imd"][field];
                QualityRow {
                    period,
                    area,
                    field: name,
                    records: q[0],
                    recorded: q[1],
                    not_stated: q[2],
                    not_known: q[3],
                    unrecognised: q[4],
                    records_published: q[0],
                    published: [q[1], q[2], q[3], q[4]],
                    codes: unrecognised
                        .by_cell
                        .get(&(period, area, name))
                        .map(|m| {
                            m.iter()
                                .map(|(c, n)| {
                                    format!("{c} ({})", levelfield_table::format_number(*n))
                                })
                                .collect::<Vec<_>>()
                                .join("; ")
                        })
                        .unwrap_or_default(),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(ethnicity: u8, age: u8, sex: u8, imd: u8) -> Codes {
        Codes {
            ethnicity,
            broad: 0,
            age,
            sex,
            imd,
        }
    }

    #[test]
    fn statuses_separate_recorded_not_stated_not_known_and_unrecognised() {
        let c = codes(ETH_NOT_STATED, AGE_NOT_KNOWN, SEX_NOT_KNOWN, 4);
        assert_eq!([0, 1, 2, 3].map(|f| status(f, c, false)), [2, 3, 3, 1]);
        let c = codes(3, 2, SEX_NOT_STATED, IMD_NOT_KNOWN);
        assert_eq!([0, 1, 2, 3].map(|f| status(f, c, false)), [1, 1, 2, 3]);
        assert_eq!(status(0, codes(ETH_NOT_KNOWN, 0, 0, 1), false), 3);
        assert_eq!(status(1, c, true), 4);
    }

    #[test]
    fn records_count_in_the_area_and_the_total() {
        let mut q = Quality::new(1, 2);
        let present = [true, false, true, false];
        q.add(0, 1, codes(0, 0, 0, 1), present, [false; 4], 10.0);
        q.add(
            0,
            0,
            codes(ETH_NOT_STATED, 0, 0, 1),
            present,
            [false; 4],
            4.0,
        );
        q.add(
            0,
            0,
            codes(ETH_NOT_KNOWN, 0, 0, 1),
            present,
            [true, false, false, false],
            1.0,
        );
        let rows = q.rows(&Unrecognised::default());
        // Areas 0, 1 and the total, each with ethnicity and sex only.
        assert_eq!(rows.len(), 6);
        let eth: Vec<_> = rows.iter().filter(|r| r.field == "ethnicity").collect();
        assert_eq!(
            eth.iter().map(|r| r.area).collect::<Vec<_>>(),
            [0, 1, ALL_AREAS]
        );
        assert_eq!(eth[0].records, 5.0);
        assert_eq!(
            (eth[0].not_stated, eth[0].unrecognised, eth[0].recorded),
            (4.0, 1.0, 0.0)
        );
        assert_eq!((eth[2].records, eth[2].recorded), (15.0, 10.0));
        assert_eq!(eth[2].published, [10.0, 4.0, 0.0, 1.0]);
        assert_eq!(eth[2].records_published, 15.0);
        let sex = rows
            .iter()
            .find(|r| r.field == "sex" && r.area == ALL_AREAS)
            .unwrap();
        assert_eq!(sex.recorded, 15.0);
    }

    #[test]
    fn rows_at_the_total_count_once_and_list_their_unknown_codes() {
        let mut q = Quality::new(2, 1);
        q.add(
            1,
            ALL_AREAS,
            codes(0, 0, 0, 1),
            [false, false, false, true],
            [false, false, false, true],
            3.0,
        );
        let mut u = Unrecognised::default();
        u.note(1, ALL_AREAS, "imd", "12", 2.0);
        u.note(1, ALL_AREAS, "imd", "0.5", 1.0);
        let rows = q.rows(&u);
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!((r.period, r.area, r.field), (1, ALL_AREAS, "imd"));
        assert_eq!((r.records, r.unrecognised), (3.0, 3.0));
        assert_eq!(r.codes, "0.5 (1); 12 (2)");
    }
}
