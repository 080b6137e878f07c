#!/usr/bin/env bash
# npm run cluster:down -- stops the local cluster and leaves nothing behind on the machine: no
# process, mount, network namespace, interface, route, address, iptables rule or changed sysctl.
# Cached binaries and images (under ~/.cache/bank-cqrs-tools) stay, so the next cluster:up is
# quick. Exits non-zero, listing it, if anything is left.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$ROOT/scripts/cluster/runtime.sh"
need_root

# Every pod container: kill its task (runc processes outlive containerd), then remove it.
remove_containers() {
  [ -S "$CONTAINERD_SOCK" ] || return 0
  local ns id
  for ns in k8s.io moby; do
    for id in $(/usr/bin/ctr --address "$CONTAINERD_SOCK" -n "$ns" tasks ls -q 2>/dev/null); do
      /usr/bin/ctr --address "$CONTAINERD_SOCK" -n "$ns" tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true
    done
    sleep 1
    for id in $(/usr/bin/ctr --address "$CONTAINERD_SOCK" -n "$ns" tasks ls -q 2>/dev/null); do
      /usr/bin/ctr --address "$CONTAINERD_SOCK" -n "$ns" tasks rm -f "$id" >/dev/null 2>&1 || true
    done
    for id in $(/usr/bin/ctr --address "$CONTAINERD_SOCK" -n "$ns" containers ls -q 2>/dev/null); do
      /usr/bin/ctr --address "$CONTAINERD_SOCK" -n "$ns" containers rm "$id" >/dev/null 2>&1 || true
    done
  done
}

# containerd's shims (one per pod) are started with the node's socket in their arguments.
kill_leftover_processes() {
  local pids
  pids=$(pgrep -f "containerd-shim.*$RUN|$STATE/|$RUN/" 2>/dev/null || true)
  [ -n "$pids" ] && kill -KILL $pids 2>/dev/null || true
  return 0
}

unmount_all() {
  local m
  # Deepest first.
  for m in $(awk -v s="$STATE" -v r="$RUN" -v c="$CACHE/docker" '$2 ~ "^(" s "|" r "|" c ")" {print $2}' /proc/mounts | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  for m in $(awk '$2 ~ "^/(var/)?run/netns/cni-" {print $2}' /proc/mounts | sort -u); do
    umount -l "$m" 2>/dev/null || true; rm -f "$m"
  done
}

# Rules that jump to, and chains named, KUBE-* (kube-proxy, kubelet), CNI-* (portmap) and
# BANK-CLUSTER-* (the network guard), in every table, IPv4 and IPv6.
clean_iptables() {
  local cmd table rule chain
  for cmd in iptables ip6tables; do
    command -v "$cmd" >/dev/null || continue
    for table in filter nat mangle raw; do
      "$cmd" -t "$table" -S >/dev/null 2>&1 || continue
      while read -r rule; do
        eval "$cmd -t $table ${rule/-A /-D }" 2>/dev/null || true
      done < <("$cmd" -t "$table" -S | grep -E '^-A ' | grep -E -- '-j (KUBE-|CNI-|BANK-CLUSTER-)' | grep -vE '^-A (KUBE-|CNI-|BANK-CLUSTER-)')
      for chain in $("$cmd" -t "$table" -S | awk '$1 == "-N" && $2 ~ /^(KUBE-|CNI-|BANK-CLUSTER-)/ {print $2}'); do
        "$cmd" -t "$table" -F "$chain" 2>/dev/null || true
      done
      for chain in $("$cmd" -t "$table" -S | awk '$1 == "-N" && $2 ~ /^(KUBE-|CNI-|BANK-CLUSTER-)/ {print $2}'); do
        "$cmd" -t "$table" -X "$chain" 2>/dev/null || true
      done
    done
  done
}

clean_network() {
  local link range
  for link in $(ip -o link show type veth 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
    ip link show "$link" 2>/dev/null | grep -q "master $BRIDGE" && ip link del "$link" 2>/dev/null || true
  done
  ip link show "$BRIDGE" >/dev/null 2>&1 && ip link del "$BRIDGE" 2>/dev/null || true
  for range in "$POD_CIDR" "$SERVICE_CIDR"; do
    ip route del unreachable "$range" 2>/dev/null || true
  done
  ip addr del "$NODE_IP/32" dev lo 2>/dev/null || true
  command -v conntrack >/dev/null && conntrack -D -s "$POD_CIDR" >/dev/null 2>&1 || true
}

restore_sysctls() {
  [ -f "$STATE/sysctl.orig" ] || return 0
  local line
  while read -r line; do sysctl -qw "$line" 2>/dev/null || true; done <"$STATE/sysctl.orig"
}

# What would show that something is left (also used by the cluster suite and CI).
leftovers() {
  local out=()
  local name
  for name in kubelet kube-proxy kube-scheduler kube-controller-manager kube-apiserver etcd dockerd containerd registry; do
    daemon_running "$name" && out+=("process $name")
  done
  pgrep -f "containerd-shim.*$RUN" >/dev/null 2>&1 && out+=("containerd shims")
  awk -v s="$STATE" -v r="$RUN" '$2 ~ "^(" s "|" r ")" {found=1} END {exit !found}' /proc/mounts && out+=("mounts under $STATE or $RUN")
  ip link show "$BRIDGE" >/dev/null 2>&1 && out+=("interface $BRIDGE")
  ip route show type unreachable | grep -qE "^unreachable ($POD_CIDR|$SERVICE_CIDR)" && out+=("unreachable routes")
  ip addr show dev lo | grep -q " $NODE_IP/32 " && out+=("address $NODE_IP on lo")
  iptables-save 2>/dev/null | grep -qE '(KUBE-|CNI-|BANK-CLUSTER-)' && out+=("iptables rules")
  [ -e "$STATE" ] && out+=("directory $STATE")
  printf '%s\n' "${out[@]}"
}

main() {
  if [ "${1:-}" = "--check" ]; then
    local left; left=$(leftovers)
    [ -z "$left" ] && { say "nothing of the local cluster is left on this machine"; return 0; }
    say "left behind:"; echo "$left" >&2; return 1
  fi
  say "stopping the node"
  stop_daemon kubelet
  stop_daemon kube-proxy
  remove_containers
  for name in kube-scheduler kube-controller-manager kube-apiserver etcd dockerd registry; do stop_daemon "$name"; done
  remove_containers
  stop_daemon containerd
  kill_leftover_processes
  say "unmounting, cleaning network and iptables"
  unmount_all
  [ -x "$BIN/kube-proxy" ] && "$BIN/kube-proxy" --cleanup >/dev/null 2>&1 || true
  clean_iptables
  clean_network
  restore_sysctls
  rm -rf "$STATE" "$RUN"
  # A shim killed a moment ago may not have exited yet (seen once, after an interrupted
  # cluster:up): look again for a few seconds before calling anything left behind.
  local i
  for ((i = 0; i < 10; i++)); do
    [ -z "$(leftovers)" ] && break
    kill_leftover_processes
    sleep 1
  done
  main --check
}
main "$@"
