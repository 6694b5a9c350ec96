#!/usr/bin/env bash
# The whole test suite: formatting, lints, docs, every test, and the R package's build, check and
# tests (scripts/r-package.sh). Run from anywhere in the repo.
# Needs the Rust toolchain pinned in rust-toolchain.toml, and Debian's chromium and chromium-driver
# for the browser test of the HTML report (crates/cli/tests/it/browser.rs): when /usr/bin/chromium
# or chromedriver is missing it installs them with apt-get (as root, else through sudo); and
# axe-core from the npm registry (scripts/axe.sh, which installs Debian's npm when it is missing).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ] || ! command -v chromedriver >/dev/null; then
  packages="chromium chromium-driver"
  if [ "$(id -u)" -eq 0 ]; then
    as_root=""
  elif command -v sudo >/dev/null; then
    as_root=sudo
  else
    echo "the browser test needs Chromium: as root, apt-get install --no-install-recommends $packages" >&2
    exit 2
  fi
  if ! command -v apt-get >/dev/null; then
    echo "the browser test needs Chromium: install Debian's $packages (no apt-get here)" >&2
    exit 2
  fi
  echo "installing $packages for the browser test" >&2
  # shellcheck disable=SC2086 # $as_root is empty or sudo; $packages is two names
  $as_root env DEBIAN_FRONTEND=noninteractive apt-get update
  # shellcheck disable=SC2086
  $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $packages
fi
# axe-core, which the browser tests run in Chromium to check the report's and the app's
# accessibility: the version pinned in scripts/axe.sh, checked against its sha512 and cached.
LEVELFIELD_AXE_JS="$(./scripts/axe.sh)"
export LEVELFIELD_AXE_JS
# Property tests draw from a fixed seed so a run is reproducible; set PROPTEST_RNG_SEED to explore.
export PROPTEST_RNG_SEED="${PROPTEST_RNG_SEED:-20261128}"
# One feature set for every step, so DataFusion is compiled once: with `distributed`, the
# Ballista scale-out is linted, documented and tested against a real scheduler and executors.
features=(--features levelfield/distributed)
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked "${features[@]}" -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked "${features[@]}"
cargo test --workspace --locked "${features[@]}"
# The R package (r/levelfield): R CMD build and check with its testthat tests; installs Debian's R
# when missing. It compiles levelfield-stats and extendr only (no DataFusion): a few minutes.
./scripts/r-package.sh
# The Python package: its own Rust crate (outside the workspace, so nothing above builds it),
# built into a virtual environment and tested with pytest; its profile and table-command tests run
# the binary the tests above built.
LEVELFIELD_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/levelfield" ./scripts/python.sh
