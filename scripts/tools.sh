#!/usr/bin/env bash
# Builds the project's external tools from the Go module proxy, pinned, cached per version
# outside the clone (so fresh clones and CI reuse them). Idempotent: a cached tool is reused.
#
#   scripts/tools.sh [daprd|ferretdb|hydra|helm|kubeconform|k8s-schemas|tiltfile-check|all]...
#                                              build what is missing, print nothing else on success
#   scripts/tools.sh --print-env               print TOOLS_BIN=... for the current cache
#
# Nothing is downloaded from anywhere but the Go module proxy; no binary enters the repo.
set -euo pipefail

FERRETDB_VERSION=1.24.2
# The OpenID Connect provider (sign-in at the gateway).
HYDRA_VERSION=2.3.0
# Kubernetes packaging (charts/, k8s/, Tiltfile), checked offline by charts/test/.
HELM_VERSION=3.22.0
KUBECONFORM_VERSION=0.8.0

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
say() { printf '[tools] %s\n' "$*" >&2; }
die() { printf '[tools] ERROR: %s\n' "$*" >&2; exit 1; }

# CACHE and BIN (the tools cache), DAPR_VERSION and KUBE_VERSION (the Kubernetes version the
# chart is linted, rendered and validated for; its OpenAPI document comes from the
# k8s.io/kubernetes module), and go_tool, wrapper_hash, need_go: shared with scripts/cluster.
source "$ROOT/scripts/go-tool.sh"
mkdir -p "$BIN" "$CACHE/build"

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
  go_tool daprd "$DAPR_VERSION" --cgo --tags stablecomponents --about "~10 minutes on 2 cores" \
    --ldflags "-X github.com/dapr/dapr/pkg/buildinfo.version=$DAPR_VERSION" .
}

# An existing daprd of the pinned minor version (PATH or ~/.dapr/bin) is used instead of a build.
resolve_daprd() {
  local c
  for c in "$(command -v daprd 2>/dev/null || true)" "$HOME/.dapr/bin/daprd"; do
    if [ -n "$c" ] && [ -x "$c" ] && "$c" --version 2>/dev/null | grep -q "^${DAPR_VERSION%.*}\."; then
      ln -sf "$c" "$BIN/daprd"; return 0
    fi
  done
  build_daprd
}

resolve_ferretdb() { go_tool ferretdb "$FERRETDB_VERSION" --cgo --about "~3 minutes" .; }

# Ory Hydra through the wrapper module tools/go/hydra, with its SQLite driver (cgo) for the
# in-memory database npm start and the tests give it (DSN=memory).
resolve_hydra() { go_tool hydra "$HYDRA_VERSION" --cgo --tags sqlite,sqlite_omit_load_extension --about "~2 minutes on 2 cores" .; }

# helm: helm.sh/helm/v3/cmd/helm built from the wrapper module tools/go/helm (no replace directives
# needed; the wrapper pins go.sum). The ldflags are those of helm's Makefile: the version, and the
# default Kubernetes version derived from the client-go it is built with.
resolve_helm() {
  local ldflags="" kv kmaj kmin
  if [ ! -x "$(go_tool_path helm "$HELM_VERSION" helm)" ]; then
    kv=$(cd "$ROOT/tools/go/helm" && go list -mod=readonly -m -f '{{.Version}}' k8s.io/client-go) || die "helm: cannot read the client-go version"
    kv=${kv#v}; kmaj=$(( ${kv%%.*} + 1 )); kmin=$(echo "$kv" | cut -d. -f2)
    ldflags="-X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean
      -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=$kmaj -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$kmin
      -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=$kmaj -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$kmin"
  fi
  go_tool helm "$HELM_VERSION" --about "~4 minutes on 2 cores" --ldflags "$ldflags" helm.sh/helm/v3/cmd/helm
}

resolve_kubeconform() {
  go_tool kubeconform "$KUBECONFORM_VERSION" --about "~1 minute" --ldflags "-X main.version=v$KUBECONFORM_VERSION" \
    github.com/yannh/kubeconform/cmd/kubeconform
}

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
  need_go "the Kubernetes schemas"
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

# tilt is installed by the user; nothing here builds it. tiltfile-check evaluates the Tiltfile
# offline with go.starlark.net, the interpreter Tilt embeds (tools/go/tilt/README.md).
resolve_tiltfile_check() { go_tool tiltfile-check "" --wrapper tilt/tiltfile-check --about "~30 seconds" .; }

main() {
  if [ "${1:-}" = "--print-env" ]; then echo "TOOLS_BIN=$BIN"; return 0; fi
  [ $# -eq 0 ] && set -- all
  for t in "$@"; do
    case "$t" in
      daprd) resolve_daprd ;;
      ferretdb) resolve_ferretdb ;;
      hydra) resolve_hydra ;;
      helm) resolve_helm ;;
      kubeconform) resolve_kubeconform ;;
      k8s-schemas) resolve_k8s_schemas ;;
      tilt) die "tilt is installed by the user, not built here (the Tiltfile is checked offline by tiltfile-check)" ;;
      tiltfile-check) resolve_tiltfile_check ;;
      all) resolve_daprd; resolve_ferretdb; resolve_hydra; resolve_helm; resolve_kubeconform; resolve_k8s_schemas; resolve_tiltfile_check ;;
      *) die "unknown tool '$t' (daprd, ferretdb, hydra, helm, kubeconform, k8s-schemas, tiltfile-check, all)" ;;
    esac
  done
}
main "$@"
