//! Fuzzing the readers of action plans and hidden-need assumptions (TOML): arbitrary text,
//! and the valid template with random edits, is parsed or refused with a message naming the
//! file — never a panic. Bounded for the normal suite; `PROPTEST_CASES` raises it.

use levelfield_report::{plan, sensitivity};
use proptest::prelude::*;

const ASSUMPTIONS: &str = r#"name = "Private therapy"
[[assumption]]
dimension = "IMD quintile (1 = most deprived)"
group = "5 (least deprived)"
hidden = [0.10, 0.30]
indicators = ["access"]
reason = "APMS"
[[assumption]]
dimension = "Ethnic group (NHS 5 groups)"
group = "White"
hidden = { low = 0.1, mode = 0.15, high = 0.3 }
"#;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(256),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn edit(valid: &str, edits: &[(usize, String, bool)]) -> String {
    let mut text: Vec<char> = valid.chars().collect();
    for (at, s, insert) in edits {
        let at = at % text.len();
        let c = s.chars().next().unwrap_or(' ');
        if *insert {
            text.insert(at, c);
        } else {
            text[at] = c;
        }
    }
    text.into_iter().collect()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_text_is_a_plan_or_refused(text in "\\PC{0,300}") {
        if let Err(e) = plan::parse(&text, "fuzz.toml") {
            prop_assert!(e.contains("fuzz.toml"), "{}", e);
        }
        if let Err(e) = sensitivity::parse(&text, "fuzz.toml") {
            prop_assert!(e.contains("fuzz.toml"), "{}", e);
        }
    }

    #[test]
    fn an_edited_plan_is_parsed_or_refused(
        edits in proptest::collection::vec((any::<usize>(), "[\\[\\]=\"a-z0-9.,\n -]", any::<bool>()), 1..5)
    ) {
        prop_assert!(plan::parse(plan::PCREF_TEMPLATE, "fuzz.toml").is_ok());
        if let Err(e) = plan::parse(&edit(plan::PCREF_TEMPLATE, &edits), "fuzz.toml") {
            prop_assert!(e.contains("fuzz.toml"), "{}", e);
        }
    }

    #[test]
    fn edited_assumptions_are_parsed_or_refused(
        edits in proptest::collection::vec((any::<usize>(), "[\\[\\]=\"a-z0-9.,\n -]", any::<bool>()), 1..5)
    ) {
        prop_assert!(sensitivity::parse(ASSUMPTIONS, "fuzz.toml").is_ok());
        if let Err(e) = sensitivity::parse(&edit(ASSUMPTIONS, &edits), "fuzz.toml") {
            prop_assert!(e.contains("fuzz.toml"), "{}", e);
        }
    }
}
