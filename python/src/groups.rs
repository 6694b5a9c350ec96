//! Rows grouped by the text of key columns, groups sorted by key as the command line sorts them:
//! numerically where both cells are numbers, else by bytes. Input row order never changes the
//! output.

use std::cmp::Ordering;

use crate::frame::{FastMap, Keys};

/// Groups stored flat: group `g` is `order[offsets[g]..offsets[g + 1]]`, rows in input order.
pub struct Groups {
    order: Vec<usize>,
    offsets: Vec<usize>,
}

impl Groups {
    /// Groups `n_rows` rows by `keys` (one group of every row when there are no key columns).
    pub fn new(keys: &Keys, n_rows: usize) -> Groups {
        if keys.width() == 0 {
            return Groups {
                order: (0..n_rows).collect(),
                offsets: vec![0, n_rows],
            };
        }
        let same_as_previous =
            |row: usize| (0..keys.width()).all(|k| keys.text(k, row) == keys.text(k, row - 1));
        let mut group_of: Vec<usize> = Vec::with_capacity(n_rows);
        let mut first_rows: Vec<usize> = Vec::new();
        let mut lookup: FastMap<String, usize> = FastMap::default();
        let mut key = String::new();
        for row in 0..n_rows {
            // Rows of a group usually come together: no hashing for those.
            if row > 0 && same_as_previous(row) {
                group_of.push(group_of[row - 1]);
                continue;
            }
            key.clear();
            for k in 0..keys.width() {
                if k > 0 {
                    key.push('\u{1f}');
                }
                key.push_str(keys.text(k, row));
            }
            let g = match lookup.get(key.as_str()) {
                Some(&g) => g,
                None => {
                    lookup.insert(key.clone(), first_rows.len());
                    first_rows.push(row);
                    first_rows.len() - 1
                }
            };
            group_of.push(g);
        }
        let mut by_key: Vec<usize> = (0..first_rows.len()).collect();
        by_key.sort_by(|&a, &b| compare_rows(keys, first_rows[a], first_rows[b]));
        let mut rank = vec![0; first_rows.len()];
        for (r, &g) in by_key.iter().enumerate() {
            rank[g] = r;
        }
        let mut offsets = vec![0; first_rows.len() + 1];
        for &g in &group_of {
            offsets[rank[g] + 1] += 1;
        }
        for i in 1..offsets.len() {
            offsets[i] += offsets[i - 1];
        }
        let mut next = offsets.clone();
        let mut order = vec![0; n_rows];
        for (row, &g) in group_of.iter().enumerate() {
            let slot = &mut next[rank[g]];
            order[*slot] = row;
            *slot += 1;
        }
        Groups { order, offsets }
    }

    /// Number of groups.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// The rows of each group, in group order.
    pub fn iter(&self) -> impl Iterator<Item = &[usize]> {
        self.offsets.windows(2).map(|w| &self.order[w[0]..w[1]])
    }

    /// The first row of every group, in group order.
    pub fn first_rows(&self) -> Vec<usize> {
        self.iter().map(|rows| rows[0]).collect()
    }
}

/// Orders two rows by their keys: numerically where both cells are numbers, else by bytes.
fn compare_rows(keys: &Keys, a: usize, b: usize) -> Ordering {
    for k in 0..keys.width() {
        let (x, y) = (keys.text(k, a), keys.text(k, b));
        let ord = match (x.trim().parse::<f64>(), y.trim().parse::<f64>()) {
            (Ok(p), Ok(q)) => p.total_cmp(&q),
            _ => x.as_bytes().cmp(y.as_bytes()),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

/// A description of a group for messages: `group area=E06000001, year=2023` or `all rows`.
pub fn describe(keys: &Keys, names: &[String], row: usize) -> String {
    if names.is_empty() {
        return "all rows".to_string();
    }
    let parts: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(k, n)| format!("{n}={}", keys.text(k, row)))
        .collect();
    format!("group {}", parts.join(", "))
}
