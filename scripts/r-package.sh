#!/usr/bin/env bash
# Builds, checks and tests the R package in r/levelfield: R CMD build (which builds the vignette)
# and R CMD check --no-manual (which installs the package and runs its testthat tests), failing
# on any error or warning. Installs Debian's R and the R packages it needs when missing (as
# root, else through sudo). Cargo's build is kept in target/r-package between runs.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
packages="r-base-dev r-cran-testthat r-cran-rlang r-cran-dplyr r-cran-tibble r-cran-vctrs r-cran-knitr r-cran-markdown"
missing=""
if ! command -v R >/dev/null; then
  missing="$packages"
else
  for p in testthat rlang dplyr tibble vctrs knitr markdown; do
    if ! Rscript -e "quit(status = !requireNamespace('$p', quietly = TRUE))" >/dev/null 2>&1; then
      missing="$packages"
    fi
  done
fi
if [ -n "$missing" ]; then
  if [ "$(id -u)" -eq 0 ]; then
    as_root=""
  elif command -v sudo >/dev/null; then
    as_root=sudo
  else
    echo "the R package needs R: as root, apt-get install --no-install-recommends $packages" >&2
    exit 2
  fi
  echo "installing $packages for the R package" >&2
  # shellcheck disable=SC2086 # $as_root is empty or sudo; $packages is a list of names
  $as_root env DEBIAN_FRONTEND=noninteractive apt-get update
  # shellcheck disable=SC2086
  $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $packages
fi
# R CMD check builds from a copy outside the repository, where rust-toolchain.toml is not seen:
# name the pinned toolchain so the package is built with the same compiler as the workspace.
RUSTUP_TOOLCHAIN="${RUSTUP_TOOLCHAIN:-$(sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)}"
export RUSTUP_TOOLCHAIN
export LEVELFIELD_CARGO_TARGET_DIR="${LEVELFIELD_CARGO_TARGET_DIR:-${CARGO_TARGET_DIR:-$root/target}/r-package}"
# The package's Rust crate is outside the workspace, so the workspace's fmt and clippy do not see
# it: check it here, with the same rules.
manifest=r/levelfield/src/rust/Cargo.toml
(cd r/levelfield && sh tools/vendor-stats.sh)
cargo fmt --manifest-path "$manifest" -- --check
cargo clippy --manifest-path "$manifest" --release --locked --target-dir "$LEVELFIELD_CARGO_TARGET_DIR" -- -D warnings
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The tarball stands alone: the statistics crate and the reference outputs were brought in above.
(cd "$work" && R CMD build --no-resave-data "$root/r/levelfield")
tarball=$(ls "$work"/levelfield_*.tar.gz)
# Check as CRAN would, but without the PDF manual (no LaTeX needed) and without
# _R_CHECK_FORCE_SUGGESTS_ surprises; every WARNING or ERROR fails the suite.
(cd "$work" && _R_CHECK_CRAN_INCOMING_=false R CMD check --no-manual "$tarball") || {
  cat "$work"/levelfield.Rcheck/00check.log >&2 || true
  cat "$work"/levelfield.Rcheck/tests/testthat.Rout.fail >&2 2>/dev/null || true
  exit 1
}
log="$work/levelfield.Rcheck/00check.log"
if grep -qE '^\* .*\.\.\. (WARNING|ERROR)' "$log"; then
  echo "R CMD check reported warnings or errors:" >&2
  cat "$log" >&2
  exit 1
fi
grep -E 'Status:|\.\.\. NOTE' "$log" || true
grep -E '\[ FAIL|OK:|PASS' "$work"/levelfield.Rcheck/tests/testthat.Rout | tail -n 2 || true
