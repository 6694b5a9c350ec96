#!/usr/bin/env bash
# The Python package (python/): lints its Rust crate, builds it with maturin into a virtual
# environment and runs its pytest suite. Run by scripts/test.sh after the Rust tests, whose build
# of the `levelfield` binary the package's profile and table-command tests call (LEVELFIELD_BIN);
# on its own it runs those tests only when LEVELFIELD_BIN names a binary.
#
# Needs python3 (3.9 or later) with the venv module; on Debian without it, installs python3-venv
# with apt-get (as root, else through sudo). Packages come from PyPI: maturin, pyarrow, pandas,
# polars, pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
venv="$target/python-venv"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
  if ! "$python" -m venv "$venv" 2>/dev/null; then
    rm -rf "$venv"
    if ! command -v apt-get >/dev/null; then
      echo "the Python tests need python3 with the venv module" >&2
      exit 2
    fi
    as_root=""
    [ "$(id -u)" -eq 0 ] || as_root=sudo
    echo "installing python3-venv for the Python package's tests" >&2
    $as_root env DEBIAN_FRONTEND=noninteractive apt-get update
    $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-venv
    /usr/bin/python3 -m venv "$venv"
  fi
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  "maturin>=1.9,<2" "pyarrow>=14" "pandas>=2" "polars>=1" "pytest>=7"
cargo fmt --manifest-path python/Cargo.toml --all -- --check
cargo clippy --manifest-path python/Cargo.toml --release --all-targets --locked -- -D warnings
wheels="$(mktemp -d)"
trap 'rm -rf "$wheels"' EXIT
"$venv/bin/maturin" build --quiet --release --locked --manifest-path python/Cargo.toml \
  --interpreter "$venv/bin/python" --out "$wheels"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps "$wheels"/levelfield-*.whl
# Tested from outside the source folder, so the installed package is the one imported.
cd python/tests
"$venv/bin/python" -m pytest -q -p no:cacheprovider .
