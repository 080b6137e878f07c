#!/usr/bin/env bash
# Builds the project's external tools from the Go module proxy, pinned, cached per version
# outside the clone (so fresh clones and CI reuse them). Idempotent: a cached tool is reused.
#
#   scripts/tools.sh [daprd|ferretdb|all]...   build what is missing, print nothing else on success
#   scripts/tools.sh --print-env               print TOOLS_BIN=... for the current cache
#
# Nothing is downloaded from anywhere but the Go module proxy; no binary enters the repo.
set -euo pipefail

DAPR_VERSION=1.18.2
FERRETDB_VERSION=1.24.2

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${BANK_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bank-cqrs-tools}
BIN="$CACHE/bin"
mkdir -p "$BIN" "$CACHE/build"

say() { printf '[tools] %s\n' "$*" >&2; }
die() { printf '[tools] ERROR: %s\n' "$*" >&2; exit 1; }

# The cache key is the pinned version plus a hash of the wrapper module, so editing the wrapper
# (say, registering one more component) rebuilds, and nothing else does.
wrapper_hash() { cat "$ROOT/tools/go/$1"/go.mod "$ROOT/tools/go/$1"/go.sum "$ROOT/tools/go/$1"/*.go | sha256sum | cut -c1-10; }

need_go() {
  command -v go >/dev/null 2>&1 || die "Go is not installed (needed to build daprd/FerretDB from the Go module proxy).
  Install Go >= 1.26 (e.g. from Debian's packages or /usr/local/go) and run again, or put a daprd
  ${DAPR_VERSION} binary on PATH / in ~/.dapr/bin."
}

# One build at a time per tool, even when several test workers ask at once.
with_lock() {
  local name=$1; shift
  exec {fd}>"$CACHE/build/$name.lock"
  flock "$fd"
  "$@"
  exec {fd}>&-
}

# daprd: stablecomponents from the pinned release, built through the wrapper module tools/go/daprd
# (its main.go adds pubsub.jetstream, which Dapr ships only under allcomponents).
# 1.18.2 is pinned because 1.18.3 needs durabletask-go v0.12.4, which the module proxy does not serve.
build_daprd() {
  local out="$BIN/daprd-$DAPR_VERSION-$(wrapper_hash daprd)"
  [ -x "$out" ] && return 0
  need_go
  say "building daprd $DAPR_VERSION from the Go module proxy (first time only; ~10 minutes on 2 cores)"
  ( cd "$ROOT/tools/go/daprd" && go build -mod=readonly -tags stablecomponents -trimpath \
      -ldflags "-s -w -X github.com/dapr/dapr/pkg/buildinfo.version=$DAPR_VERSION" -o "$out.tmp" . ) \
    || die "daprd build failed (see the Go output above)"
  mv "$out.tmp" "$out"
  say "daprd $DAPR_VERSION -> $out"
}

# An existing daprd of the pinned minor version (PATH or ~/.dapr/bin) is used instead of a build.
resolve_daprd() {
  local c
  for c in "$(command -v daprd 2>/dev/null || true)" "$HOME/.dapr/bin/daprd"; do
    if [ -n "$c" ] && [ -x "$c" ] && "$c" --version 2>/dev/null | grep -q "^${DAPR_VERSION%.*}\."; then
      ln -sf "$c" "$BIN/daprd"; return 0
    fi
  done
  with_lock daprd build_daprd
  ln -sf "$BIN/daprd-$DAPR_VERSION-$(wrapper_hash daprd)" "$BIN/daprd"
}

build_ferretdb() {
  local out="$BIN/ferretdb-$FERRETDB_VERSION-$(wrapper_hash ferretdb)"
  [ -x "$out" ] && return 0
  need_go
  say "building FerretDB $FERRETDB_VERSION from the Go module proxy (first time only; ~3 minutes)"
  ( cd "$ROOT/tools/go/ferretdb" && go build -mod=readonly -trimpath -ldflags "-s -w" -o "$out.tmp" . ) \
    || die "FerretDB build failed (see the Go output above)"
  mv "$out.tmp" "$out"
  say "FerretDB $FERRETDB_VERSION -> $out"
}
resolve_ferretdb() { with_lock ferretdb build_ferretdb; ln -sf "$BIN/ferretdb-$FERRETDB_VERSION-$(wrapper_hash ferretdb)" "$BIN/ferretdb"; }

main() {
  if [ "${1:-}" = "--print-env" ]; then echo "TOOLS_BIN=$BIN"; return 0; fi
  [ $# -eq 0 ] && set -- all
  for t in "$@"; do
    case "$t" in
      daprd) resolve_daprd ;;
      ferretdb) resolve_ferretdb ;;
      all) resolve_daprd; resolve_ferretdb ;;
      *) die "unknown tool '$t' (daprd, ferretdb, all)" ;;
    esac
  done
}
main "$@"
