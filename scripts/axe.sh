#!/usr/bin/env bash
# Fetches axe-core, the accessibility checker the browser tests run inside Chromium
# (crates/cli/tests/it/browser.rs), at the version pinned here, and prints the path of its
# axe.min.js. The package comes from the npm registry through `npm pack` and is checked against
# the sha512 pinned below (the registry's `dist.integrity` for that version) before anything in it
# is used; axe.min.js is kept in a cache outside the repository and checked again on every reuse,
# so a machine that has fetched it once needs no network. axe-core is MPL-2.0; its LICENSE is kept
# beside axe.min.js in the cache.
#
# Usage: scripts/axe.sh                        prints the path (fetching when not cached)
#        export LEVELFIELD_AXE_JS="$(scripts/axe.sh)"   what scripts/test.sh does
# The cache is $LEVELFIELD_AXE_CACHE, default ${XDG_CACHE_HOME:-$HOME/.cache}/levelfield/axe.
set -euo pipefail

version=4.14.1
# sha512 of axe-core-4.14.1.tgz; npm's integrity for it is
# sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==
tarball_sha512=1477dafa598d8d065f273d6af302aa203c02e83131707b7fa648cd41bd3d6b734f8c22a0dab86ee6a6f64b8afbe804b214d36db85a2826965edfb3a0b9d546b5
# sha512 of package/axe.min.js inside it.
script_sha512=e63e659f9806d7ae5bd40899043b0871a5062c5442b01b3f1a3edf5eaf50bf5c3a7104a72463293b4ad1b77c661a0d4e40e850dec89de9d6ece70a8c13a9af17

cache="${LEVELFIELD_AXE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/levelfield/axe}/$version"
script="$cache/axe.min.js"

sha512_of() {
  sha512sum "$1" | cut -d' ' -f1
}

if [ -f "$script" ] && [ "$(sha512_of "$script")" = "$script_sha512" ]; then
  echo "$script"
  exit 0
fi

if ! command -v npm >/dev/null; then
  # As scripts/test.sh does for Chromium: Debian's npm, as root or through sudo.
  if [ "$(id -u)" -eq 0 ]; then
    as_root=""
  elif command -v sudo >/dev/null; then
    as_root=sudo
  else
    as_root=none
  fi
  if [ "$as_root" = none ] || ! command -v apt-get >/dev/null; then
    echo "axe-core $version is not in $cache, and npm is missing to fetch it: install Debian's npm" >&2
    exit 2
  fi
  echo "installing npm to fetch axe-core $version" >&2
  # shellcheck disable=SC2086 # $as_root is empty or sudo
  $as_root env DEBIAN_FRONTEND=noninteractive apt-get update >&2
  # shellcheck disable=SC2086
  $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends npm >&2
fi
mkdir -p "$cache"
work="$(mktemp -d "$cache/fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT
echo "fetching axe-core $version from the npm registry" >&2
(cd "$work" && npm pack --silent "axe-core@$version" >/dev/null)
tarball="$work/axe-core-$version.tgz"
if [ ! -f "$tarball" ]; then
  echo "npm pack axe-core@$version did not write $(basename "$tarball")" >&2
  exit 1
fi
got="$(sha512_of "$tarball")"
if [ "$got" != "$tarball_sha512" ]; then
  echo "axe-core-$version.tgz has sha512 $got, not the pinned $tarball_sha512" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$work" package/axe.min.js package/LICENSE
got="$(sha512_of "$work/package/axe.min.js")"
if [ "$got" != "$script_sha512" ]; then
  echo "axe.min.js of axe-core $version has sha512 $got, not the pinned $script_sha512" >&2
  exit 1
fi
mv "$work/package/LICENSE" "$cache/LICENSE"
mv "$work/package/axe.min.js" "$script"
echo "$script"
