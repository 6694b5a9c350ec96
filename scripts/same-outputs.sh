#!/usr/bin/env bash
# Checks that two builds of levelfield write the same bytes: every command run on the bundled
# data, the PHEindicatormethods reference inputs in tests/reference/ and a synthetic extract, by
# an old and a new binary, into two folders that are then compared file by file.
#
#   scripts/same-outputs.sh OLD_BINARY NEW_BINARY [ROWS]
#
# ROWS is the size of the synthetic extract (default 100000, seed 7). Exit 0 when every output
# is identical; 1 with the differing files listed otherwise; 2 on a usage error or when a command
# fails under either binary. Used before and after a refactor that must not change any output.
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: scripts/same-outputs.sh OLD_BINARY NEW_BINARY [ROWS]" >&2
  exit 2
fi
old=$(realpath "$1")
new=$(realpath "$2")
rows=${3:-100000}
repo=$(realpath "$(dirname "$0")/..")
phe="$repo/tests/reference/phe"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Runs every command with binary $1 in folder $2; stdout of each to NAME.out.
run_all() {
  local bin=$1 dir=$2
  mkdir -p "$dir"
  cd "$dir"
  step() {
    local name=$1
    shift
    if ! "$bin" "$@" >"$name.out" 2>"$name.err"; then
      echo "$bin failed on $name: $*" >&2
      cat "$name.err" >&2
      exit 2
    fi
    rm -f "$name.err"
  }
  # Rows with whole counts only: the Poisson methods refuse fractional counts, which some of
  # PHEindicatormethods' cases have.
  for f in in_rate_cases in_dsr_cases in_isr_cases; do
    python3 -c 'import csv, sys
r = csv.DictReader(open(sys.argv[1])); w = csv.DictWriter(sys.stdout, r.fieldnames); w.writeheader()
w.writerows(row for row in r if row["x"].isdigit() and row["n"].replace(".", "", 1).isdigit())' "$phe/$f.csv" >"$f.csv"
  done
  step demo demo --out demo
  step proportion stats proportion --input "$phe/in_prop_cases.csv" --numerator x --denominator n --confidence 95,99.8 --multiplier 100
  step rate stats rate --input in_rate_cases.csv --numerator x --denominator n --confidence 95,99.8
  step mean stats mean --input "$phe/in_mean_cases.csv" --value x --group-by group
  step dsr stats dsr --input in_dsr_cases.csv --numerator x --denominator n --standard-population stdpop --group-by group
  step isratio stats isratio --input in_isr_cases.csv --numerator x --denominator n --reference-numerator x_ref --reference-denominator n_ref --group-by group
  step israte stats israte --input in_isr_cases.csv --numerator x --denominator n --reference-numerator x_ref --reference-denominator n_ref --group-by group
  step sii stats sii --input "$phe/in_sii_normal.csv" --value value --se se --population population --quantile quantile --group-by area --rii --repetitions 2000
  step funnel_limits funnel limits --input "$phe/in_funnel_prop.csv" --statistic proportion --numerator numerator --denominator denominator --multiplier 100
  step funnel_significance funnel significance --input "$phe/in_funnel_prop.csv" --statistic proportion --numerator numerator --denominator denominator --multiplier 100
  step funnel_units funnel units --input "$phe/in_funnel_prop.csv" --type PR --numerator numerator --denominator denominator
  step funnel_units_truncate funnel units --input "$phe/in_funnel_prop.csv" --type PR --numerator numerator --denominator denominator --trim truncate
  local mha="$repo/data/mha_2023_24_england_ethnicity.csv"
  step mha_rate stats rate --input "$mha" --numerator count --denominator population --confidence 95,99.8 --group-by measure,ethnic_group
  step compare compare --input "$mha" --group ethnic_group --reference White --numerator count --denominator population --statistic rate --group-by measure
  awk -F, 'NR == 1 || $1 == "detentions"' "$mha" >detentions.csv
  step inequality inequality --input detentions.csv --group ethnic_group --numerator count --denominator population --value published_crude_rate --population population --dimension-type unordered --polarity adverse --reference White
  step suppress suppress --input "$mha" --rule nhs-mha --count count --group-by measure
  step synth synth --rows "$rows" --seed 7 --out synth
  step profile profile --spec synth/profile.toml --out profile --report --format csv,parquet,xlsx --fingertips-csv
  step pcref profile --spec pcref --data synth --out pcref --report
  step triple profile --spec triple-barrier --data synth --out triple --report
  step report report --profile profile --out rendered.html
  step template plan template
  step assess plan assess --plan template.out --profile pcref
  step spc spc --input profile/estimates.csv --period period --value value --group-by indicator_id,area_code,dimension,group
  step benchmark benchmark --input profile/estimates.csv --value value --lower lower_ci_95_0 --upper upper_ci_95_0 --comparator-area SYNALL --area area_code --group-by indicator_id,period,dimension,group
  cat >hidden.toml <<'TOML'
name = "Hidden need among Black or Black British people"
[[assumption]]
dimension = "Ethnic group (NHS 5 groups)"
group = "Black or Black British"
hidden = [0.10, 0.30]
TOML
  step sensitivity sensitivity --profile profile --assumptions hidden.toml
  cd - >/dev/null
}

run_all "$old" "$work/old"
run_all "$new" "$work/new"

# Workbooks are zip archives whose entries carry a creation time: compare their sheets' XML.
for side in old new; do
  find "$work/$side" -name '*.xlsx' -print0 | while IFS= read -r -d '' x; do
    mkdir -p "$x.unzipped"
    (cd "$x.unzipped" && python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall()' "$x")
    rm -f "$x" "$x.unzipped/docProps/core.xml"
  done
done

if diff -r -q "$work/old" "$work/new" >"$work/diff.txt"; then
  echo "same outputs: $(find "$work/old" -type f | wc -l) files identical"
else
  sed "s#$work/##g" "$work/diff.txt" >&2
  echo "outputs differ: $(wc -l <"$work/diff.txt") files" >&2
  exit 1
fi
