//! `levelfield plan`: an action plan's targets judged from a profile's tables, and the
//! built-in PCREF template.

use levelfield_report::plan;

use crate::{
    CommandError,
    args::{PlanAssessArgs, PlanCommand},
};

/// `levelfield plan …`.
pub(crate) fn run(command: &PlanCommand) -> Result<(), CommandError> {
    match command {
        PlanCommand::Template => {
            print!("{}", plan::PCREF_TEMPLATE);
            Ok(())
        }
        PlanCommand::Assess(args) => assess(args),
    }
}

fn assess(args: &PlanAssessArgs) -> Result<(), CommandError> {
    let origin = args.plan.display().to_string();
    let text = std::fs::read_to_string(&args.plan)
        .map_err(|e| CommandError::Input(format!("{origin}: cannot be read: {e}")))?;
    let parsed = plan::parse(&text, &origin).map_err(CommandError::Input)?;
    let mut data = crate::report::read_profile(&args.profile)?;
    plan::check_against(&parsed, &data, &origin).map_err(CommandError::Input)?;
    data.plan = plan::assess(&parsed, &data);
    let table = data
        .to_tables()
        .into_iter()
        .find(|(s, _)| *s == "plan_assessment")
        .map(|(_, t)| t)
        .unwrap_or_default();
    crate::output::emit_to(&table, args.out.as_deref())?;
    // The latest judgement of each target, for the terminal.
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for r in data.plan.iter().rev() {
        if !seen.contains(&(r.action_id.as_str(), r.target.as_str())) {
            seen.push((&r.action_id, &r.target));
            eprintln!(
                "levelfield: {}: {} — {} ({})",
                r.action_id, r.target, r.verdict, r.period
            );
        }
    }
    Ok(())
}
