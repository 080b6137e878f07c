#!/usr/bin/env bash
# Builds the local cluster's binaries from the Go module proxy, pinned and cached by version plus
# a hash of the wrapper module under tools/go (scripts/go-tool.sh, as scripts/tools.sh does):
#
#   scripts/cluster/build.sh [kube|etcd|coredns|local-path-provisioner|dapr-control-plane|registry|pause|all]...
#
# kube is one multi-call binary (kube-apiserver, kube-controller-manager, kube-scheduler, kubelet,
# kube-proxy, kubectl); links named after each command are made beside it. pause is compiled
# with gcc from the k8s.io/kubernetes module's build/pause/linux/pause.c. daprd and helm come
# from scripts/tools.sh. Nothing is downloaded from anywhere but the Go module proxy.
# lib.sh brings go_tool (scripts/go-tool.sh): the Go build, cache and lock shared with scripts/tools.sh.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
mkdir -p "$BIN" "$CACHE/build"

build_kube() {
  local v=$KUBE_VERSION
  go_tool kube "$v" --about "~12 minutes on 2 cores" --ldflags "-X k8s.io/component-base/version.gitVersion=v$v \
    -X k8s.io/component-base/version.gitMajor=${v%%.*} -X k8s.io/component-base/version.gitMinor=$(echo "$v" | cut -d. -f2) \
    -X k8s.io/component-base/version.gitTreeState=clean" .
  local c
  for c in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl; do
    ln -sf kube "$BIN/$c"
  done
}
build_etcd() { go_tool etcd "$ETCD_VERSION" --about "~1 minute" go.etcd.io/etcd/server/v3; }
build_coredns() { go_tool coredns "$COREDNS_VERSION" --about "~5 minutes" github.com/coredns/coredns; }
build_local_path() { go_tool local-path-provisioner "$LOCAL_PATH_VERSION" --about "~3 minutes" github.com/rancher/local-path-provisioner; }
build_registry() {
  go_tool registry "$REGISTRY_VERSION" --about "~3 minutes" \
    --ldflags "-X github.com/distribution/distribution/v3/version.version=v$REGISTRY_VERSION" github.com/distribution/distribution/v3/cmd/registry
}
build_dapr_control_plane() {
  go_tool dapr-control-plane "$DAPR_VERSION" --about "~4 minutes" --ldflags "-X github.com/dapr/dapr/pkg/buildinfo.version=$DAPR_VERSION" .
}

# The pause container: a static C program from the Kubernetes release itself.
build_pause() {
  local out="$BIN/pause-$KUBE_VERSION"
  if [ ! -x "$out" ]; then
    need_go pause
    command -v gcc >/dev/null || die "gcc is needed to build the pause container (apt-get install -y gcc libc6-dev)"
    local dir
    dir=$(cd "$ROOT/tools/go/kube" && go mod download -json "k8s.io/kubernetes@v$KUBE_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
    [ -f "$dir/build/pause/linux/pause.c" ] || die "no build/pause/linux/pause.c in k8s.io/kubernetes@v$KUBE_VERSION"
    gcc -Os -Wall -Werror -static -DVERSION="v3.10-bank" -o "$out.tmp" "$dir/build/pause/linux/pause.c" \
      || die "compiling pause.c failed"
    strip "$out.tmp"; mv "$out.tmp" "$out"
  fi
  ln -sf "$(basename "$out")" "$BIN/pause"
}

# --check: exit 0 when every binary of this version is already cached (nothing would be built).
check_cached() {
  local name version
  for name in kube etcd coredns local-path-provisioner dapr-control-plane registry; do
    case "$name" in
      kube) version=$KUBE_VERSION ;; etcd) version=$ETCD_VERSION ;; coredns) version=$COREDNS_VERSION ;;
      local-path-provisioner) version=$LOCAL_PATH_VERSION ;; dapr-control-plane) version=$DAPR_VERSION ;;
      registry) version=$REGISTRY_VERSION ;;
    esac
    [ -x "$(go_tool_path "$name" "$version" "$name")" ] || { echo "$name $version is not built yet"; return 1; }
  done
  [ -x "$BIN/pause-$KUBE_VERSION" ] || { echo "pause is not built yet"; return 1; }
}

main() {
  if [ "${1:-}" = "--check" ]; then check_cached; return; fi
  [ $# -eq 0 ] && set -- all
  local t
  for t in "$@"; do
    case "$t" in
      kube) build_kube ;;
      etcd) build_etcd ;;
      coredns) build_coredns ;;
      local-path-provisioner) build_local_path ;;
      dapr-control-plane) build_dapr_control_plane ;;
      registry) build_registry ;;
      pause) build_pause ;;
      all) build_pause; build_etcd; build_kube; build_coredns; build_local_path; build_dapr_control_plane; build_registry ;;
      *) die "unknown binary '$t' (kube, etcd, coredns, local-path-provisioner, dapr-control-plane, registry, pause, all)" ;;
    esac
  done
}
main "$@"
