# The node's container runtime (sourced by scripts/cluster/*.sh after lib.sh): Debian's containerd
# and runc for the kubelet (CRI), and Debian's dockerd on top of the same containerd, used only to
# build images from the project's Dockerfiles. Both run as plain background processes (PID 1 is
# not systemd here), with sockets under $RUN so they never touch a containerd or Docker the
# machine may already run.

containerd_config() {
  mkdir -p "$STATE/containerd" "$STATE/cni/net.d" "$RUN" "$STATE/containerd/certs.d/$REGISTRY_ADDR"
  # The local registry (registry.sh) speaks plain HTTP on loopback: pulls of $REGISTRY_ADDR/...
  # (the images `tilt up` pushes) go there; every other name is resolved as before.
  cat >"$STATE/containerd/certs.d/$REGISTRY_ADDR/hosts.toml" <<TOML
server = "http://$REGISTRY_ADDR"

[host."http://$REGISTRY_ADDR"]
  capabilities = ["pull", "resolve"]
TOML
  cat >"$STATE/containerd/config.toml" <<TOML
version = 2
root = "$STATE/containerd/root"
state = "$RUN/containerd"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = "$CONTAINERD_SOCK"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # A negative oom_score_adj (the kubelet gives pause and Guaranteed pods -998) is refused here:
  # no CAP_SYS_RESOURCE. Clamp to the runtime's own score instead.
  restrict_oom_score_adj = true
  disable_apparmor = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$STATE/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$STATE/containerd/certs.d"
TOML
}

start_containerd() {
  command -v containerd >/dev/null && command -v runc >/dev/null \
    || die "containerd and runc are missing: apt-get install -y containerd runc (Debian's packages)"
  containerd_config
  start_daemon containerd containerd --config "$STATE/containerd/config.toml"
  wait_for "containerd" 30 /usr/bin/ctr --address "$CONTAINERD_SOCK" version
}

# dockerd on the node's containerd (namespace "moby"), its images and build cache under $CACHE so
# they outlive the cluster. No bridge and no iptables rules of its own: builds run with
# --network host, and nothing of Docker's is left in the machine's firewall.
start_dockerd() {
  [ -x /usr/sbin/dockerd ] && [ -x /usr/bin/docker ] \
    || die "Docker's engine is missing: apt-get install -y docker.io (Debian's package; /usr/bin/docker builds, a docker client without buildx does not)"
  daemon_running containerd || start_containerd
  mkdir -p "$CACHE/docker" "$RUN/docker"
  start_daemon dockerd /usr/sbin/dockerd --host "unix://$DOCKER_SOCK" --containerd "$CONTAINERD_SOCK" \
    --data-root "$CACHE/docker" --exec-root "$RUN/docker" --pidfile "$RUN/docker/dockerd.pid" \
    --iptables=false --ip-masq=false --bridge=none --storage-driver=overlay2
  wait_for "dockerd" 60 /usr/bin/docker --host "unix://$DOCKER_SOCK" version
}

# The image registry on $REGISTRY_ADDR (CNCF Distribution, built by build.sh): `tilt up` pushes the
# images it builds there (the Tiltfile's default_registry for this cluster) and the node's
# containerd pulls them (containerd_config's hosts.toml). Loopback only, plain HTTP, its storage
# under $STATE (gone with cluster:down). Tracing off: nothing is exported anywhere.
start_registry() {
  [ -x "$BIN/registry" ] || die "the registry is not built: bash scripts/cluster/build.sh registry"
  mkdir -p "$STATE/registry"
  cat >"$STATE/registry/config.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $STATE/registry/data
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
YAML
  OTEL_TRACES_EXPORTER=none OTEL_SDK_DISABLED=true start_daemon registry "$BIN/registry" serve "$STATE/registry/config.yml"
  wait_for "the registry on $REGISTRY_ADDR" 30 curl -sf "http://$REGISTRY_ADDR/v2/"
}
