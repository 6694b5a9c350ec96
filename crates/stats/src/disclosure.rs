//! Statistical disclosure control for published counts: the NHS rule sets (primary suppression
//! and rounding) and secondary suppression, so that no hidden count can be recovered from the
//! rest of a table and its margins.

use crate::StatsError;

/// A named disclosure rule.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rule {
    /// Counts from `suppress_from` to `suppress_to` (inclusive) are hidden.
    pub suppress_from: f64,
    /// Upper end of the hidden range.
    pub suppress_to: f64,
    /// Published counts are rounded to the nearest multiple of this (0: no rounding).
    pub round_to: f64,
}

impl Rule {
    /// NHS England Mental Health Act statistics: counts below 5 (zero included) are `*`, others
    /// rounded to the nearest 5.
    pub const NHS_MHA: Rule = Rule {
        suppress_from: 0.0,
        suppress_to: 4.0,
        round_to: 5.0,
    };
    /// HES/ECDS sub-national rule since September 2018: 1 to 7 are `*`, 0 is shown, others
    /// rounded to the nearest 5.
    pub const HES_2018: Rule = Rule {
        suppress_from: 1.0,
        suppress_to: 7.0,
        round_to: 5.0,
    };

    /// A custom rule: counts from 1 (or 0 with `suppress_zero`) below `threshold` are hidden and
    /// the rest rounded to `round_to` (0 for none).
    ///
    /// # Errors
    /// [`StatsError::Multiplier`] for a negative rounding base or threshold.
    pub fn custom(threshold: f64, round_to: f64, suppress_zero: bool) -> Result<Rule, StatsError> {
        if !(threshold >= 0.0 && round_to >= 0.0 && threshold.is_finite() && round_to.is_finite()) {
            return Err(StatsError::Multiplier(if threshold < 0.0 {
                threshold
            } else {
                round_to
            }));
        }
        Ok(Rule {
            suppress_from: if suppress_zero { 0.0 } else { 1.0 },
            suppress_to: threshold - 1.0,
            round_to,
        })
    }

    /// Whether a true count is hidden by primary suppression.
    pub fn hides(&self, count: f64) -> bool {
        count >= self.suppress_from && count <= self.suppress_to
    }

    /// The published value of a count that is not hidden.
    pub fn publish(&self, count: f64) -> f64 {
        if self.round_to > 0.0 {
            (count / self.round_to).round() * self.round_to
        } else {
            count
        }
    }

    /// Whether every published count is rounded, so that differences of margins never give a
    /// hidden count exactly (no secondary suppression is needed).
    pub fn rounds(&self) -> bool {
        self.round_to > 1.0
    }

    /// The whole counts an attacker who knows the rule learns from one published cell on its
    /// own: `Some(v)` shown (the counts that round to `v` and are not hidden), `None` hidden by
    /// primary suppression (the rule's hidden range).
    ///
    /// # Method, Formula
    /// Rounding to the nearest `b` (halves away from zero): `v` comes from
    /// `⌈v − b/2⌉ … ⌈v + b/2⌉ − 1`, less any part of that range the rule hides. Without rounding
    /// a shown count is exact.
    ///
    /// # References
    /// Hundepool et al. (2012), *Statistical Disclosure Control*, §5.4 (rounding).
    ///
    /// # Edge cases
    /// A value no count publishes as (e.g. 5 under the HES rule, whose 3 to 7 are hidden) gives
    /// an empty range (`lo > hi`).
    pub fn range_of(&self, published: Option<f64>) -> (f64, f64) {
        let Some(v) = published else {
            return (self.suppress_from.max(0.0), self.suppress_to);
        };
        if !self.rounds() {
            return (v, v);
        }
        let half = self.round_to / 2.0;
        let (mut lo, mut hi) = ((v - half).ceil().max(0.0), (v + half).ceil() - 1.0);
        if self.hides(lo) {
            lo = self.suppress_to + 1.0;
        }
        if self.hides(hi) && lo < self.suppress_from {
            hi = self.suppress_from - 1.0;
        }
        (lo, hi)
    }

    /// The range a true count must keep in an attacker's view: [`Rule::range_of`] its own
    /// published form.
    pub fn protection(&self, count: f64) -> (f64, f64) {
        self.range_of((!self.hides(count)).then(|| self.publish(count)))
    }
}

/// Tightens whole-number bounds `bounds[v] = (lo, hi)` (`hi` may be infinite) under linear
/// equations `Σ coefficient · x = 0` with coefficients ±1 and order constraints `x ≤ y`, until
/// nothing changes (or `max_rounds` passes).
///
/// # Method
/// Interval constraint propagation (bounds consistency), the audit step of cell-suppression
/// software: each variable of an equation is bounded by the others' bounds, rounded inwards to
/// whole numbers. The result is sound — the true values always stay inside — but can be wider
/// than an exact integer-programming attack.
///
/// # Formula
/// For `Σ a_j x_j = 0`: `a_k x_k ∈ [−Σ_{j≠k} max(a_j x_j), −Σ_{j≠k} min(a_j x_j)]`.
///
/// # References
/// Hundepool et al. (2012), §4.3; Fischetti & Salazar-González (1999), "Models and algorithms
/// for the 2-dimensional cell suppression problem", *Management Science* 45, 1005–1021.
///
/// # Edge cases
/// Returns false when the bounds become empty (the constraints contradict the priors), which
/// cannot happen for true data and priors that hold for it.
pub fn propagate(
    bounds: &mut [(f64, f64)],
    equations: &[Vec<(usize, f64)>],
    at_most: &[(usize, usize)],
    max_rounds: usize,
) -> bool {
    // Equations touching each variable, to revisit only what a change can tighten.
    let mut touches: Vec<Vec<usize>> = vec![Vec::new(); bounds.len()];
    for (e, eq) in equations.iter().enumerate() {
        for &(v, _) in eq {
            touches[v].push(e);
        }
    }
    let mut queued = vec![true; equations.len()];
    let mut queue: std::collections::VecDeque<usize> = (0..equations.len()).collect();
    let mut steps = 0usize;
    let limit = max_rounds.saturating_mul(equations.len().max(1));
    let order_pass = |bounds: &mut [(f64, f64)]| -> Vec<usize> {
        let mut changed = Vec::new();
        for &(x, y) in at_most {
            if bounds[x].1 > bounds[y].1 {
                bounds[x].1 = bounds[y].1;
                changed.push(x);
            }
            if bounds[y].0 < bounds[x].0 {
                bounds[y].0 = bounds[x].0;
                changed.push(y);
            }
        }
        changed
    };
    loop {
        while let Some(e) = queue.pop_front() {
            queued[e] = false;
            steps += 1;
            if steps > limit {
                return true;
            }
            let eq = &equations[e];
            // Sums of the terms' minima and maxima, counting infinite maxima apart.
            let (mut min_sum, mut max_sum, mut min_inf, mut max_inf) = (0.0, 0.0, 0usize, 0usize);
            let term = |v: usize, a: f64, bounds: &[(f64, f64)]| -> (f64, f64) {
                let (lo, hi) = bounds[v];
                if a > 0.0 { (lo, hi) } else { (-hi, -lo) }
            };
            for &(v, a) in eq {
                let (mn, mx) = term(v, a, bounds);
                if mn.is_infinite() {
                    min_inf += 1;
                } else {
                    min_sum += mn;
                }
                if mx.is_infinite() {
                    max_inf += 1;
                } else {
                    max_sum += mx;
                }
            }
            for &(v, a) in eq {
                let (mn, mx) = term(v, a, bounds);
                // Others' maxima and minima.
                let others_max = if max_inf > usize::from(mx.is_infinite()) {
                    f64::INFINITY
                } else if mx.is_infinite() {
                    max_sum
                } else {
                    max_sum - mx
                };
                let others_min = if min_inf > usize::from(mn.is_infinite()) {
                    f64::NEG_INFINITY
                } else if mn.is_infinite() {
                    min_sum
                } else {
                    min_sum - mn
                };
                // a·x_v ∈ [−others_max, −others_min].
                let (t_lo, t_hi) = (-others_max, -others_min);
                let (new_lo, new_hi) = if a > 0.0 {
                    (t_lo, t_hi)
                } else {
                    (-t_hi, -t_lo)
                };
                let (lo, hi) = bounds[v];
                let new_lo = if new_lo.is_finite() {
                    (new_lo - 1e-9).ceil()
                } else {
                    new_lo
                };
                let new_hi = if new_hi.is_finite() {
                    (new_hi + 1e-9).floor()
                } else {
                    new_hi
                };
                let mut changed = false;
                if new_lo > lo {
                    bounds[v].0 = new_lo;
                    changed = true;
                }
                if new_hi < hi {
                    bounds[v].1 = new_hi;
                    changed = true;
                }
                if bounds[v].0 > bounds[v].1 {
                    return false;
                }
                if changed {
                    for &e2 in &touches[v] {
                        if e2 != e && !queued[e2] {
                            queued[e2] = true;
                            queue.push_back(e2);
                        }
                    }
                }
            }
        }
        let changed = order_pass(bounds);
        if changed.iter().any(|&v| bounds[v].0 > bounds[v].1) {
            return false;
        }
        if changed.is_empty() {
            return true;
        }
        for v in changed {
            for &e2 in &touches[v] {
                if !queued[e2] {
                    queued[e2] = true;
                    queue.push_back(e2);
                }
            }
        }
    }
}

/// What an exact integer search over published constraints found.
#[derive(Clone, Debug, PartialEq)]
pub enum Search {
    /// A whole-number assignment that meets every constraint (a witness).
    Found(Vec<f64>),
    /// No whole-number assignment meets them: proven.
    Infeasible,
    /// The search ran out of its node budget before deciding.
    Undecided,
}

/// Looks for whole numbers `x_v ∈ bounds[v]` meeting the equations `Σ a·x = 0` and the order
/// constraints `x ≤ y` exactly: the attacker's integer programme, decided by search.
///
/// # Method
/// Depth-first search with bounds propagation ([`propagate`]) at every node, branching on the
/// variable with the narrowest domain and trying its values nearest `guide` first (the
/// auditor passes the true counts, a known solution, so a witness is found by changing as
/// few counts as it must). Every node costs one unit of `budget`; when it runs out the answer
/// is [`Search::Undecided`], never a guess. An unbounded domain is tried outwards from its
/// guide until the budget ends, so a search over one can be found or undecided, never
/// proven infeasible.
///
/// # Formula
/// Feasibility of `{x ∈ ℤⁿ : Ax = 0, lo ≤ x ≤ hi, x_i ≤ x_j for (i, j) ∈ order}`.
///
/// # References
/// Hundepool et al. (2012), *Statistical Disclosure Control*, §4.3 (auditing by integer
/// programming); Fischetti & Salazar-González (1999).
///
/// # Edge cases
/// An empty `bounds` is trivially feasible. `guide` shorter than `bounds` guides by the lower
/// bound for the rest.
pub fn search(
    bounds: &[(f64, f64)],
    equations: &[Vec<(usize, f64)>],
    at_most: &[(usize, usize)],
    guide: &[f64],
    budget: &mut usize,
) -> Search {
    let mut complete = true;
    let found = dfs(
        bounds.to_vec(),
        equations,
        at_most,
        guide,
        budget,
        &mut complete,
    );
    match found {
        Some(x) => Search::Found(x),
        None if complete => Search::Infeasible,
        None => Search::Undecided,
    }
}

/// One node of [`search`]: `None` when no witness lies below it (`complete` is cleared when a
/// part of that was not proven, for want of budget or of a finite domain).
fn dfs(
    mut b: Vec<(f64, f64)>,
    equations: &[Vec<(usize, f64)>],
    at_most: &[(usize, usize)],
    guide: &[f64],
    budget: &mut usize,
    complete: &mut bool,
) -> Option<Vec<f64>> {
    if *budget == 0 {
        *complete = false;
        return None;
    }
    *budget -= 1;
    if !propagate(&mut b, equations, at_most, 200) || b.iter().any(|x| x.0 > x.1) {
        return None;
    }
    let width = |w: usize| b[w].1 - b[w].0;
    let Some(w) = (0..b.len())
        .filter(|&w| width(w) > 0.0)
        .min_by(|&p, &q| width(p).total_cmp(&width(q)).then(p.cmp(&q)))
    else {
        // Every variable fixed: the equations must hold exactly (propagation rounds inwards).
        let x: Vec<f64> = b.iter().map(|v| v.0).collect();
        let holds = equations
            .iter()
            .all(|eq| eq.iter().map(|&(v, a)| a * x[v]).sum::<f64>().abs() < 1e-9)
            && at_most.iter().all(|&(p, q)| x[p] <= x[q]);
        return holds.then_some(x);
    };
    let (lo, hi) = b[w];
    let g = guide.get(w).copied().unwrap_or(lo).clamp(lo, hi).round();
    // g, g + 1, g − 1, g + 2, … within [lo, hi].
    let mut step = 0.0f64;
    loop {
        let mut tried = false;
        for y in [g + step, g - step] {
            if (step == 0.0 && y != g) || y < lo || y > hi {
                continue;
            }
            tried = true;
            let mut c = b.clone();
            c[w] = (y, y);
            if let Some(x) = dfs(c, equations, at_most, guide, budget, complete) {
                return Some(x);
            }
            if *budget == 0 {
                *complete = false;
                return None;
            }
        }
        if !tried && (g + step > hi && g - step < lo) {
            return None;
        }
        step += 1.0;
    }
}

/// A count after disclosure control.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Published {
    /// Shown (possibly rounded).
    Value(f64),
    /// Hidden because it is small (primary suppression).
    Primary,
    /// Hidden so that a small count cannot be worked out from the others (secondary).
    Secondary,
}

/// A protected table: the published cells, and the row and column totals that must not be
/// published because, with the rest, they would reveal a hidden count.
#[derive(Clone, Debug, PartialEq)]
pub struct Protected {
    /// `cells[row][column]` as published.
    pub cells: Vec<Vec<Option<Published>>>,
    /// Rows whose total must be withheld.
    pub withheld_rows: Vec<bool>,
    /// Columns whose total must be withheld.
    pub withheld_columns: Vec<bool>,
}

/// Applies a rule to a table of counts (`cells[row][column]`), with row and column totals
/// assumed published.
///
/// # Method
/// Primary suppression by the rule's range; the rest rounded. When the rule does not round,
/// secondary suppression: while some row or column (with its total) has exactly one hidden
/// cell, the smallest shown non-zero cell of that line is hidden too — a line with two or more
/// hidden cells gives only their sum. Then an audit ([`attack`]): while any hidden cell can be
/// narrowed below its protection range ([`Rule::protection`]) from the published cells and
/// margins (rounding alone can leak in small tables with several small cells), a further shown
/// cell in a line through it is hidden.
///
/// # Formula
/// Hidden if `from ≤ x ≤ to`; shown as `round(x/b)·b`.
///
/// # References
/// NHS England MHA statistics (`Functions.py`: below 5 hidden, else nearest 5); NHS Digital,
/// "Change to disclosure control methodology for HES and ECDS from September 2018"; Hundepool et
/// al. (2012), *Statistical Disclosure Control*, Wiley, ch. 4 (cell suppression).
///
/// # Edge cases
/// Missing cells (`None`) are left missing. Rounding every published count protects hidden ones:
/// a margin difference then carries the rounding error of every cell in it.
pub fn apply(cells: &[Vec<Option<f64>>], rule: &Rule) -> Protected {
    let n_cols = cells.iter().map(Vec::len).max().unwrap_or(0);
    let mut p = Protected {
        cells: primary_and_lines(cells, rule),
        withheld_rows: vec![false; cells.len()],
        withheld_columns: vec![false; n_cols],
    };
    // Audit and repair: while an attacker can pin a hidden cell down from the published cells
    // and margins, hide the smallest shown cell of a line through it — or, when there is none
    // left, withhold that line's total.
    for _ in 0..=cells.iter().map(Vec::len).sum::<usize>() + cells.len() + n_cols {
        let bounds = attack(cells, &p, rule);
        // Narrowed below its protection range (all of the hidden range, or the rounding
        // interval its own value would have had) counts as disclosed.
        let pinned = bounds.iter().enumerate().find_map(|(r, row)| {
            row.iter()
                .enumerate()
                .position(|(c, b)| {
                    b.is_some_and(|(lo, hi)| {
                        let (plo, phi) = rule.protection(cells[r][c].unwrap_or(0.0));
                        lo > plo + 1e-9 || hi < phi - 1e-9
                    })
                })
                .map(|c| (r, c))
        });
        let Some((r, c)) = pinned else { break };
        let row_cells: Vec<(usize, usize)> = (0..cells[r].len()).map(|j| (r, j)).collect();
        let col_cells: Vec<(usize, usize)> = (0..cells.len())
            .filter(|&i| c < cells[i].len())
            .map(|i| (i, c))
            .collect();
        let (row_len, col_len) = (row_cells.len(), col_cells.len());
        if let Some((pr, pc)) = [row_cells, col_cells]
            .iter()
            .filter(|line| line.len() > 1)
            .find_map(|line| smallest_shown(cells, &p.cells, line))
        {
            p.cells[pr][pc] = Some(Published::Secondary);
        } else if row_len > 1 && !p.withheld_rows[r] {
            p.withheld_rows[r] = true;
        } else if col_len > 1 && !p.withheld_columns[c] {
            p.withheld_columns[c] = true;
        } else {
            break;
        }
    }
    p
}

/// The smallest shown non-zero cell of a line; a shown zero only when there is no other.
fn smallest_shown(
    cells: &[Vec<Option<f64>>],
    out: &[Vec<Option<Published>>],
    line: &[(usize, usize)],
) -> Option<(usize, usize)> {
    let shown = |rc: &&(usize, usize)| matches!(out[rc.0][rc.1], Some(Published::Value(_)));
    let value = |rc: &(usize, usize)| cells[rc.0][rc.1].unwrap_or(0.0);
    line.iter()
        .filter(shown)
        .filter(|rc| value(rc) > 0.0)
        .min_by(|a, b| value(a).total_cmp(&value(b)))
        .or_else(|| line.iter().find(shown))
        .copied()
}

/// Primary suppression, rounding, and (without rounding) a second hidden cell in every line
/// that has exactly one.
fn primary_and_lines(cells: &[Vec<Option<f64>>], rule: &Rule) -> Vec<Vec<Option<Published>>> {
    let mut out: Vec<Vec<Option<Published>>> = cells
        .iter()
        .map(|row| {
            row.iter()
                .map(|c| {
                    c.map(|v| {
                        if rule.hides(v) {
                            Published::Primary
                        } else {
                            Published::Value(rule.publish(v))
                        }
                    })
                })
                .collect()
        })
        .collect();
    if rule.rounds() {
        return out;
    }
    let n_rows = cells.len();
    let n_cols = cells.iter().map(Vec::len).max().unwrap_or(0);
    let hidden =
        |p: &Option<Published>| matches!(p, Some(Published::Primary | Published::Secondary));
    loop {
        let mut changed = false;
        // Rows, then columns: a line with exactly one hidden cell gets a second one.
        let lines: Vec<Vec<(usize, usize)>> = (0..n_rows)
            .map(|r| (0..cells[r].len()).map(|c| (r, c)).collect())
            .chain((0..n_cols).map(|c| {
                (0..n_rows)
                    .filter(|&r| c < cells[r].len())
                    .map(|r| (r, c))
                    .collect()
            }))
            .collect();
        for line in lines {
            if line.len() < 2 || line.iter().filter(|&&(r, c)| hidden(&out[r][c])).count() != 1 {
                continue;
            }
            if let Some((r, c)) = smallest_shown(cells, &out, &line) {
                out[r][c] = Some(Published::Secondary);
                changed = true;
            }
        }
        if !changed {
            return out;
        }
    }
}

/// The interval of true values an attacker can deduce for each hidden cell from the published
/// table and its exact row and column totals, by constraint propagation.
///
/// # Method
/// Every shown cell is known to within its rounding (`±b/2`), every primary-hidden cell lies in
/// the rule's range, every secondary-hidden cell is at least 0; each row and column sums to its
/// total, which the attacker knows as published under the same rule (hidden when small, rounded
/// when the rule rounds, else exactly). Bounds are tightened from each line until nothing changes (interval propagation, as in
/// the "audit" step of cell-suppression software).
///
/// # Formula
/// For a line with total `T`: `x_i ∈ [T − Σ_{j≠i} hi_j, T − Σ_{j≠i} lo_j]`.
///
/// # References
/// Hundepool et al. (2012), §4.3 (auditing a suppression pattern).
///
/// # Edge cases
/// The intervals are sound (the true value is always inside) but may be wider than an exact
/// integer-programming attack would get; a cell whose interval holds a single integer is
/// recovered.
pub fn attack(
    cells: &[Vec<Option<f64>>],
    protected: &Protected,
    rule: &Rule,
) -> Vec<Vec<Option<(f64, f64)>>> {
    let published = &protected.cells;
    let half = rule.round_to / 2.0;
    let mut bounds: Vec<Vec<Option<(f64, f64)>>> = published
        .iter()
        .map(|row| {
            row.iter()
                .map(|p| {
                    p.map(|p| match p {
                        // Rounding to the nearest b: the true value is within b/2 (integers: b/2 − ½).
                        Published::Value(v) if rule.round_to > 0.0 => {
                            ((v - half).max(0.0).ceil(), (v + half).floor())
                        }
                        Published::Value(v) => (v, v),
                        Published::Primary => (rule.suppress_from.max(0.0), rule.suppress_to),
                        Published::Secondary => (0.0, f64::INFINITY),
                    })
                })
                .collect()
        })
        .collect();
    let n_rows = cells.len();
    let n_cols = cells.iter().map(Vec::len).max().unwrap_or(0);
    let lines: Vec<Vec<(usize, usize)>> = (0..n_rows)
        .map(|r| {
            (0..cells[r].len())
                .filter(|&c| cells[r][c].is_some())
                .map(|c| (r, c))
                .collect()
        })
        .chain((0..n_cols).map(|c| {
            (0..n_rows)
                .filter(|&r| c < cells[r].len() && cells[r][c].is_some())
                .map(|r| (r, c))
                .collect()
        }))
        .collect();
    // Line totals as the attacker sees them: published under the same rule (hidden when small,
    // rounded when the rule rounds, else exact).
    let total_bounds = |t: f64| -> (f64, f64) {
        if rule.hides(t) {
            (rule.suppress_from.max(0.0), rule.suppress_to)
        } else if !rule.rounds() {
            (t, t)
        } else {
            let v = rule.publish(t);
            ((v - half).max(0.0).ceil(), (v + half).floor())
        }
    };
    for _ in 0..100 {
        let mut changed = false;
        for (k, line) in lines.iter().enumerate() {
            // Lines 0..n_rows are rows, the rest columns; a withheld total constrains nothing, and
            // a line of one cell has no total apart from the cell itself.
            if line.len() < 2 {
                continue;
            }
            let withheld = if k < n_rows {
                protected.withheld_rows[k]
            } else {
                protected.withheld_columns[k - n_rows]
            };
            if withheld {
                continue;
            }
            let (t_lo, t_hi) =
                total_bounds(line.iter().map(|&(r, c)| cells[r][c].unwrap_or(0.0)).sum());
            let lo_sum: f64 = line
                .iter()
                .map(|&(r, c)| bounds[r][c].map_or(0.0, |b| b.0))
                .sum();
            let hi_sum: f64 = line
                .iter()
                .map(|&(r, c)| bounds[r][c].map_or(0.0, |b| b.1))
                .sum();
            for &(r, c) in line {
                let Some((lo, hi)) = bounds[r][c] else {
                    continue;
                };
                let new_lo = lo.max(t_lo - (hi_sum - hi));
                let new_hi = hi.min(t_hi - (lo_sum - lo));
                if new_lo > lo + 1e-9 || new_hi < hi - 1e-9 {
                    bounds[r][c] = Some((new_lo, new_hi));
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    published
        .iter()
        .zip(bounds)
        .map(|(row, b)| {
            row.iter()
                .zip(b)
                .map(|(p, b)| {
                    if matches!(p, Some(Published::Primary | Published::Secondary)) {
                        b
                    } else {
                        None
                    }
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[&[f64]]) -> Vec<Vec<Option<f64>>> {
        rows.iter()
            .map(|r| r.iter().map(|v| Some(*v)).collect())
            .collect()
    }

    #[test]
    fn nhs_mha_and_hes_rules() {
        let t = table(&[&[0., 3., 4., 5., 7., 8., 12., 13.]]);
        let mha = apply(&t, &Rule::NHS_MHA).cells;
        let shown: Vec<String> = mha[0]
            .iter()
            .map(|p| match p.unwrap() {
                Published::Value(v) => v.to_string(),
                _ => "*".into(),
            })
            .collect();
        assert_eq!(shown, ["*", "*", "*", "5", "5", "10", "10", "15"]);
        let hes = apply(&t, &Rule::HES_2018).cells;
        let shown: Vec<String> = hes[0]
            .iter()
            .map(|p| match p.unwrap() {
                Published::Value(v) => v.to_string(),
                _ => "*".into(),
            })
            .collect();
        assert_eq!(shown, ["0", "*", "*", "*", "*", "10", "10", "15"]);
    }

    #[test]
    fn without_rounding_a_lone_hidden_cell_gets_a_partner() {
        let rule = Rule::custom(5.0, 0.0, false).unwrap();
        let t = table(&[&[3., 20., 30.], &[40., 50., 60.]]);
        let p = apply(&t, &rule);
        assert_eq!(p.cells[0][0], Some(Published::Primary));
        // Row 0 needs a second hidden cell (20), then column 0 and column 1 need partners.
        let hidden = p
            .cells
            .iter()
            .flatten()
            .filter(|c| matches!(c, Some(Published::Primary | Published::Secondary)))
            .count();
        assert!(hidden >= 4, "{p:?}");
        for line in attack(&t, &p, &rule).iter().flatten().flatten() {
            assert!(
                line.1 - line.0 >= 1.0,
                "a hidden cell was pinned down: {line:?}"
            );
        }
    }

    #[test]
    fn what_one_published_cell_tells_an_attacker() {
        let mha = Rule::NHS_MHA;
        assert_eq!(mha.range_of(None), (0.0, 4.0));
        // 5 comes from 5, 6, 7 (3 and 4 are hidden); 10 from 8 to 12.
        assert_eq!(mha.range_of(Some(5.0)), (5.0, 7.0));
        assert_eq!(mha.range_of(Some(10.0)), (8.0, 12.0));
        assert_eq!(mha.protection(12.0), (8.0, 12.0));
        assert_eq!(mha.protection(13.0), (13.0, 17.0));
        assert_eq!(mha.protection(2.0), (0.0, 4.0));
        let hes = Rule::HES_2018;
        assert_eq!(hes.range_of(Some(0.0)), (0.0, 0.0));
        assert_eq!(hes.range_of(None), (1.0, 7.0));
        assert_eq!(hes.range_of(Some(10.0)), (8.0, 12.0));
        // Every count in its protection range publishes the same.
        for x in 0..200 {
            let x = f64::from(x);
            let (lo, hi) = mha.protection(x);
            assert!(lo <= x && x <= hi);
            let mut y = lo;
            while y <= hi {
                assert_eq!(mha.hides(y), mha.hides(x));
                if !mha.hides(x) {
                    assert_eq!(mha.publish(y), mha.publish(x));
                }
                y += 1.0;
            }
            assert!(
                mha.hides(lo - 1.0) != mha.hides(x)
                    || mha.publish(lo - 1.0) != mha.publish(x)
                    || lo == 0.0
            );
        }
    }

    #[test]
    fn propagation_recovers_a_cell_from_its_margin_and_not_from_rounded_ones() {
        // x0 + x1 = t with x1 = 7 and t = 10 known exactly: x0 = 3.
        let mut b = vec![(0.0, 4.0), (7.0, 7.0), (10.0, 10.0)];
        let eq = vec![vec![(2usize, -1.0), (0, 1.0), (1, 1.0)]];
        assert!(propagate(&mut b, &eq, &[], 10));
        assert_eq!(b[0], (3.0, 3.0));
        // Rounded: x1 ∈ 8..12, t ∈ 8..12: x0 ∈ 0..4 still.
        let mut b = vec![(0.0, 4.0), (8.0, 12.0), (8.0, 12.0)];
        assert!(propagate(&mut b, &eq, &[], 10));
        assert_eq!(b[0], (0.0, 4.0));
        // A small total narrows a hidden cell: t ∈ 5..7, x1 ∈ 5..7 → x0 ≤ 2.
        let mut b = vec![(0.0, 4.0), (5.0, 7.0), (5.0, 7.0)];
        assert!(propagate(&mut b, &eq, &[], 10));
        assert_eq!(b[0], (0.0, 2.0));
        // An unbounded (secondary) cell frees it; an order constraint bounds it.
        let mut b = vec![(0.0, 4.0), (0.0, f64::INFINITY), (5.0, 7.0), (0.0, 1.0)];
        assert!(propagate(&mut b, &eq, &[(1, 3)], 10));
        assert_eq!(b[1], (1.0, 1.0));
        assert_eq!(b[0], (4.0, 4.0));
    }

    #[test]
    fn exact_search_finds_what_propagation_misses() {
        // x0 + x1 = 3 and x0 − x1 = 1 (as x0 = x1 + 1) with both in 0..3: propagation keeps
        // x0 in 1..3, but the only whole solution is x0 = 2, x1 = 1.
        let eqs = vec![
            vec![(0usize, 1.0), (1, 1.0), (2, -1.0)],
            vec![(0, 1.0), (1, -1.0), (3, -1.0)],
        ];
        let base = vec![(0.0, 3.0), (0.0, 3.0), (3.0, 3.0), (1.0, 1.0)];
        let mut b = base.clone();
        assert!(propagate(&mut b, &eqs, &[], 50));
        assert!(b[0].1 - b[0].0 >= 1.0, "propagation alone pins it: {b:?}");
        let mut budget = 1000;
        for (y, want) in [(1.0, false), (2.0, true), (3.0, false)] {
            let mut b = base.clone();
            b[0] = (y, y);
            let got = search(&b, &eqs, &[], &[], &mut budget);
            assert_eq!(matches!(got, Search::Found(_)), want, "x0 = {y}: {got:?}");
            if !want {
                assert_eq!(got, Search::Infeasible);
            }
        }
        // A witness meets every constraint.
        let Search::Found(x) = search(&base, &eqs, &[], &[2.0, 1.0, 3.0, 1.0], &mut budget) else {
            panic!("feasible")
        };
        assert_eq!(x, [2.0, 1.0, 3.0, 1.0]);
    }

    #[test]
    fn exact_search_says_undecided_when_its_budget_ends() {
        // Parity: 2·x = 7 has no whole solution, which propagation cannot see; with a budget of
        // one node the search cannot prove it.
        let eqs = vec![
            vec![(0usize, 1.0), (1, 1.0), (2, -1.0)],
            vec![(0, 1.0), (1, -1.0)],
        ];
        let b = vec![(0.0, 10.0), (0.0, 10.0), (7.0, 7.0)];
        let mut budget = 1;
        assert_eq!(search(&b, &eqs, &[], &[], &mut budget), Search::Undecided);
        let mut budget = 10_000;
        assert_eq!(search(&b, &eqs, &[], &[], &mut budget), Search::Infeasible);
        // x0 = x1 and x0 = x1 + 1 over unbounded domains: no solution, but one that the search
        // cannot prove (its domains never close), so it is undecided, never infeasible.
        let eqs = vec![
            vec![(0usize, 1.0), (1, -1.0)],
            vec![(0, 1.0), (1, -1.0), (2, -1.0)],
        ];
        let b = vec![(0.0, f64::INFINITY), (0.0, f64::INFINITY), (1.0, 1.0)];
        let mut budget = 200;
        assert_eq!(search(&b, &eqs, &[], &[], &mut budget), Search::Undecided);
    }

    #[test]
    fn a_lone_hidden_cell_without_rounding_would_be_recovered() {
        // The attack is real: with primary suppression only, the cell is the row total minus the rest.
        let rule = Rule::custom(5.0, 0.0, false).unwrap();
        let t = table(&[&[3., 20., 30.]]);
        let mut p = apply(&t, &rule);
        // Undo every protection but the primary one.
        p.cells[0][1] = Some(Published::Value(20.0));
        p.cells[0][2] = Some(Published::Value(30.0));
        p.withheld_rows = vec![false];
        p.withheld_columns = vec![false; 3];
        let b = attack(&t, &p, &rule);
        assert_eq!(b[0][0], Some((3.0, 3.0)));
    }
}
