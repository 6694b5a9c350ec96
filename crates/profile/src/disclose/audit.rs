//! The attacker audit of one period's counts: the system of equations an attacker knows the
//! published counts obey, bounds propagation and the exact integer search over it, and repair
//! by more suppression until neither finds a count narrowed beyond its protection range.

use std::collections::{BTreeMap, HashMap, HashSet};

use levelfield_stats::disclosure::{Published, Rule, Search, propagate, search};

/// Rounds of audit and repair before what is left is reported as residual.
pub(super) const ROUNDS: usize = 40;

/// The exact integer search runs on connected components of at most this many counts; larger
/// ones are left to bounds propagation (and said so in `disclosure_audit`).
pub(super) const EXACT_MAX: usize = 120;

/// Search nodes one exact check may spend before it is reported as undecided.
pub(super) const EXACT_BUDGET: usize = 5_000;

/// Search nodes the exact checks of one component may spend in all.
pub(super) const EXACT_COMPONENT_BUDGET: usize = 100_000;

/// A count as published.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum State {
    Shown(f64),
    Primary,
    Secondary,
}

impl State {
    pub(super) fn hidden(self) -> bool {
        !matches!(self, State::Shown(_))
    }
}

/// Counts with the equations an attacker knows they obey (margins, shared totals) and the
/// order constraints (a proportion's numerator is at most its denominator).
#[derive(Default)]
pub(super) struct System {
    pub(super) truth: Vec<f64>,
    pub(super) state: Vec<State>,
    pub(super) equations: Vec<Vec<(usize, f64)>>,
    pub(super) at_most: Vec<(usize, usize)>,
    /// Counts a reader knows are zero from the tables' shape (a row missing where another
    /// statistic of the same cell has one): known to the attacker, not excused as the rule's
    /// doing.
    pub(super) zero: Vec<usize>,
}

/// What one audit found.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Outcome {
    pub(super) checked: usize,
    pub(super) repaired: usize,
    pub(super) residual: usize,
    pub(super) rounds: usize,
    /// The exact search's last pass.
    pub(super) exact: Exact,
    /// Counts the exact search found disclosed (before repair), over all rounds.
    pub(super) exact_found: usize,
    /// Of `residual`, those only the exact search finds.
    pub(super) exact_residual: usize,
}

/// What the exact integer search of one system's components covered.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Exact {
    /// Components searched, and the counts in them.
    pub(super) components: usize,
    pub(super) counts: usize,
    /// Components larger than [`EXACT_MAX`], and the counts in them.
    pub(super) large: usize,
    pub(super) large_counts: usize,
    /// Counts whose check ran out of budget.
    pub(super) undecided: usize,
}

impl System {
    pub(super) fn push(&mut self, truth: f64, state: State) -> usize {
        self.truth.push(truth);
        self.state.push(state);
        self.truth.len() - 1
    }

    /// `total = Σ parts`, kept only when the data obey it (an attacker cannot use a false one).
    pub(super) fn equation(&mut self, total: usize, parts: &[usize]) {
        if parts.is_empty() {
            return;
        }
        let sum: f64 = parts.iter().map(|&p| self.truth[p]).sum();
        if (sum - self.truth[total]).abs() > 1e-6 {
            return;
        }
        let mut eq = Vec::with_capacity(parts.len() + 1);
        eq.push((total, -1.0));
        eq.extend(parts.iter().map(|&p| (p, 1.0)));
        self.equations.push(eq);
    }

    /// Hides a shown count as secondary (a primary one stays primary).
    pub(super) fn hide(&mut self, v: usize) {
        if !self.state[v].hidden() {
            self.state[v] = State::Secondary;
        }
    }

    pub(super) fn prior(&self, rule: &Rule, v: usize) -> (f64, f64) {
        match self.state[v] {
            State::Shown(x) => rule.range_of(Some(x)),
            State::Primary => rule.range_of(None),
            State::Secondary => (0.0, f64::INFINITY),
        }
    }

    /// The attacker's bounds on every count from what is published.
    pub(super) fn attack(&self, rule: &Rule) -> Vec<(f64, f64)> {
        let mut bounds: Vec<(f64, f64)> =
            (0..self.truth.len()).map(|v| self.prior(rule, v)).collect();
        for &v in &self.zero {
            bounds[v] = (0.0, 0.0);
        }
        propagate(&mut bounds, &self.equations, &self.at_most, 64);
        bounds
    }

    /// What the suppression pattern alone implies: hidden counts in their ranges, shown ones
    /// unknown. With zeros published (HES), two hidden parts of a total make it at least 2
    /// whatever else is shown — the rule's own doing, which no further suppression undoes.
    pub(super) fn pattern(&self, rule: &Rule) -> Vec<(f64, f64)> {
        let mut bounds: Vec<(f64, f64)> = (0..self.truth.len())
            .map(|v| match self.state[v] {
                State::Primary => rule.range_of(None),
                _ => (0.0, f64::INFINITY),
            })
            .collect();
        propagate(&mut bounds, &self.equations, &self.at_most, 64);
        bounds
    }

    /// Counts whose feasible range no longer covers their protection range (within what the
    /// suppression pattern alone implies): the published figures narrowed them.
    pub(super) fn disclosed(&self, rule: &Rule) -> Vec<usize> {
        let bounds = self.attack(rule);
        let pattern = self.pattern(rule);
        (0..self.truth.len())
            .filter(|&v| {
                let (lo, hi) = rule.protection(self.truth[v]);
                let (lo, hi) = (lo.max(pattern[v].0), hi.min(pattern[v].1));
                bounds[v].0 > lo + 1e-9 || bounds[v].1 < hi - 1e-9
            })
            .collect()
    }

    /// The connected components of the system (counts linked by an equation or an order
    /// constraint), each in ascending order.
    pub(super) fn components(&self) -> Vec<Vec<usize>> {
        let n = self.truth.len();
        let mut parent: Vec<usize> = (0..n).collect();
        fn root(parent: &mut [usize], mut v: usize) -> usize {
            while parent[v] != v {
                parent[v] = parent[parent[v]];
                v = parent[v];
            }
            v
        }
        let mut join = |a: usize, b: usize| {
            let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
            if ra != rb {
                parent[ra.max(rb)] = ra.min(rb);
            }
        };
        for eq in &self.equations {
            for w in eq.windows(2) {
                join(w[0].0, w[1].0);
            }
        }
        for &(x, y) in &self.at_most {
            join(x, y);
        }
        let mut by_root: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for v in 0..n {
            let r = root(&mut parent, v);
            by_root.entry(r).or_default().push(v);
        }
        by_root.into_values().collect()
    }

    /// The exact attack: for every count of a component of at most [`EXACT_MAX`] counts,
    /// whether some whole-number assignment meeting everything published puts it at (or
    /// beyond) each end of its protection range. Returns the counts for which one end cannot be
    /// reached, or could not be shown reachable within the budget (treated alike: repaired),
    /// and what was covered.
    ///
    /// Witnesses (complete assignments) are kept and reused: a count already at an end in one
    /// of them needs no search. The true counts are the first witness and guide every search.
    pub(super) fn exact(&self, rule: &Rule) -> (Vec<usize>, Exact) {
        let bounds = self.attack(rule);
        let pattern = self.pattern(rule);
        let mut cover = Exact::default();
        let mut disclosed = Vec::new();
        let mut touches: Vec<Vec<usize>> = vec![Vec::new(); self.truth.len()];
        for (e, eq) in self.equations.iter().enumerate() {
            if let Some(&(v, _)) = eq.first() {
                touches[v].push(e);
            }
        }
        let mut order_of: Vec<Vec<usize>> = vec![Vec::new(); self.truth.len()];
        for (k, &(x, _)) in self.at_most.iter().enumerate() {
            order_of[x].push(k);
        }
        for comp in self.components() {
            // A count on its own is covered by propagation exactly (its prior is its range).
            if comp.len() < 2 {
                continue;
            }
            if comp.len() > EXACT_MAX {
                cover.large += 1;
                cover.large_counts += comp.len();
                continue;
            }
            cover.components += 1;
            cover.counts += comp.len();
            let local: HashMap<usize, usize> =
                comp.iter().enumerate().map(|(i, &v)| (v, i)).collect();
            let equations: Vec<Vec<(usize, f64)>> = comp
                .iter()
                .flat_map(|&v| touches[v].iter())
                .map(|&e| {
                    self.equations[e]
                        .iter()
                        .map(|&(w, a)| (local[&w], a))
                        .collect()
                })
                .collect();
            let at_most: Vec<(usize, usize)> = comp
                .iter()
                .flat_map(|&v| order_of[v].iter())
                .map(|&k| (local[&self.at_most[k].0], local[&self.at_most[k].1]))
                .collect();
            // A hidden count with no bound the attacker can prove is searched up to a cap far
            // above every count of its component: a solution beyond it is no less a solution,
            // so the cap can only make the audit see more disclosure than there is, never less.
            let truth: Vec<f64> = comp.iter().map(|&v| self.truth[v]).collect();
            let cap = 1000.0_f64.max(10.0 * truth.iter().copied().fold(0.0, f64::max));
            let b: Vec<(f64, f64)> = comp
                .iter()
                .map(|&v| (bounds[v].0, bounds[v].1.min(cap.max(bounds[v].0))))
                .collect();
            let mut witnesses = vec![truth.clone()];
            let mut left = EXACT_COMPONENT_BUDGET;
            for (i, &v) in comp.iter().enumerate() {
                let (lo, hi) = rule.protection(self.truth[v]);
                let (lo, hi) = (lo.max(pattern[v].0), hi.min(pattern[v].1));
                let mut bad = false;
                for low in [true, false] {
                    let reached = |w: &Vec<f64>| if low { w[i] <= lo } else { w[i] >= hi };
                    if witnesses.iter().any(reached) {
                        continue;
                    }
                    let mut c = b.clone();
                    if low {
                        c[i].1 = c[i].1.min(lo);
                    } else {
                        c[i].0 = c[i].0.max(hi);
                    }
                    let mut budget = EXACT_BUDGET.min(left);
                    let given = budget;
                    let found = search(&c, &equations, &at_most, &truth, &mut budget);
                    left -= given - budget;
                    match found {
                        Search::Found(w) => witnesses.push(w),
                        Search::Infeasible => bad = true,
                        // Not proven safe is treated as disclosed: repaired like one.
                        Search::Undecided => {
                            cover.undecided += 1;
                            bad = true;
                            break;
                        }
                    }
                }
                if bad {
                    disclosed.push(v);
                }
            }
        }
        (disclosed, cover)
    }

    /// Audits, repairs and audits again until nothing is disclosed (or [`ROUNDS`] pass).
    ///
    /// Repair of a disclosed count: hide the smallest shown non-zero count of an equation
    /// through it (its complement) — or, when every partner is hidden, the nearest shown count
    /// beyond them; a shown count with none is hidden itself.
    pub(super) fn audit(&mut self, rule: &Rule) -> Outcome {
        let mut touches: Vec<Vec<usize>> = vec![Vec::new(); self.truth.len()];
        for (e, eq) in self.equations.iter().enumerate() {
            for &(v, _) in eq {
                touches[v].push(e);
            }
        }
        for &(x, y) in &self.at_most {
            touches[x].push(usize::MAX - y);
            touches[y].push(usize::MAX - x);
        }
        let mut outcome = Outcome {
            checked: self.truth.len(),
            ..Outcome::default()
        };
        for round in 0..ROUNDS {
            outcome.rounds = round + 1;
            let mut bad = self.disclosed(rule);
            let from_exact = bad.is_empty();
            if from_exact {
                // Propagation finds nothing: the exact search next.
                let (found, cover) = self.exact(rule);
                outcome.exact = cover;
                if found.is_empty() {
                    return outcome;
                }
                outcome.exact_found += found.len();
                bad = found;
            }
            let mut any = false;
            for v in bad.iter().copied() {
                // The nearest shown counts: partners in `v`'s equations, else partners of
                // its hidden partners, and so on outwards.
                let key = |w: usize| (self.truth[w] <= 0.0, self.truth[w]);
                let neighbours = |u: usize| -> Vec<usize> {
                    touches[u]
                        .iter()
                        .flat_map(|&e| -> Vec<usize> {
                            if e > usize::MAX / 2 {
                                vec![usize::MAX - e]
                            } else {
                                self.equations[e].iter().map(|&(w, _)| w).collect()
                            }
                        })
                        .collect()
                };
                let mut seen: HashSet<usize> = HashSet::from([v]);
                let mut frontier = vec![v];
                let mut best: Option<usize> = None;
                while best.is_none() && !frontier.is_empty() {
                    let mut next = Vec::new();
                    for u in frontier {
                        for w in neighbours(u) {
                            if seen.insert(w) {
                                next.push(w);
                            }
                        }
                    }
                    best = next
                        .iter()
                        .copied()
                        .filter(|&w| !self.state[w].hidden())
                        .min_by(|&a, &b| {
                            key(a)
                                .partial_cmp(&key(b))
                                .unwrap_or(std::cmp::Ordering::Equal)
                        });
                    frontier = next;
                }
                let target = best.or((!self.state[v].hidden()).then_some(v));
                if let Some(t) = target
                    && !self.state[t].hidden()
                {
                    self.state[t] = State::Secondary;
                    outcome.repaired += 1;
                    any = true;
                }
            }
            if !any {
                outcome.residual = bad.len();
                if from_exact {
                    outcome.exact_residual = bad.len();
                }
                return outcome;
            }
        }
        let left = self.disclosed(rule);
        outcome.residual = if left.is_empty() {
            let (found, cover) = self.exact(rule);
            outcome.exact = cover;
            outcome.exact_residual = found.len();
            found.len()
        } else {
            left.len()
        };
        outcome
    }
}

/// The state of each count of a table after [`apply`].
pub(super) fn states(p: &[Option<Published>]) -> Vec<Option<State>> {
    p.iter()
        .map(|c| {
            c.map(|c| match c {
                Published::Value(v) => State::Shown(v),
                Published::Primary => State::Primary,
                Published::Secondary => State::Secondary,
            })
        })
        .collect()
}

pub(super) fn first(rule: &Rule, x: f64) -> State {
    if rule.hides(x) {
        State::Primary
    } else {
        State::Shown(rule.publish(x))
    }
}
