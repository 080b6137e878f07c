#!/usr/bin/env bash
# Builds the local cluster's binaries from the Go module proxy, pinned and cached by version plus
# a hash of the wrapper module under tools/go (as scripts/tools.sh does for daprd and helm):
#
#   scripts/cluster/build.sh [kube|etcd|coredns|local-path-provisioner|dapr-control-plane|pause|all]...
#
# kube is one multi-call binary (kube-apiserver, kube-controller-manager, kube-scheduler, kubelet,
# kube-proxy, kubectl); links named after each command are made beside it. pause is compiled
# with gcc from the k8s.io/kubernetes module's build/pause/linux/pause.c. daprd and helm come
# from scripts/tools.sh. Nothing is downloaded from anywhere but the Go module proxy.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
mkdir -p "$BIN" "$CACHE/build"

need_go() { command -v go >/dev/null 2>&1 || die "Go >= 1.26 is needed to build the cluster's binaries from the Go module proxy"; }

# build_go NAME VERSION PACKAGE [LDFLAGS]: go build PACKAGE in tools/go/NAME -> $BIN/NAME-VERSION-HASH,
# linked as $BIN/NAME. One build at a time per tool (flock), so parallel callers wait.
build_go() {
  local name=$1 version=$2 pkg=$3 ldflags=${4:-}
  local out
  out="$BIN/$name-$version-$(wrapper_hash "$name")"
  exec {lock}>"$CACHE/build/$name.lock"
  flock "$lock"
  if [ ! -x "$out" ]; then
    need_go
    say "building $name $version from the Go module proxy (first time only)"
    local t0=$SECONDS
    (cd "$ROOT/tools/go/$name" && CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags "-s -w $ldflags" -o "$out.tmp" "$pkg") \
      || die "$name build failed (see the Go output above)"
    mv "$out.tmp" "$out"
    say "$name $version -> $out ($((SECONDS - t0)) s)"
  fi
  ln -sf "$(basename "$out")" "$BIN/$name"
  exec {lock}>&-
}

build_kube() {
  local v=$KUBE_VERSION
  build_go kube "$v" . "-X k8s.io/component-base/version.gitVersion=v$v \
    -X k8s.io/component-base/version.gitMajor=${v%%.*} -X k8s.io/component-base/version.gitMinor=$(echo "$v" | cut -d. -f2) \
    -X k8s.io/component-base/version.gitTreeState=clean"
  local c
  for c in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl; do
    ln -sf kube "$BIN/$c"
  done
}
build_etcd() { build_go etcd "$ETCD_VERSION" go.etcd.io/etcd/server/v3; }
build_coredns() { build_go coredns "$COREDNS_VERSION" github.com/coredns/coredns; }
build_local_path() { build_go local-path-provisioner "$LOCAL_PATH_VERSION" github.com/rancher/local-path-provisioner; }
build_dapr_control_plane() {
  build_go dapr-control-plane "$DAPR_VERSION" . "-X github.com/dapr/dapr/pkg/buildinfo.version=$DAPR_VERSION"
}

# The pause container: a static C program from the Kubernetes release itself.
build_pause() {
  local out="$BIN/pause-$KUBE_VERSION"
  if [ ! -x "$out" ]; then
    need_go
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
  for name in kube etcd coredns local-path-provisioner dapr-control-plane; do
    case "$name" in
      kube) version=$KUBE_VERSION ;; etcd) version=$ETCD_VERSION ;; coredns) version=$COREDNS_VERSION ;;
      local-path-provisioner) version=$LOCAL_PATH_VERSION ;; dapr-control-plane) version=$DAPR_VERSION ;;
    esac
    [ -x "$BIN/$name-$version-$(wrapper_hash "$name")" ] || { echo "$name $version is not built yet"; return 1; }
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
      pause) build_pause ;;
      all) build_pause; build_etcd; build_kube; build_coredns; build_local_path; build_dapr_control_plane ;;
      *) die "unknown binary '$t' (kube, etcd, coredns, local-path-provisioner, dapr-control-plane, pause, all)" ;;
    esac
  done
}
main "$@"
