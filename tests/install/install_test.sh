#!/usr/bin/env bash
# Installs summon into a temporary folder and builds examples/cpp against it
# as a separate project, finding it through pkg-config: what a user does after
# `meson install`, without touching the system.
#
# usage: install_test.sh BUILD_DIR SOURCE_ROOT
#   BUILD_DIR    summon's build folder, already built (install does not rebuild)
#   SOURCE_ROOT  summon's source root
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 BUILD_DIR SOURCE_ROOT" >&2
  exit 2
fi
build=$(realpath "$1")
source=$(realpath "$2")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

step() { printf '\n== %s\n' "$*"; }

step "meson install $build into $tmp/root"
meson install --no-rebuild -C "$build" --destdir "$tmp/root" --quiet

pc=$(find "$tmp/root" -name summon.pc -print -quit)
if [ -z "$pc" ]; then
  echo "no summon.pc was installed under $tmp/root" >&2
  exit 1
fi

# summon.pc names the real prefix (/usr/local, say); the sysroot tells
# pkg-config that it lives under the destdir, and meson passes both on.
export PKG_CONFIG_SYSROOT_DIR="$tmp/root"
export PKG_CONFIG_PATH
PKG_CONFIG_PATH=$(dirname "$pc")
step "pkg-config --cflags --libs summon (from $pc)"
pkg-config --cflags --libs summon

step "meson setup $tmp/example $source/examples/cpp"
meson setup "$tmp/example" "$source/examples/cpp"

step "ninja -C $tmp/example"
ninja -C "$tmp/example"

# A shared libsummon is found at run time from where it was installed; a
# static one needs nothing.
lib=$(find "$tmp/root" -name 'libsummon.so*' -print -quit)
if [ -n "$lib" ]; then
  LD_LIBRARY_PATH="$(dirname "$lib")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export LD_LIBRARY_PATH
  step "meson test -C $tmp/example (LD_LIBRARY_PATH=$LD_LIBRARY_PATH)"
else
  step "meson test -C $tmp/example (no libsummon.so installed: static)"
fi
meson test -C "$tmp/example" --print-errorlogs
