# Shared by scripts/cluster/*.sh: versions, paths, address ranges and small helpers.
# Sourced, never run. Everything built is cached by version under $CACHE (kept across
# cluster:down and fresh clones); everything a running cluster owns is under $STATE and $RUN
# (removed by cluster:down).
set -euo pipefail

ETCD_VERSION=3.6.8
COREDNS_VERSION=1.15.0
LOCAL_PATH_VERSION=0.0.30
# The image registry on 127.0.0.1:5000 that `tilt up` pushes to and containerd pulls from.
REGISTRY_VERSION=3.1.2
REGISTRY_ADDR=127.0.0.1:5000
# The pause image's name is containerd's sandbox_image; the binary is built from the
# k8s.io/kubernetes module's build/pause/linux/pause.c.
PAUSE_IMAGE=registry.k8s.io/pause:3.10
# Debian release of every image's base (debootstrap from the mirror apt already uses).
DEBIAN_SUITE=bookworm

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# CACHE, BIN, DAPR_VERSION, KUBE_VERSION and go_tool: shared with scripts/tools.sh.
source "$ROOT/scripts/go-tool.sh"
IMAGES="$CACHE/images"
STATE=${BANK_CLUSTER_STATE:-/var/lib/bank-cqrs-cluster}
RUN=/run/bank-cqrs-cluster
PKI="$STATE/pki"
LOGS="$STATE/logs"
KUBECONFIG_ADMIN="$STATE/admin.kubeconfig"
CONTAINERD_SOCK="$RUN/containerd.sock"
DOCKER_SOCK="$RUN/docker.sock"

# Addresses. The node's own address is an extra address on the loopback device: local to this
# machine by construction, stable across machines, and not in 127.0.0.0/8 (which Kubernetes
# refuses as an endpoint of the kubernetes Service). Pod and Service ranges get "unreachable"
# routes before anything starts, so no packet to them can leave through a real interface.
NODE_NAME=bank-node
NODE_IP=10.240.0.1
POD_CIDR=10.244.0.0/16
NODE_POD_CIDR=10.244.0.0/24
SERVICE_CIDR=10.96.0.0/12
KUBERNETES_SERVICE_IP=10.96.0.1
DNS_SERVICE_IP=10.96.0.10
CLUSTER_DOMAIN=cluster.local
BRIDGE=cni0

say() { printf '[cluster] %s\n' "$*" >&2; }
die() { printf '[cluster] ERROR: %s\n' "$*" >&2; exit 1; }

need_root() { [ "$(id -u)" = 0 ] || die "run as root: a Kubernetes node needs mounts, cgroups, iptables and routes"; }

# kubectl and helm of this project (built from the Go module proxy), pointed at the local cluster.
kubectl() { "$BIN/kubectl" --kubeconfig "$KUBECONFIG_ADMIN" "$@"; }
helm() { "$BIN/helm" --kubeconfig "$KUBECONFIG_ADMIN" "$@"; }
docker() { DOCKER_BUILDKIT=1 /usr/bin/docker --host "unix://$DOCKER_SOCK" "$@"; }
ctr() { /usr/bin/ctr --address "$CONTAINERD_SOCK" --namespace k8s.io "$@"; }


# wait_for DESCRIPTION SECONDS COMMAND...: retry COMMAND once a second until it succeeds.
wait_for() {
  local what=$1 seconds=$2; shift 2
  local i
  for ((i = 0; i < seconds; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  die "timed out after ${seconds}s waiting for $what"
}

# Background daemons: start_daemon NAME COMMAND... (pid in $RUN/NAME.pid, log in $LOGS/NAME.log).
start_daemon() {
  local name=$1; shift
  if daemon_running "$name"; then return 0; fi
  mkdir -p "$RUN" "$LOGS"
  setsid "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/$name.pid"
}
daemon_running() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }
stop_daemon() {
  local name=$1 pid i
  [ -f "$RUN/$name.pid" ] || return 0
  pid=$(cat "$RUN/$name.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 30; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$RUN/$name.pid"
}
