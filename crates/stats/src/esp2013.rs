//! The 2013 European Standard Population in 19 five-year age bands (0–4 … 85–89, 90+).

/// ESP2013 weights for age bands 1 (0–4) to 19 (90+); they sum to 100,000.
///
/// Source: Eurostat (2013), *Revision of the European Standard Population*, Report of Eurostat's
/// task force, Methodologies and Working papers, ISBN 978-92-79-31094-2. The first two ESP bands
/// (under 1 and 1–4: 1,000 and 4,000) are combined into 0–4, as PHEindicatormethods' `esp2013`.
pub const ESP2013: [f64; 19] = [
    5000.0, 5500.0, 5500.0, 5500.0, 6000.0, 6000.0, 6500.0, 7000.0, 7000.0, 7000.0, 7000.0, 6500.0,
    6000.0, 5500.0, 5000.0, 4000.0, 2500.0, 1500.0, 1000.0,
];

/// The ESP2013 weight of age band `band` (1 to 19), or `None` for any other number.
pub fn weight(band: f64) -> Option<f64> {
    if band.fract() != 0.0 || !(1.0..=19.0).contains(&band) {
        return None;
    }
    Some(ESP2013[band as usize - 1])
}

#[cfg(test)]
mod tests {
    #[test]
    fn sums_to_100000() {
        assert_eq!(super::ESP2013.iter().sum::<f64>(), 100000.0);
        assert_eq!(super::weight(1.0), Some(5000.0));
        assert_eq!(super::weight(19.0), Some(1000.0));
        assert_eq!(super::weight(20.0), None);
        assert_eq!(super::weight(2.5), None);
    }
}
