# The Kubernetes node itself (sourced after lib.sh, runtime.sh and pki.sh): network guard, etcd,
# the control plane, the kubelet and kube-proxy, as background processes of this machine.

# --- Network guard -------------------------------------------------------------------------------
# Before anything starts: the node's address on lo, "unreachable" routes for the pod and Service
# ranges (kube-proxy rewrites Service addresses before routing, so Services still work on the
# node), and a FORWARD rule that rejects any packet coming from the pod bridge that would leave
# through another interface. Pods reach each other, the node and Services, and nothing else: no
# packet to a private or public range leaves this machine.
save_sysctl() {
  local key=$1 file="$STATE/sysctl.orig"
  grep -q "^$key=" "$file" 2>/dev/null && return 0
  [ -e "/proc/sys/${key//.//}" ] || return 0
  echo "$key=$(cat "/proc/sys/${key//.//}")" >>"$file"
}
network_guard_up() {
  mkdir -p "$STATE"
  ip addr show dev lo | grep -q " $NODE_IP/32 " || ip addr add "$NODE_IP/32" dev lo
  local range
  for range in "$POD_CIDR" "$SERVICE_CIDR"; do
    ip route show type unreachable | grep -q "^unreachable $range" || ip route add unreachable "$range"
  done
  # The kubelet changes these host sysctls; cluster:down puts back what was there.
  for key in net.ipv4.ip_forward vm.overcommit_memory kernel.panic kernel.panic_on_oops \
    net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables; do
    save_sysctl "$key"
  done
  sysctl -qw net.ipv4.ip_forward=1
  iptables -N BANK-CLUSTER-GUARD 2>/dev/null || iptables -F BANK-CLUSTER-GUARD
  iptables -A BANK-CLUSTER-GUARD -i "$BRIDGE" -o "$BRIDGE" -j RETURN
  iptables -A BANK-CLUSTER-GUARD -i "$BRIDGE" -j REJECT --reject-with icmp-net-unreachable
  network_guard_first
}
# Keep the guard the first rule of FORWARD (kube-proxy inserts its own chains at the top).
network_guard_first() {
  while iptables -D FORWARD -j BANK-CLUSTER-GUARD 2>/dev/null; do :; done
  iptables -I FORWARD 1 -j BANK-CLUSTER-GUARD
}

cni_config() {
  local prereq
  for prereq in bridge host-local loopback portmap; do
    [ -x "/usr/lib/cni/$prereq" ] || die "CNI plugin $prereq is missing: apt-get install -y containernetworking-plugins"
  done
  mkdir -p "$STATE/cni/net.d" "$STATE/cni/ipam"
  # No ipMasq: pod traffic is never meant to leave the machine (see the guard above).
  cat >"$STATE/cni/net.d/10-bank.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "bank-pods",
  "plugins": [
    {
      "type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": {
        "type": "host-local", "dataDir": "$STATE/cni/ipam",
        "ranges": [[{"subnet": "$NODE_POD_CIDR"}]], "routes": [{"dst": "0.0.0.0/0"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
JSON
}

# --- etcd and the control plane ------------------------------------------------------------------
start_etcd() {
  mkdir -p "$STATE/etcd"; chmod 700 "$STATE/etcd"
  start_daemon etcd "$BIN/etcd" --name "$NODE_NAME" --data-dir "$STATE/etcd" \
    --listen-client-urls https://127.0.0.1:2379 --advertise-client-urls https://127.0.0.1:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster "$NODE_NAME=http://127.0.0.1:2380" --listen-metrics-urls http://127.0.0.1:2381 \
    --client-cert-auth --trusted-ca-file "$PKI/etcd-ca.crt" \
    --cert-file "$PKI/etcd-server.crt" --key-file "$PKI/etcd-server.key" \
    --quota-backend-bytes 2147483648 --snapshot-count 10000 --log-level warn
  wait_for etcd 60 curl -sf http://127.0.0.1:2381/health
}

# --enable-aggregator-routing: webhooks (Dapr's sidecar injector) are called at their endpoints'
# pod addresses, not their Service address: the node itself cannot reach Service addresses, whose
# range is "unreachable" for the host's own connections (kube-proxy rewrites only pod traffic
# before routing; a local connect() is routed first and refused).
start_apiserver() {
  start_daemon kube-apiserver "$BIN/kube-apiserver" \
    --advertise-address "$NODE_IP" --bind-address "$NODE_IP" --secure-port 6443 \
    --etcd-servers https://127.0.0.1:2379 --etcd-cafile "$PKI/etcd-ca.crt" \
    --etcd-certfile "$PKI/apiserver-etcd-client.crt" --etcd-keyfile "$PKI/apiserver-etcd-client.key" \
    --client-ca-file "$PKI/ca.crt" --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
    --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority "$PKI/ca.crt" --kubelet-preferred-address-types InternalIP \
    --service-cluster-ip-range "$SERVICE_CIDR" \
    --service-account-issuer "https://kubernetes.default.svc.$CLUSTER_DOMAIN" \
    --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
    --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
    --allow-privileged=true --profiling=false --anonymous-auth=true \
    --enable-aggregator-routing=true --v=1
  wait_for "the API server" 120 curl -sf --cacert "$PKI/ca.crt" "https://$NODE_IP:6443/readyz"
}

start_controller_manager() {
  start_daemon kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig "$STATE/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$STATE/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$STATE/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --leader-elect=false --use-service-account-credentials \
    --allocate-node-cidrs --cluster-cidr "$POD_CIDR" --node-cidr-mask-size 24 \
    --service-cluster-ip-range "$SERVICE_CIDR" \
    --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
    --root-ca-file "$PKI/ca.crt" --service-account-private-key-file "$PKI/sa.key" \
    --profiling=false --v=1
}

start_scheduler() {
  start_daemon kube-scheduler "$BIN/kube-scheduler" --kubeconfig "$STATE/scheduler.kubeconfig" \
    --authentication-kubeconfig "$STATE/scheduler.kubeconfig" --authorization-kubeconfig "$STATE/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --leader-elect=false --profiling=false --v=1
}

# --- The node ------------------------------------------------------------------------------------
start_kubelet() {
  # Never rewrite a running daemon's configuration: kube-proxy exits when its file changes.
  daemon_running kubelet && return 0
  mkdir -p "$STATE/kubelet"
  # Settings this machine needs (CLUSTER.md): cgroupfs (cgroup v1, no systemd), oomScoreAdj 0 (a
  # negative score is refused), no swap check, no host resolv.conf for pods (its nameserver is
  # outside the machine; CoreDNS answers the cluster's names and nothing else).
  cat >"$STATE/kubelet/config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
tlsCertFile: $PKI/kubelet.crt
tlsPrivateKeyFile: $PKI/kubelet.key
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
cgroupDriver: cgroupfs
cgroupsPerQOS: true
failSwapOn: false
failCgroupV1: false
oomScoreAdj: 0
localStorageCapacityIsolation: true
clusterDNS: [$DNS_SERVICE_IP]
clusterDomain: $CLUSTER_DOMAIN
resolvConf: ""
serializeImagePulls: false
rotateCertificates: false
evictionHard: {memory.available: "500Mi", nodefs.available: "5%", imagefs.available: "5%"}
imageGCHighThresholdPercent: 95
imageGCLowThresholdPercent: 90
maxPods: 110
YAML
  start_daemon kubelet "$BIN/kubelet" --config "$STATE/kubelet/config.yaml" \
    --kubeconfig "$STATE/kubelet.kubeconfig" --root-dir "$STATE/kubelet/root" \
    --hostname-override "$NODE_NAME" --node-ip "$NODE_IP" --v=1
}

start_kube_proxy() {
  # Never rewrite a running daemon's configuration: kube-proxy exits when its file changes.
  daemon_running kube-proxy && return 0
  mkdir -p "$STATE/kube-proxy"
  cat >"$STATE/kube-proxy/config.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $STATE/kube-proxy.kubeconfig}
hostnameOverride: $NODE_NAME
mode: iptables
clusterCIDR: $POD_CIDR
oomScoreAdj: 0
conntrack: {maxPerCore: 0}
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
# NodePorts only on the node's own address, never on a real interface.
nodePortAddresses: ["$NODE_IP/32"]
YAML
  start_daemon kube-proxy "$BIN/kube-proxy" --config "$STATE/kube-proxy/config.yaml" --v=1
}
