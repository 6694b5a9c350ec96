//! Age bands: the 19 bands of the 2013 European Standard Population, the six bands of NHS
//! England's Mental Health Act statistics, and plain 5-year bands.
//!
//! Source: Eurostat, *Revision of the European Standard Population* (2013), table 5.1;
//! NHS England, *Mental Health Act Statistics, Annual Figures* metadata (`AgeRepPeriodEnd` bands
//! "15 and under", "16-17", "18-34", "35-49", "50-64", "65 and over").

use crate::UnknownCode;

/// A band scheme. (The ESP2013 weights themselves live with the statistics, in
/// `levelfield_stats::esp2013`; band `i` here is weight `i` there.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// ESP2013: 0–4, 5–9, …, 85–89, 90+ (19 bands; the first is 0–4, not split at 1).
    Esp2013,
    /// NHS MHA statistics: 15 and under, 16–17, 18–34, 35–49, 50–64, 65 and over.
    NhsMha,
    /// 5-year bands 0–4, 5–9, … with an open top band at 90+.
    FiveYear,
}

/// One band: inclusive lower bound and inclusive upper bound (`None` for the open top band).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Band {
    /// Lowest age in the band.
    pub lower: u32,
    /// Highest age in the band, or `None` for "and over".
    pub upper: Option<u32>,
    /// The label used in outputs.
    pub label: &'static str,
}

const ESP2013: [Band; 19] = [
    Band {
        lower: 0,
        upper: Some(4),
        label: "0-4",
    },
    Band {
        lower: 5,
        upper: Some(9),
        label: "5-9",
    },
    Band {
        lower: 10,
        upper: Some(14),
        label: "10-14",
    },
    Band {
        lower: 15,
        upper: Some(19),
        label: "15-19",
    },
    Band {
        lower: 20,
        upper: Some(24),
        label: "20-24",
    },
    Band {
        lower: 25,
        upper: Some(29),
        label: "25-29",
    },
    Band {
        lower: 30,
        upper: Some(34),
        label: "30-34",
    },
    Band {
        lower: 35,
        upper: Some(39),
        label: "35-39",
    },
    Band {
        lower: 40,
        upper: Some(44),
        label: "40-44",
    },
    Band {
        lower: 45,
        upper: Some(49),
        label: "45-49",
    },
    Band {
        lower: 50,
        upper: Some(54),
        label: "50-54",
    },
    Band {
        lower: 55,
        upper: Some(59),
        label: "55-59",
    },
    Band {
        lower: 60,
        upper: Some(64),
        label: "60-64",
    },
    Band {
        lower: 65,
        upper: Some(69),
        label: "65-69",
    },
    Band {
        lower: 70,
        upper: Some(74),
        label: "70-74",
    },
    Band {
        lower: 75,
        upper: Some(79),
        label: "75-79",
    },
    Band {
        lower: 80,
        upper: Some(84),
        label: "80-84",
    },
    Band {
        lower: 85,
        upper: Some(89),
        label: "85-89",
    },
    Band {
        lower: 90,
        upper: None,
        label: "90+",
    },
];

const NHS_MHA: [Band; 6] = [
    Band {
        lower: 0,
        upper: Some(15),
        label: "15 and under",
    },
    Band {
        lower: 16,
        upper: Some(17),
        label: "16-17",
    },
    Band {
        lower: 18,
        upper: Some(34),
        label: "18-34",
    },
    Band {
        lower: 35,
        upper: Some(49),
        label: "35-49",
    },
    Band {
        lower: 50,
        upper: Some(64),
        label: "50-64",
    },
    Band {
        lower: 65,
        upper: None,
        label: "65 and over",
    },
];

impl Scheme {
    /// The bands of the scheme, youngest first.
    pub fn bands(self) -> &'static [Band] {
        match self {
            // ESP2013 and 5-year bands coincide: both open at 90.
            Scheme::Esp2013 | Scheme::FiveYear => &ESP2013,
            Scheme::NhsMha => &NHS_MHA,
        }
    }

    /// The band holding an age in whole years.
    ///
    /// ```
    /// use levelfield_model::age::Scheme;
    /// assert_eq!(Scheme::NhsMha.band(17).label, "16-17");
    /// assert_eq!(Scheme::Esp2013.band(95).label, "90+");
    /// ```
    pub fn band(self, age: u32) -> &'static Band {
        let bands = self.bands();
        bands
            .iter()
            .find(|b| b.upper.is_none_or(|u| age <= u))
            .unwrap_or(&bands[bands.len() - 1])
    }

    /// The band with a label, accepting the common spellings (`65+`, `65 and over`,
    /// `65 & over`, `65-69`, `65 to 69`; case and spaces ignored).
    ///
    /// # Errors
    /// [`UnknownCode`] when the label is not a band of this scheme.
    pub fn parse(self, label: &str) -> Result<&'static Band, UnknownCode> {
        let norm = normalise(label);
        self.bands().iter().find(|b| normalise(b.label) == norm).ok_or_else(|| UnknownCode {
            code: label.trim().to_string(),
            what: "age band of this scheme",
            hint: "use the scheme's bands, e.g. `18-34` or `65+`; pick a scheme with --age-bands",
        })
    }
}

/// Canonical form of a band label: `65and over` → `65+`, `15 and under` → `0-15`, `65 to 69` → `65-69`.
fn normalise(label: &str) -> String {
    let s: String = label
        .to_ascii_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let s = s.replace("to", "-");
    for open in ["andover", "&over", "plus", "+"] {
        if let Some(lower) = s.strip_suffix(open) {
            return format!("{lower}+");
        }
    }
    for under in ["andunder", "&under"] {
        if let Some(upper) = s.strip_suffix(under) {
            return format!("0-{upper}");
        }
    }
    if let Some(upper) = s.strip_prefix("under") {
        return upper
            .parse::<u32>()
            .map(|u| format!("0-{}", u.saturating_sub(1)))
            .unwrap_or(s);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_cover_every_age_once_and_in_order() {
        for scheme in [Scheme::Esp2013, Scheme::NhsMha, Scheme::FiveYear] {
            let bands = scheme.bands();
            assert_eq!(bands[0].lower, 0);
            assert!(bands.last().unwrap().upper.is_none());
            for w in bands.windows(2) {
                assert_eq!(w[0].upper.unwrap() + 1, w[1].lower, "{scheme:?} has a gap");
            }
            for age in 0..=120 {
                let b = scheme.band(age);
                assert!(b.lower <= age && b.upper.is_none_or(|u| age <= u));
            }
        }
    }

    #[test]
    fn labels_parse_in_their_common_spellings() {
        assert_eq!(Scheme::NhsMha.parse("65 and over").unwrap().lower, 65);
        assert_eq!(Scheme::NhsMha.parse("65+").unwrap().lower, 65);
        assert_eq!(
            Scheme::NhsMha.parse("15 and under").unwrap().upper,
            Some(15)
        );
        assert_eq!(Scheme::NhsMha.parse("Under 16").unwrap().upper, Some(15));
        assert_eq!(Scheme::NhsMha.parse("18 to 34").unwrap().lower, 18);
        assert_eq!(Scheme::Esp2013.parse("90 plus").unwrap().lower, 90);
        let err = Scheme::NhsMha.parse("18-24").unwrap_err();
        assert!(err.to_string().contains("`18-24` is not a known age band"));
    }
}
