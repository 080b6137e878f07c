#!/usr/bin/env bash
# Builds the project's external tools from the Go module proxy, pinned, cached per version
# outside the clone (so fresh clones and CI reuse them). Idempotent: a cached tool is reused.
#
#   scripts/tools.sh [daprd|ferretdb|helm|kubeconform|k8s-schemas|tilt|all]...
#                                              build what is missing, print nothing else on success
#   scripts/tools.sh --print-env               print TOOLS_BIN=... for the current cache
#
# Nothing is downloaded from anywhere but the Go module proxy; no binary enters the repo.
set -euo pipefail

DAPR_VERSION=1.18.2
FERRETDB_VERSION=1.24.2
# Kubernetes packaging (charts/, k8s/, Tiltfile), checked offline by charts/test/.
HELM_VERSION=3.22.0
KUBECONFORM_VERSION=0.8.0
# Kubernetes version the chart is linted, rendered and validated for. Its OpenAPI document comes
# from the k8s.io/kubernetes module (api/openapi-spec) on the Go module proxy.
KUBE_VERSION=1.34.4
TILT_VERSION=0.35.2

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

# helm: helm.sh/helm/v3/cmd/helm built from the wrapper module tools/go/helm (no replace directives
# needed; the wrapper pins go.sum). The ldflags are those of helm's Makefile: the version, and the
# default Kubernetes version derived from the client-go it is built with.
build_helm() {
  local out="$BIN/helm-$HELM_VERSION-$(wrapper_hash helm)"
  [ -x "$out" ] && return 0
  need_go
  say "building helm $HELM_VERSION from the Go module proxy (first time only; ~4 minutes on 2 cores)"
  local dir="$ROOT/tools/go/helm" kv kmaj kmin
  kv=$(cd "$dir" && go list -mod=readonly -m -f '{{.Version}}' k8s.io/client-go) || die "helm: cannot read the client-go version"
  kv=${kv#v}; kmaj=$(( ${kv%%.*} + 1 )); kmin=$(echo "$kv" | cut -d. -f2)
  ( cd "$dir" && CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags "-s -w \
      -X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION \
      -X helm.sh/helm/v3/internal/version.gitTreeState=clean \
      -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=$kmaj -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$kmin \
      -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=$kmaj -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$kmin" \
      -o "$out.tmp" helm.sh/helm/v3/cmd/helm ) \
    || die "helm build failed (see the Go output above)"
  mv "$out.tmp" "$out"
  say "helm $HELM_VERSION -> $out"
}
resolve_helm() { with_lock helm build_helm; ln -sf "$BIN/helm-$HELM_VERSION-$(wrapper_hash helm)" "$BIN/helm"; }

build_kubeconform() {
  local out="$BIN/kubeconform-$KUBECONFORM_VERSION-$(wrapper_hash kubeconform)"
  [ -x "$out" ] && return 0
  need_go
  say "building kubeconform $KUBECONFORM_VERSION from the Go module proxy (first time only; ~1 minute)"
  ( cd "$ROOT/tools/go/kubeconform" && CGO_ENABLED=0 go build -mod=readonly -trimpath \
      -ldflags "-s -w -X main.version=v$KUBECONFORM_VERSION" -o "$out.tmp" github.com/yannh/kubeconform/cmd/kubeconform ) \
    || die "kubeconform build failed (see the Go output above)"
  mv "$out.tmp" "$out"
  say "kubeconform $KUBECONFORM_VERSION -> $out"
}
resolve_kubeconform() { with_lock kubeconform build_kubeconform; ln -sf "$BIN/kubeconform-$KUBECONFORM_VERSION-$(wrapper_hash kubeconform)" "$BIN/kubeconform"; }

# Kubernetes JSON schemas for kubeconform, made here from the OpenAPI document that the
# k8s.io/kubernetes module carries (api/openapi-spec/swagger.json), converted by
# charts/test/k8s-schemas.mjs into kubeconform's layout ("<kind>-<group>-<version>.json", strict:
# no unknown fields). Nothing comes from anywhere but the Go module proxy.
# Output: $CACHE/k8s-schemas/v$KUBE_VERSION-standalone-strict/ (the converter's hash in the name).
build_k8s_schemas() {
  local conv="$ROOT/charts/test/k8s-schemas.mjs" h out
  h=$(sha256sum "$conv" | cut -c1-10)
  out="$CACHE/k8s-schemas/v$KUBE_VERSION-$h"
  [ -f "$out/.done" ] && { ln -sfn "$out" "$CACHE/k8s-schemas/current"; return 0; }
  need_go
  say "fetching the Kubernetes v$KUBE_VERSION OpenAPI document from the Go module proxy (k8s.io/kubernetes, first time only)"
  local dir
  dir=$(cd "$CACHE/build" && GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@v$KUBE_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p') \
    || die "k8s.io/kubernetes@v$KUBE_VERSION could not be downloaded from the Go module proxy"
  [ -f "$dir/api/openapi-spec/swagger.json" ] || die "no api/openapi-spec/swagger.json in $dir"
  rm -rf "$out.tmp"
  node "$conv" "$dir/api/openapi-spec/swagger.json" "$out.tmp" || die "converting the Kubernetes OpenAPI document failed"
  touch "$out.tmp/.done"
  rm -rf "$out"; mv "$out.tmp" "$out"
  ln -sfn "$out" "$CACHE/k8s-schemas/current"
  say "Kubernetes v$KUBE_VERSION schemas -> $out"
}
resolve_k8s_schemas() { mkdir -p "$CACHE/k8s-schemas"; with_lock k8s-schemas build_k8s_schemas; }

# tilt: github.com/tilt-dev/tilt needs a wrapper module (its go.mod has replace directives), but
# the Go module proxy reachable here refuses every version of it ("403 Forbidden: This module
# version is not available", for the version list, @latest and each release tried). So there is
# no tools/go/tilt/go.mod yet; see tools/go/tilt/README.md. The Tiltfile is checked instead by
# tools/go/tilt/tiltfile-check (go.starlark.net, the interpreter Tilt embeds) with Tilt's
# builtins recorded, not executed. Explicitly asked for, a missing tilt is an error; under `all`
# it is a warning, so the rest of the set-up goes on.
resolve_tilt() {
  local strict=${1:-strict}
  if [ -f "$ROOT/tools/go/tilt/go.mod" ]; then
    with_lock tilt build_tilt; ln -sf "$BIN/tilt-$TILT_VERSION-$(wrapper_hash tilt)" "$BIN/tilt"; return 0
  fi
  local msg="tilt $TILT_VERSION not built: the Go module proxy does not serve github.com/tilt-dev/tilt (403 'This module version is not available'); see tools/go/tilt/README.md. Install tilt yourself to run 'tilt up'."
  if [ "$strict" = strict ]; then die "$msg"; fi
  [ -n "${BANK_TOOLS_QUIET_TILT:-}" ] || say "note: $msg"
}
build_tilt() {
  local out="$BIN/tilt-$TILT_VERSION-$(wrapper_hash tilt)"
  [ -x "$out" ] && return 0
  need_go
  say "building tilt $TILT_VERSION from the Go module proxy (first time only; 10+ minutes on 2 cores)"
  ( cd "$ROOT/tools/go/tilt" && CGO_ENABLED=0 go build -mod=readonly -trimpath \
      -ldflags "-s -w -X main.version=$TILT_VERSION" -o "$out.tmp" github.com/tilt-dev/tilt/cmd/tilt ) \
    || die "tilt build failed (see the Go output above)"
  mv "$out.tmp" "$out"
  say "tilt $TILT_VERSION -> $out"
}

# tiltfile-check: evaluates the Tiltfile offline with go.starlark.net (see resolve_tilt).
tiltfile_check_hash() { cat "$ROOT/tools/go/tilt/tiltfile-check"/go.mod "$ROOT/tools/go/tilt/tiltfile-check"/go.sum "$ROOT/tools/go/tilt/tiltfile-check"/*.go | sha256sum | cut -c1-10; }
build_tiltfile_check() {
  local out="$BIN/tiltfile-check-$(tiltfile_check_hash)"
  [ -x "$out" ] && return 0
  need_go
  say "building tiltfile-check (go.starlark.net) from the Go module proxy (first time only; ~30 seconds)"
  ( cd "$ROOT/tools/go/tilt/tiltfile-check" && CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags "-s -w" -o "$out.tmp" . ) \
    || die "tiltfile-check build failed (see the Go output above)"
  mv "$out.tmp" "$out"
}
resolve_tiltfile_check() { with_lock tiltfile-check build_tiltfile_check; ln -sf "$BIN/tiltfile-check-$(tiltfile_check_hash)" "$BIN/tiltfile-check"; }

main() {
  if [ "${1:-}" = "--print-env" ]; then echo "TOOLS_BIN=$BIN"; return 0; fi
  [ $# -eq 0 ] && set -- all
  for t in "$@"; do
    case "$t" in
      daprd) resolve_daprd ;;
      ferretdb) resolve_ferretdb ;;
      helm) resolve_helm ;;
      kubeconform) resolve_kubeconform ;;
      k8s-schemas) resolve_k8s_schemas ;;
      tilt) resolve_tilt strict ;;
      tiltfile-check) resolve_tiltfile_check ;;
      all) resolve_daprd; resolve_ferretdb; resolve_helm; resolve_kubeconform; resolve_k8s_schemas
           resolve_tilt lenient; resolve_tiltfile_check ;;
      *) die "unknown tool '$t' (daprd, ferretdb, helm, kubeconform, k8s-schemas, tilt, tiltfile-check, all)" ;;
    esac
  done
}
main "$@"
