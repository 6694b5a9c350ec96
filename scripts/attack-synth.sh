#!/usr/bin/env bash
# The attacker of published profiles at full size: `levelfield synth --rows N --seed 7` (N =
# 1,000,000 unless given), then the synthetic spec, `--spec triple-barrier` and `--spec pcref`
# through `levelfield profile`; the attacker (crates/cli/tests/it/attack.rs) inverts every
# published value and interval and propagates bounds over every table's additive structure,
# and the run fails if any count is recovered or narrowed, or disclosure_audit.csv reports a
# residual. One summary line per spec goes to standard error.
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-1000000}"
LEVELFIELD_ATTACK_ROWS="$rows" cargo test -p levelfield --features distributed --test it \
  attack::an_attacker_recovers_nothing_from_synthetic_profiles -- --exact --nocapture
