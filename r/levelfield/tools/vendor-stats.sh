#!/bin/sh
# Copies what the package needs from the repository around it, so that `R CMD build` makes a
# tarball that stands alone: the levelfield-stats crate (packaged by cargo, so its manifest no
# longer refers to the repository's workspace) into src/rust/vendor/, and the
# reference outputs (PHEindicatormethods' and published Fingertips rows) into
# tests/testthat/reference-phe/ and reference-fingertips/ for the tests.
# Run from the package folder (r/levelfield). Outside the repository (an unpacked tarball) it
# leaves the copies the tarball carries.
set -eu
root=../..
if [ ! -f "$root/crates/stats/Cargo.toml" ]; then
  if [ -f src/rust/vendor/levelfield-stats/Cargo.toml ]; then
    exit 0
  fi
  echo "levelfield: neither the repository's crates/stats nor a vendored copy in src/rust/vendor; build the package from the levelfield repository (R CMD INSTALL r/levelfield)" >&2
  exit 1
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "levelfield: cargo is needed to build the package; install Rust with rustup (https://rustup.rs)" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n 1)
(cd "$root" && CARGO_TARGET_DIR="$work/target" cargo package -p levelfield-stats --no-verify --allow-dirty --locked --quiet)
mkdir -p "$work/unpacked"
# -m: the files take the time of copying, so cargo sees that the crate changed.
tar -xzmf "$work/target/package/levelfield-stats-$version.crate" -C "$work/unpacked"
new="$work/unpacked/levelfield-stats-$version"
# The packaged crate keeps its original manifest beside the normalised one; cargo needs only one.
rm -f "$new/Cargo.toml.orig" "$new/.cargo_vcs_info.json"
# Replaced only when it changed, so an unchanged copy keeps its times and cargo its build.
if ! diff -r -q "$new" src/rust/vendor/levelfield-stats >/dev/null 2>&1; then
  rm -rf src/rust/vendor/levelfield-stats
  mkdir -p src/rust/vendor
  mv "$new" src/rust/vendor/levelfield-stats
fi
for set in phe fingertips; do
  if [ -d "$root/tests/reference/$set" ]; then
    rm -rf "tests/testthat/reference-$set"
    mkdir -p "tests/testthat/reference-$set"
    # The data with their README (sources and licences).
    cp "$root/tests/reference/$set"/*.csv "$root/tests/reference/$set/README.md" "tests/testthat/reference-$set/"
  fi
done
