//! Fuzzing the profile spec's reader: arbitrary text, and a valid spec with random edits, is
//! parsed or refused with a message naming the spec — never a panic. Bounded for the normal
//! suite; `PROPTEST_CASES` raises it.

use std::path::Path;

use levelfield_profile::Spec;
use proptest::prelude::*;

const VALID: &str = r#"name = "t"
confidence = [95, 99.8]
[counts]
path = "counts.csv"
[counts.columns]
imd = "imd_decile"
[[indicator]]
id = "detentions"
name = "Detentions"
statistic = "proportion"
numerator = "detained"
denominator = "people"
multiplier = 100
[[dimension]]
kind = "imd-decile"
[disclosure]
rule = "custom"
threshold = 5
round_to = 5
[trends]
min_periods = 3
"#;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(512),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_text_is_parsed_or_refused(text in "\\PC{0,300}") {
        if let Err(e) = Spec::parse(&text, "fuzz.toml", Path::new(".")) {
            prop_assert!(e.to_string().contains("fuzz.toml") || !e.to_string().is_empty());
        }
    }

    #[test]
    fn an_edited_spec_is_parsed_or_refused(
        edits in proptest::collection::vec((any::<usize>(), "[\\[\\]=\"a-z0-9.,\n -]", any::<bool>()), 1..5)
    ) {
        prop_assert!(Spec::parse(VALID, "fuzz.toml", Path::new(".")).is_ok());
        let mut text: Vec<char> = VALID.chars().collect();
        for (at, s, insert) in edits {
            let at = at % text.len();
            let c = s.chars().next().unwrap_or(' ');
            if insert {
                text.insert(at, c);
            } else {
                text[at] = c;
            }
        }
        let text: String = text.into_iter().collect();
        if let Err(e) = Spec::parse(&text, "fuzz.toml", Path::new(".")) {
            prop_assert!(e.to_string().contains("fuzz.toml"), "{}", e);
        }
    }
}
