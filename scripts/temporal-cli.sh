#!/usr/bin/env bash
# Prints the path of a Temporal CLI, building v1.5.1 (server 1.29.1) with `go install` into a
# cache outside the repository the first time. Later tags cannot be `go install`ed (their
# go.mod has a `replace`). Order: $TEMPORAL_CLI, `temporal` on PATH, the cache, then build.
set -euo pipefail
version=v1.5.1
cache_dir="${MIGRATOR_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/migrator}/temporal-cli-$version"

if [ -n "${TEMPORAL_CLI:-}" ] && [ -x "$TEMPORAL_CLI" ]; then echo "$TEMPORAL_CLI"; exit 0; fi
if command -v temporal >/dev/null 2>&1; then command -v temporal; exit 0; fi
if [ -x "$cache_dir/temporal" ]; then echo "$cache_dir/temporal"; exit 0; fi

if ! command -v go >/dev/null 2>&1; then
  echo "No Temporal CLI found and no Go toolchain to build one: install Go, or set TEMPORAL_CLI to a temporal binary." >&2
  exit 1
fi
echo "Building the Temporal CLI $version into $cache_dir (once; takes a few minutes)..." >&2
mkdir -p "$cache_dir"
tmp_bin=$(mktemp -d)
(cd "$tmp_bin" && CGO_ENABLED=0 GOBIN="$tmp_bin" go install "github.com/temporalio/cli/cmd/temporal@$version") >&2
mv "$tmp_bin/temporal" "$cache_dir/temporal"
rm -rf "$tmp_bin"
echo "$cache_dir/temporal"
