#!/usr/bin/env bash
# npm run cluster:up -- a single-node Kubernetes 1.34 on this machine, built only from the package
# registries, with Dapr installed by its own Helm chart (mTLS on), a default StorageClass and
# CoreDNS. Idempotent: what is running stays, what is missing is built or started. Afterwards:
#
#   export KUBECONFIG=/var/lib/bank-cqrs-cluster/admin.kubeconfig   (printed at the end)
#   npm run cluster:deploy    # the application, as README "Deploy to a Kubernetes cluster" says
#   npm run test:cluster      # the end-to-end suite against that release
#   npm run cluster:down      # stops everything and leaves nothing behind
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$ROOT/scripts/cluster/runtime.sh"
source "$ROOT/scripts/cluster/pki.sh"
source "$ROOT/scripts/cluster/node.sh"

# Debian's packages the node needs: the command each one provides, and the package.
RUNTIME_PACKAGES=(containerd:containerd runc:runc dockerd:docker.io iptables:iptables conntrack:conntrack ip:iproute2
  openssl:openssl debootstrap:debootstrap curl:curl gcc:gcc /usr/lib/cni/bridge:containernetworking-plugins)

# Installs what is missing of them (as the browser test installs Chromium): we are root here, and
# Debian's mirror is one of the registries this machine reaches.
install_runtime_packages() {
  local missing=() entry cmd
  for entry in "${RUNTIME_PACKAGES[@]}"; do
    cmd=${entry%%:*}
    if [[ $cmd == /* ]]; then [ -e "$cmd" ] || missing+=("${entry#*:}")
    else command -v "$cmd" >/dev/null 2>&1 || missing+=("${entry#*:}"); fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || die "missing Debian packages: ${missing[*]} (and no apt-get to install them)"
  say "installing Debian's ${missing[*]} (apt-get, once)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" libc6-dev >/dev/null \
    || die "apt-get install ${missing[*]} failed"
}

prerequisites() {
  need_root
  install_runtime_packages
  command -v go >/dev/null 2>&1 || die "Go >= 1.26 is missing (from your distribution or go.dev)"
  [ -d /sys/fs/cgroup/memory ] || [ -f /sys/fs/cgroup/cgroup.controllers ] || die "no cgroup memory controller mounted"
}

# Renders an add-on manifest (its @NAME@ placeholders) and applies it.
apply_addon() {
  sed -e "s#@LOCAL_PATH_DIR@#$STATE/local-path#g" -e "s#@CLUSTER_DOMAIN@#$CLUSTER_DOMAIN#g" \
    -e "s#@DNS_SERVICE_IP@#$DNS_SERVICE_IP#g" -e "s#@COREDNS_VERSION@#$COREDNS_VERSION#g" \
    "$ROOT/scripts/cluster/addons/$1.yaml" | kubectl apply -f - >/dev/null
}

# Dapr's own Helm chart, from the pinned Dapr module (the one daprd is built from), with the
# images built here: mTLS on (sentry), sidecars injected from the pods' annotations.
# The sidecar injector's webhook gets the longest timeout the API server allows (30 s; Dapr's
# chart leaves the default 10 s). An injection slower than 10 s (seen in CI, 2026-12-04, during
# the rolling upgrade on 2 busy cores: "Failed calling webhook, failing open
# sidecar-injector.dapr.io ... context deadline exceeded") created a gateway pod without its daprd,
# never Ready, and `helm upgrade --wait` hung on it. Failing closed instead (failurePolicy Fail)
# is not an option here: the webhook has no selector, so every pod of the cluster, the injector's
# own included, would wait on it. The injector itself only ever patches the webhook's caBundle
# (cmd/injector/app/app.go in Dapr 1.18.2), so the timeout stays.
# No scheduler and no placement (global.scheduler.enabled, global.actors.enabled false): the system
# uses no actors, workflows or jobs (its transfer process is its own, docs/deploy.md), and the
# chart's scheduler is three embedded etcd members whatever global.ha says. On 2 busy cores they
# lost readiness together (CI, 2026-12-04: dapr-scheduler-server 0/3 ready in the swap suite, a
# rolling upgrade that never finished, the injector not ready), and a sidecar connected to a sick
# scheduler can lose its own readiness (dapr/dapr#8681). Disabled, the injector gives daprd no
# scheduler or placement address at all.
install_dapr() {
  local chart
  chart=$(cd "$ROOT/tools/go/daprd" && go mod download -json "github.com/dapr/dapr@v$DAPR_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')/charts/dapr
  [ -f "$chart/Chart.yaml" ] || die "Dapr's Helm chart is missing from github.com/dapr/dapr@v$DAPR_VERSION"
  helm upgrade --install dapr "$chart" --namespace dapr-system --create-namespace --wait --timeout 10m \
    --set global.registry=bank-cqrs.local/dapr --set global.tag="$DAPR_VERSION" \
    --set global.mtls.enabled=true --set global.ha.enabled=false \
    --set global.scheduler.enabled=false --set global.actors.enabled=false >/dev/null
  kubectl patch mutatingwebhookconfiguration dapr-sidecar-injector --type=json \
    -p '[{"op":"add","path":"/webhooks/0/timeoutSeconds","value":30}]' >/dev/null
}

main() {
  local t0=$SECONDS
  prerequisites
  say "binaries (built once from the Go module proxy, cached under $CACHE)"
  bash "$ROOT/scripts/tools.sh" daprd ferretdb hydra helm
  bash "$ROOT/scripts/cluster/build.sh" all
  say "network guard: $NODE_IP on lo, unreachable routes for $POD_CIDR and $SERVICE_CIDR"
  network_guard_up
  cni_config
  say "containerd, dockerd and the image registry on $REGISTRY_ADDR"
  start_containerd
  start_dockerd
  start_registry
  say "images (the project's Dockerfiles, Dapr, add-ons, infrastructure) into containerd"
  bash "$ROOT/scripts/cluster/images.sh"
  say "control plane"
  make_pki
  start_etcd
  start_apiserver
  start_controller_manager
  start_scheduler
  say "node $NODE_NAME"
  start_kubelet
  start_kube_proxy
  wait_for "node $NODE_NAME to be Ready" 180 kubectl wait --for=condition=Ready "node/$NODE_NAME" --timeout=5s
  network_guard_first
  say "add-ons: CoreDNS, local-path StorageClass"
  apply_addon coredns
  apply_addon local-path
  kubectl -n kube-system rollout status deployment/coredns --timeout=180s >/dev/null
  kubectl -n local-path-storage rollout status deployment/local-path-provisioner --timeout=180s >/dev/null
  say "Dapr $DAPR_VERSION (its Helm chart, mTLS on)"
  install_dapr
  network_guard_first
  say "ready in $((SECONDS - t0)) s. Use it with:"
  echo "export KUBECONFIG=$KUBECONFIG_ADMIN"
}
main "$@"
