//! Dense cell grids: sums of measures by period × area × dimension × group (and by age band ×
//! sex for standardisation), and spreading decoded rows into every dimension's cells.

use rayon::prelude::*;

use crate::{
    ProfileError,
    groups::{AGE_NOT_KNOWN, Codes, group_of},
    spec::DimensionKind,
};

use super::ALL_AREAS;

/// The packed key of a cell: period, area (or [`ALL_AREAS`]), dimension and group.
pub(super) fn pack(period: usize, area: u32, dim: usize, group: u8) -> u64 {
    (period as u64) << 40 | u64::from(area) << 20 | (dim as u64) << 8 | u64::from(group)
}

/// Where a cell lies in a dense grid: group (all dimensions' groups in a row) × period × area
/// slot (the areas, then the all-areas total). Each dimension's cells are one contiguous run.
#[derive(Clone, Debug)]
pub(super) struct Shape {
    offsets: Vec<usize>,
    sizes: Vec<usize>,
    n_periods: usize,
    n_areas: usize,
}

impl Shape {
    pub(super) fn cells(&self) -> usize {
        self.sizes.iter().sum::<usize>() * self.n_periods * (self.n_areas + 1)
    }
    pub(super) fn index(&self, key: u64) -> usize {
        let period = (key >> 40) as usize;
        let area = ((key >> 20) & 0xF_FFFF) as u32;
        let dim = ((key >> 8) & 0xFFF) as usize;
        let group = (key & 0xFF) as usize;
        let slot = if area == ALL_AREAS {
            self.n_areas
        } else {
            area as usize
        };
        ((self.offsets[dim] + group) * self.n_periods + period) * (self.n_areas + 1) + slot
    }
    /// The cells of each dimension, as `(first, count)`.
    fn runs(&self) -> Vec<(usize, usize)> {
        let per_group = self.n_periods * (self.n_areas + 1);
        self.offsets
            .iter()
            .zip(&self.sizes)
            .map(|(o, s)| (o * per_group, s * per_group))
            .collect()
    }
}

/// Sums of measures by cell, laid out densely ([`Shape`]). Cells are addressed by packed keys
/// ([`pack`]); a dense array is far faster than hashing for the millions of additions a large
/// profile makes.
pub(super) struct Grid {
    n: usize,
    shape: Shape,
    values: Vec<f64>,
    present: Vec<bool>,
}

impl Grid {
    /// The most cells a grid may hold (× measures), about 1.6 GB of sums.
    pub(super) const MAX_VALUES: usize = 200_000_000;

    pub(super) fn new(
        n: usize,
        dim_sizes: &[usize],
        n_periods: usize,
        n_areas: usize,
    ) -> Result<Grid, ProfileError> {
        let mut offsets = Vec::with_capacity(dim_sizes.len());
        let mut total = 0;
        for size in dim_sizes {
            offsets.push(total);
            total += size;
        }
        let shape = Shape {
            offsets,
            sizes: dim_sizes.to_vec(),
            n_periods,
            n_areas,
        };
        let cells = shape.cells();
        if cells.saturating_mul(n.max(1)) > Grid::MAX_VALUES {
            return Err(ProfileError::Data(format!(
                "{n_periods} periods × {n_areas} areas × {total} groups is more than one profile holds; split the profile by period or region"
            )));
        }
        Ok(Grid {
            n,
            shape,
            values: vec![0.0; cells * n],
            present: vec![false; cells],
        })
    }
    pub(super) fn index(&self, key: u64) -> usize {
        self.shape.index(key)
    }
    pub(super) fn get(&self, key: u64) -> Option<&[f64]> {
        let i = self.index(key);
        self.present[i].then(|| &self.values[i * self.n..(i + 1) * self.n])
    }
    /// One part per dimension, each free to fill on its own thread.
    fn parts(&mut self) -> Vec<Part<'_>> {
        let mut values = self.values.as_mut_slice();
        let mut present = self.present.as_mut_slice();
        self.shape
            .runs()
            .into_iter()
            .map(|(first, count)| {
                let (v, rest) = std::mem::take(&mut values).split_at_mut(count * self.n);
                values = rest;
                let (p, rest) = std::mem::take(&mut present).split_at_mut(count);
                present = rest;
                Part {
                    first,
                    n: self.n,
                    values: v,
                    present: p,
                }
            })
            .collect()
    }
}

/// One dimension's cells of a [`Grid`].
pub(super) struct Part<'a> {
    first: usize,
    n: usize,
    values: &'a mut [f64],
    present: &'a mut [bool],
}

impl Part<'_> {
    /// Adds each run of `slots` cells' first `slots − 1` (the areas) into its last (all areas).
    fn total_areas(&mut self, slots: usize) {
        let n = self.n;
        for (values, present) in self
            .values
            .chunks_exact_mut(slots * n)
            .zip(self.present.chunks_exact_mut(slots))
        {
            let (areas, total) = values.split_at_mut((slots - 1) * n);
            for area in areas.chunks_exact(n) {
                for (t, v) in total.iter_mut().zip(area) {
                    *t += v;
                }
            }
            let (areas, total) = present.split_at_mut(slots - 1);
            total[0] |= areas.iter().any(|p| *p);
        }
    }

    /// Adds measure `m`'s `value(m)` for every measure to the cell at grid index `i`.
    fn add(&mut self, i: usize, value: impl Fn(usize) -> f64) {
        let i = i - self.first;
        self.present[i] = true;
        for (m, slot) in self.values[i * self.n..(i + 1) * self.n]
            .iter_mut()
            .enumerate()
        {
            *slot += value(m);
        }
    }
}

/// Sums by cell × age band × sex slot (male, female, any other), dense like [`Grid`], for
/// standardisation.
pub(super) struct StdGrid {
    n: usize,
    n_bands: usize,
    values: Vec<f64>,
}

impl StdGrid {
    pub(super) fn new(n: usize, grid: &Grid, n_bands: usize) -> Result<StdGrid, ProfileError> {
        let cells = grid.present.len() * n_bands * 3;
        if cells.saturating_mul(n) > Grid::MAX_VALUES {
            return Err(ProfileError::Data(
                "too many periods × areas × groups × age bands for standardised indicators in one profile; split the profile by period or region".into(),
            ));
        }
        Ok(StdGrid {
            n,
            n_bands,
            values: vec![0.0; cells * n],
        })
    }
    fn at(&self, cell: usize, band: u8, slot: usize) -> usize {
        ((cell * self.n_bands + band as usize) * 3 + slot) * self.n
    }
    pub(super) fn get(&self, cell: usize, band: u8, slot: usize, m: usize) -> f64 {
        if self.n == 0 {
            return 0.0;
        }
        self.values[self.at(cell, band, slot) + m]
    }
    /// One part per dimension of `shape`, each free to fill on its own thread.
    fn parts(&mut self, shape: &Shape) -> Vec<StdPart<'_>> {
        let per_cell = self.n_bands * 3 * self.n;
        let mut values = self.values.as_mut_slice();
        shape
            .runs()
            .into_iter()
            .map(|(first, count)| {
                let (v, rest) = std::mem::take(&mut values).split_at_mut(count * per_cell);
                values = rest;
                StdPart {
                    first,
                    n: self.n,
                    n_bands: self.n_bands,
                    values: v,
                }
            })
            .collect()
    }
}

/// One dimension's cells of a [`StdGrid`].
pub(super) struct StdPart<'a> {
    first: usize,
    n: usize,
    n_bands: usize,
    values: &'a mut [f64],
}

impl StdPart<'_> {
    /// As [`Part::total_areas`], for every age band and sex slot of the cells.
    fn total_areas(&mut self, slots: usize) {
        let block = self.n_bands * 3 * self.n;
        if block == 0 {
            return;
        }
        for values in self.values.chunks_exact_mut(slots * block) {
            let (areas, total) = values.split_at_mut((slots - 1) * block);
            for area in areas.chunks_exact(block) {
                for (t, v) in total.iter_mut().zip(area) {
                    *t += v;
                }
            }
        }
    }

    fn add(&mut self, cell: usize, band: u8, slot: usize, value: impl Fn(usize) -> f64) {
        let i = (((cell - self.first) * self.n_bands + band as usize) * 3 + slot) * self.n;
        for (k, x) in self.values[i..i + self.n].iter_mut().enumerate() {
            *x += value(k);
        }
    }
}

/// A stratum or population row with its cell coordinates decoded.
#[derive(Clone, Copy)]
pub(super) struct Placed {
    pub(super) row: usize,
    pub(super) period: usize,
    pub(super) area: u32,
    pub(super) codes: Codes,
}

/// Sums placed rows into every dimension's cells (and, for standardised indicators, their
/// age × sex cells), one dimension per thread. A row is added to its area's cell only, in row
/// order; each all-areas cell is then the sum of its areas' cells, which halves the additions
/// and is exact for counts (whole numbers below 2^53 add exactly in any order). `value(row, m)`
/// is measure `m` of a row, `std_value(row, k)` the `k`th standardised measure, `std_slot` the
/// sex slot of a row's codes. Returns, per dimension, which groups had any row.
#[allow(clippy::too_many_arguments)]
pub(super) fn spread(
    cells: &mut Grid,
    std_cells: &mut StdGrid,
    dims: &[Option<DimensionKind>],
    n_bands: usize,
    placed: &[Placed],
    value: impl Fn(usize, usize) -> f64 + Sync,
    std_value: Option<&(dyn Fn(usize, usize) -> f64 + Sync)>,
    std_slot: impl Fn(Codes) -> usize + Sync,
) -> Vec<Vec<bool>> {
    let shape = cells.shape.clone();
    let parts: Vec<_> = cells
        .parts()
        .into_iter()
        .zip(std_cells.parts(&shape))
        .enumerate()
        .collect();
    parts
        .into_par_iter()
        .map(|(d, (mut part, mut std_part))| {
            let kind = dims[d];
            let mut seen = vec![false; shape.sizes[d]];
            for p in placed {
                let g = group_of(kind, p.codes, n_bands);
                seen[g as usize] = true;
                let i = shape.index(pack(p.period, p.area, d, g));
                part.add(i, |m| value(p.row, m));
                if let Some(std_value) = std_value
                    && p.codes.age != AGE_NOT_KNOWN
                {
                    std_part.add(i, p.codes.age, std_slot(p.codes), |k| std_value(p.row, k));
                }
            }
            // The all-areas cells are the sums of the areas' (exact for counts, in any order).
            let slots = shape.n_areas + 1;
            part.total_areas(slots);
            std_part.total_areas(slots);
            seen
        })
        .collect()
}

/// The standardisation slot of a sex code: male, female, or any other.
pub(super) fn sex_slot(sex: u8) -> usize {
    match sex {
        0 => 0,
        1 => 1,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(broad: u8, age: u8, sex: u8) -> Codes {
        Codes {
            ethnicity: 0,
            broad,
            age,
            sex,
            imd: 1,
        }
    }

    #[test]
    fn packed_keys_land_in_distinct_cells_with_the_total_last() {
        // Overall (1 group) and a dimension of 3 groups; 2 periods; 2 areas + the total.
        let grid = Grid::new(1, &[1, 3], 2, 2).unwrap();
        assert_eq!(grid.shape.cells(), 4 * 2 * 3);
        assert_eq!(grid.index(pack(0, 0, 0, 0)), 0);
        assert_eq!(grid.index(pack(0, ALL_AREAS, 0, 0)), 2);
        assert_eq!(grid.index(pack(1, 1, 0, 0)), 4);
        // Dimension 1 starts after the overall row's 2 periods × 3 slots.
        assert_eq!(grid.index(pack(0, 0, 1, 0)), 6);
        assert_eq!(grid.index(pack(1, ALL_AREAS, 1, 2)), 23);
        let mut seen = vec![false; grid.shape.cells()];
        for p in 0..2 {
            for a in [0, 1, ALL_AREAS] {
                for (d, n) in [(0, 1u8), (1, 3)] {
                    for g in 0..n {
                        let i = grid.index(pack(p, a, d, g));
                        assert!(!seen[i], "cell {i} addressed twice");
                        seen[i] = true;
                    }
                }
            }
        }
        assert!(seen.iter().all(|s| *s));
        assert_eq!(grid.shape.runs(), vec![(0, 6), (6, 18)]);
    }

    #[test]
    fn a_grid_too_large_is_refused_with_advice() {
        let err = Grid::new(100, &[1, 200], 100, 1_000).err().unwrap();
        assert!(err.to_string().contains("split the profile"), "{err}");
        assert!(
            err.to_string()
                .contains("100 periods × 1000 areas × 201 groups")
        );
        assert!(Grid::new(100, &[1, 200], 1, 10).is_ok());
    }

    #[test]
    fn spread_sums_rows_into_areas_and_the_total() {
        let dims = [None, Some(DimensionKind::Ethnicity)];
        let mut grid = Grid::new(2, &[1, 7], 1, 2).unwrap();
        let mut std = StdGrid::new(0, &grid, 0).unwrap();
        let placed = [
            Placed {
                row: 0,
                period: 0,
                area: 0,
                codes: codes(0, 0, 0),
            },
            Placed {
                row: 1,
                period: 0,
                area: 1,
                codes: codes(3, 0, 0),
            },
            Placed {
                row: 2,
                period: 0,
                area: 1,
                codes: codes(0, 0, 0),
            },
        ];
        let values = [[1.0, 10.0], [2.0, 20.0], [4.0, 40.0]];
        let seen = spread(
            &mut grid,
            &mut std,
            &dims,
            19,
            &placed,
            |r, m| values[r][m],
            None,
            |_| 0,
        );
        assert_eq!(seen[0], vec![true]);
        assert_eq!(seen[1], vec![true, false, false, true, false, false, false]);
        assert_eq!(grid.get(pack(0, 0, 0, 0)), Some(&[1.0, 10.0][..]));
        assert_eq!(grid.get(pack(0, 1, 0, 0)), Some(&[6.0, 60.0][..]));
        assert_eq!(grid.get(pack(0, ALL_AREAS, 0, 0)), Some(&[7.0, 70.0][..]));
        assert_eq!(grid.get(pack(0, ALL_AREAS, 1, 0)), Some(&[5.0, 50.0][..]));
        assert_eq!(grid.get(pack(0, ALL_AREAS, 1, 3)), Some(&[2.0, 20.0][..]));
        // A group with no rows has no cell, in the areas or the total.
        assert_eq!(grid.get(pack(0, 0, 1, 3)), None);
        assert_eq!(grid.get(pack(0, ALL_AREAS, 1, 1)), None);
    }

    #[test]
    fn standardisation_cells_keep_age_and_sex_and_skip_unknown_ages() {
        let dims = [None];
        let mut grid = Grid::new(1, &[1], 1, 1).unwrap();
        let mut std = StdGrid::new(1, &grid, 3).unwrap();
        let placed = [
            Placed {
                row: 0,
                period: 0,
                area: 0,
                codes: codes(0, 2, 1),
            },
            Placed {
                row: 1,
                period: 0,
                area: 0,
                codes: codes(0, 2, 4),
            },
            Placed {
                row: 2,
                period: 0,
                area: 0,
                codes: codes(0, AGE_NOT_KNOWN, 0),
            },
            Placed {
                row: 3,
                period: 0,
                area: 0,
                codes: codes(0, 0, 0),
            },
        ];
        let values = [3.0, 5.0, 7.0, 11.0];
        let std_value = |r: usize, _: usize| values[r];
        spread(
            &mut grid,
            &mut std,
            &dims,
            3,
            &placed,
            |r, _| values[r],
            Some(&std_value as &(dyn Fn(usize, usize) -> f64 + Sync)),
            |c| sex_slot(c.sex),
        );
        let area = grid.index(pack(0, 0, 0, 0));
        let total = grid.index(pack(0, ALL_AREAS, 0, 0));
        assert_eq!(grid.get(pack(0, ALL_AREAS, 0, 0)), Some(&[26.0][..]));
        assert_eq!(std.get(area, 2, 1, 0), 3.0);
        assert_eq!(std.get(area, 2, 2, 0), 5.0);
        assert_eq!(std.get(area, 0, 0, 0), 11.0);
        assert_eq!(std.get(total, 2, 1, 0), 3.0);
        // The unknown age is in the cell but in no age band.
        let bands: f64 = (0..3)
            .flat_map(|b| (0..3).map(move |s| (b, s)))
            .map(|(b, s)| std.get(total, b, s, 0))
            .sum();
        assert_eq!(bands, 19.0);
    }

    #[test]
    fn sex_slots_are_male_female_and_the_rest() {
        assert_eq!(sex_slot(0), 0);
        assert_eq!(sex_slot(1), 1);
        assert_eq!([2, 3, 4, 5, 6].map(sex_slot), [2; 5]);
        // A grid with no standardised measures reads as zero.
        let grid = Grid::new(1, &[1], 1, 1).unwrap();
        assert_eq!(StdGrid::new(0, &grid, 3).unwrap().get(0, 1, 1, 0), 0.0);
    }
}
