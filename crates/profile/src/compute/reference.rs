//! Reference groups: the spec's, the dimension's natural one, or the group with the largest
//! denominator overall — but never for age: the largest band is no meaningful reference ("5-9
//! is 84 % lower than 50-54"), so age bands are compared only with a band the spec names.

use crate::{
    groups::default_reference,
    spec::{DimensionKind, Spec},
};

use super::{ALL_AREAS, Diagnostic, frame::Frame, grid::Grid, grid::pack};

/// The reference group of each dimension (index 0, the overall row, has none), and a
/// diagnostic for each reference the spec names that is not a group. A group's size is its
/// population over every period or, without one, its records (`records`, the records
/// measure of the `events` cells).
pub(super) fn references(
    spec: &Spec,
    frame: &Frame,
    events: &Grid,
    population: &Grid,
    records: Option<usize>,
) -> (Vec<Option<usize>>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut references = vec![None];
    for (d, dim) in spec.dimensions.iter().enumerate() {
        let gs = &frame.groups[d + 1];
        let r = match &dim.reference {
            Some(text) => {
                let t = text.trim();
                let found = gs.iter().position(|g| {
                    g.recorded
                        && (g.code.eq_ignore_ascii_case(t) || g.label.eq_ignore_ascii_case(t))
                });
                if found.is_none() {
                    diagnostics.push(Diagnostic {
                        error: true,
                        message: format!(
                            "[[dimension]] {:?}: reference `{t}` is not one of its groups ({})",
                            dim.kind,
                            gs.iter()
                                .filter(|g| g.recorded)
                                .map(|g| g.code.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    });
                }
                found
            }
            None if dim.kind == DimensionKind::Age => None,
            None => default_reference(dim.kind).map(usize::from).or_else(|| {
                (0..gs.len()).filter(|&g| gs[g].recorded).max_by(|&a, &b| {
                    let size = |g: usize| -> f64 {
                        (0..frame.periods.len())
                            .map(|p| {
                                let c = pack(p, ALL_AREAS, d + 1, g as u8);
                                population
                                    .get(c)
                                    .map(|v| v[0])
                                    .or_else(|| {
                                        events.get(c).map(|v| records.map_or(0.0, |m| v[m]))
                                    })
                                    .unwrap_or(0.0)
                            })
                            .sum()
                    };
                    size(a).total_cmp(&size(b))
                })
            }),
        };
        references.push(r);
    }
    (references, diagnostics)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::{
        decode::Decoder, events::events, fixtures, frame::frame, population::populations,
    };

    /// The references of a spec over three strata and, optionally, a population.
    fn references_of(extra: &str, with_population: bool) -> (Vec<Option<usize>>, Vec<Diagnostic>) {
        let spec = fixtures::spec(extra);
        let layout = fixtures::layout(&spec);
        let strata = fixtures::strata(
            &spec,
            &[
                ("2024", "E1", "A", "20-24", "1", [10.0, 2.0, 5.0, 1.0]),
                ("2024", "E1", "M", "20-24", "2", [30.0, 2.0, 5.0, 1.0]),
                ("2024", "E1", "M", "20-24", "3", [5.0, 2.0, 5.0, 1.0]),
            ],
        );
        let pop = fixtures::population(&[
            ("2024", "E1", "White", "20-24", "1", 900.0),
            ("2024", "E1", "White", "20-24", "3", 1000.0),
            ("2024", "E1", "White", "20-24", "2", 50.0),
        ]);
        let pop = with_population.then_some(&pop);
        let (frame, _) = frame(&spec, &strata, pop, "c").unwrap();
        let decoder = Decoder::new(&spec);
        let read = events(&spec, &layout, &strata, &frame, decoder, "c").unwrap();
        let (cells, _) = populations(&spec, pop, &frame, decoder).unwrap();
        references(
            &spec,
            &frame,
            &read.cells.cells,
            &cells.cells,
            layout.records,
        )
    }

    #[test]
    fn a_named_reference_is_found_by_code_or_label_in_any_case() {
        let (r, d) = references_of(
            "[[dimension]]\nkind = \"imd-decile\"\nreference = \"3\"",
            true,
        );
        assert!(d.is_empty());
        // The overall row has none; White is broad group 0; decile 3 is group 2.
        assert_eq!(r[0], None);
        assert_eq!(r[1], Some(0));
        assert_eq!(r[3], Some(2));
        let (r, _) = references_of(
            "[[dimension]]\nkind = \"ethnicity-detailed\"\nreference = \"d\"",
            true,
        );
        assert_eq!(r[3], Some(3));
        let (r, _) = references_of(
            "[[dimension]]\nkind = \"ethnicity-detailed\"\nreference = \"mixed - white and BLACK caribbean\"",
            true,
        );
        assert_eq!(r[3], Some(3));
        let (r, _) = references_of("[[dimension]]\nkind = \"age\"\nreference = \"90+\"", true);
        assert_eq!(r[3], Some(18));
    }

    #[test]
    fn an_unknown_reference_lists_the_recorded_groups() {
        let (r, d) = references_of(
            "[[dimension]]\nkind = \"imd-quintile\"\nreference = \"Top\"",
            true,
        );
        assert_eq!(r[3], None);
        assert_eq!(d.len(), 1);
        assert!(d[0].error);
        assert_eq!(
            d[0].message,
            "[[dimension]] ImdQuintile: reference `Top` is not one of its groups (1, 2, 3, 4, 5)"
        );
    }

    #[test]
    fn natural_references_and_none_for_age() {
        let (r, d) = references_of(
            "[[dimension]]\nkind = \"age\"\n[[dimension]]\nkind = \"imd-decile\"\n[[dimension]]\nkind = \"imd-quintile\"",
            true,
        );
        assert!(d.is_empty());
        assert_eq!(r[3], None);
        // The least deprived decile and quintile.
        assert_eq!(r[4], Some(9));
        assert_eq!(r[5], Some(4));
    }

    #[test]
    fn without_a_named_one_the_largest_group_is_the_reference() {
        // Sex has no natural reference: by population, Non-binary (code 3, group 2) is largest.
        let (r, _) = references_of("", true);
        assert_eq!(r[2], Some(2));
        // Without a population, by records: Female (30 records) is largest.
        let (r, _) = references_of("", false);
        assert_eq!(r[2], Some(1));
    }
}
