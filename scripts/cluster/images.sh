#!/usr/bin/env bash
# Every container image the local cluster runs, built on this machine with Docker (no registry can
# be pulled from here) and imported into the node's containerd (namespace k8s.io):
#
#   scripts/cluster/images.sh [build|import|all] [IMAGE...]   default: all (build, then import)
#   scripts/cluster/images.sh --list                           the images' names, one a line
#
# IMAGE restricts the run to some of them, by key: base node account-command account-query gateway
# dapr coredns local-path-provisioner pause redis postgres ferretdb rabbitmq hydra.
#
#   base         bank-cqrs.local/debian:bookworm  debootstrap --variant=minbase from Debian's mirror
#   node         node:20.20.2-bookworm-slim       base + this machine's Node 20 and npm
#   account-*,   bank-cqrs/<service>:0.1.0        the project's own Dockerfile, from the repository
#   gateway                                       root, exactly as README "Deploy" builds them
#   dapr         bank-cqrs.local/dapr/{daprd,operator,injector,sentry,placement,scheduler}:1.18.2
#   coredns, local-path-provisioner, pause (registry.k8s.io/pause:3.10): the add-ons' binaries
#   redis, postgres, ferretdb, rabbitmq: bank-cqrs.local/<name>, from Debian's packages
#   hydra        bank-cqrs.local/hydra:<chart's hydra.image.tag>  the OpenID Connect provider
#
# The Dockerfiles of everything but the services are in scripts/cluster/images/. Each image is
# rebuilt only when its inputs change: the base when its rootfs tarball does, the rest by Docker's
# layer cache (binaries are staged into a build context by hard link, compared by content). An
# image is imported only when containerd lacks it or has another image ID under its name.
#
# Measured here (2 cores, Docker 20.10.24 + BuildKit, containerd 1.6.20, 2026-12-03): a cold run
# (no rootfs tarball, no image, no build cache; containerd held only older builds, so all but a
# few identical binary layers were new to it) took 126 s: 37 s debootstrap, 55 s for the other
# builds, 30 s to import all 18 names in one `docker save | ctr import` (one import per image took
# 58 s). A warm run (nothing changed) takes 5-6 s. Sizes (Docker's, uncompressed; the 82 MB base
# is shared by all but pause and coredns): base 82 MB, node 194 MB, services 214-221 MB, dapr
# 286 MB, coredns 79 MB, local-path-provisioner 125 MB, pause 0.7 MB, redis 90 MB, postgres
# 379 MB, ferretdb 108 MB, rabbitmq 176 MB; 1.0 GB of distinct layers in all, plus 0.8 GB of
# build cache (npm caches, the gateway's build stage).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DOCKERFILES="$ROOT/scripts/cluster/images"
CONTEXTS="$IMAGES/context"
BUILD_LOGS="$IMAGES/logs"
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
DEBIAN_SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
ROOTFS_TAR="$IMAGES/debian-$DEBIAN_SUITE-minbase.tar"
BASE_IMAGE="bank-cqrs.local/debian:$DEBIAN_SUITE"
DAPR_IMAGES=(daprd operator injector sentry placement scheduler)
KEYS=(base node account-command account-query gateway dapr coredns local-path-provisioner pause redis postgres ferretdb rabbitmq hydra)

# The Node image's name is the services Dockerfile's default (ARG NODE_IMAGE).
node_image() {
  local name
  name=$(sed -n 's/^ARG NODE_IMAGE=//p' "$ROOT/services/Dockerfile")
  [ -n "$name" ] || die "services/Dockerfile has no ARG NODE_IMAGE default"
  echo "$name"
}

# A service's image as the chart names it: <section>.image.repository:<section>.image.tag in
# charts/bank-cqrs/values.yaml (section command, query or gateway).
chart_image() {
  awk -v sec="$1" '
    /^[^ #]/ { insec = ($0 ~ "^" sec ":"); inimg = 0; next }
    insec && /^  image:/ { inimg = 1; next }
    insec && /^  [^ ]/ { inimg = 0 }
    inimg && /^    repository:/ { repo = $2 }
    inimg && /^    tag:/ { tag = $2 }
    END { gsub(/"/, "", repo); gsub(/"/, "", tag); if (repo != "" && tag != "") print repo ":" tag }
  ' "$ROOT/charts/bank-cqrs/values.yaml"
}

# tags KEY: the names of the image KEY builds (the first is the one it is built as).
tags() {
  case "$1" in
    base) echo "$BASE_IMAGE" ;;
    node) node_image ;;
    account-command) chart_image command ;;
    account-query) chart_image query ;;
    gateway) chart_image gateway ;;
    dapr) local n; for n in "${DAPR_IMAGES[@]}"; do echo "bank-cqrs.local/dapr/$n:$DAPR_VERSION"; done ;;
    coredns) echo "bank-cqrs.local/coredns:$COREDNS_VERSION" ;;
    local-path-provisioner) echo "bank-cqrs.local/local-path-provisioner:$LOCAL_PATH_VERSION" ;;
    pause) echo "$PAUSE_IMAGE" ;;
    redis) echo "bank-cqrs.local/redis:7" ;;
    postgres) echo "bank-cqrs.local/postgres:15" ;;
    ferretdb) echo "bank-cqrs.local/ferretdb:1.24.2" ;;
    hydra) chart_image hydra ;;
    rabbitmq) echo "bank-cqrs.local/rabbitmq:3" ;;
    *) die "unknown image '$1' (one of: ${KEYS[*]})" ;;
  esac
}

image_id() { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }

# --- staging build contexts ----------------------------------------------------------------------

# stage KEY SRC [NAME]: SRC (links followed) into the build context of KEY as NAME, unless the
# same content is already there. Big files (the binaries, 40-133 MB) are hard links when possible,
# small ones (scripts, the CA bundle) and directories are copied.
stage() {
  local ctx="$CONTEXTS/$1" src dst
  src=$(readlink -f "$2") || die "cannot resolve $2"
  dst="$ctx/${3:-$(basename "$2")}"
  mkdir -p "$ctx"
  if [ -d "$src" ]; then
    if [ -d "$dst" ] && diff -rq --no-dereference "$src" "$dst" >/dev/null 2>&1; then return 0; fi
    rm -rf "$dst"
    cp -a "$src" "$dst"
    return 0
  fi
  [ -f "$src" ] || die "missing: $2"
  if [ "$src" -ef "$dst" ] || { [ -f "$dst" ] && cmp -s "$src" "$dst"; }; then return 0; fi
  rm -f "$dst"
  if [ "$(stat -c %s "$src")" -gt 1048576 ] && ln "$src" "$dst" 2>/dev/null; then return 0; fi
  cp -p "$src" "$dst"
}

# need_bin NAME HOW: a binary from $BIN, or die saying how to build it.
need_bin() {
  [ -x "$BIN/$1" ] || die "$BIN/$1 is missing: build it first with $2"
}

# --- building ------------------------------------------------------------------------------------

# docker_build KEY CONTEXT DOCKERFILE [ARGS...]: docker build (BuildKit, host network: dockerd has
# no bridge here) tagged with every name of KEY; the output goes to a log, shown on failure.
# Prints one line: the image, whether it changed, the time taken.
docker_build() {
  local key=$1 ctx=$2 file=$3; shift 3
  local -a names tagargs=()
  mapfile -t names < <(tags "$key")
  local n; for n in "${names[@]}"; do tagargs+=(-t "$n"); done
  local before t0=$SECONDS log="$BUILD_LOGS/$key.log"
  before=$(image_id "${names[0]}")
  mkdir -p "$BUILD_LOGS"
  if ! docker build --network host --progress plain -f "$file" "${tagargs[@]}" "$@" "$ctx" >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    die "building ${names[0]} failed (full log: $log)"
  fi
  report "$key" "$before" "$((SECONDS - t0))"
}

# report KEY ID-BEFORE SECONDS: the one line printed for an image.
report() {
  local key=$1 before=$2 secs=$3 first after what
  first=$(tags "$key" | head -n 1)
  after=$(image_id "$first")
  if [ "$before" = "$after" ]; then what="unchanged"; else what="built"; fi
  local extra=""
  [ "$(tags "$key" | wc -l)" -gt 1 ] && extra=" (+$(($(tags "$key" | wc -l) - 1)) tags)"
  say "image $first$extra: $what in ${secs}s, $(human "$(docker image inspect -f '{{.Size}}' "$first")"), ${after:7:12}"
}

human() { awk -v b="$1" 'BEGIN { if (b >= 1e9) printf "%.2f GB", b / 1e9; else printf "%.1f MB", b / 1e6 }'; }

# The base: a minbase bookworm (plus ca-certificates) made once by debootstrap from Debian's mirror
# (35-37 s here; 80 s while Go builds ran), trimmed as Debian's official images are (no docs, man
# pages, locales or apt lists: 86 MB of tarball, an 82 MB image), kept as a tarball under $IMAGES
# and imported into Docker (2 s) when the image is missing or was made from another tarball (a
# label records the tarball's checksum). Delete the tarball to refresh the base with the mirror's
# current packages (every other image then rebuilds on it).
build_base() {
  local t0=$SECONDS before
  before=$(image_id "$BASE_IMAGE")
  if [ ! -s "$ROOTFS_TAR" ]; then
    command -v debootstrap >/dev/null \
      || die "debootstrap is missing (it makes the Debian base of every image): apt-get install -y debootstrap"
    [ "$(id -u)" = 0 ] || die "debootstrap needs root (chroot, device nodes)"
    say "making the $DEBIAN_SUITE base with debootstrap from $DEBIAN_MIRROR (first time only, ~1 minute)"
    local dir stale
    for stale in "$IMAGES"/rootfs.*; do [ -d "$stale" ] && remove_rootfs "$stale"; done
    dir=$(mktemp -d "$IMAGES/rootfs.XXXXXX")
    mkdir -p "$BUILD_LOGS"
    if ! debootstrap --variant=minbase --include=ca-certificates "$DEBIAN_SUITE" "$dir" "$DEBIAN_MIRROR" \
      >"$BUILD_LOGS/debootstrap.log" 2>&1; then
      tail -n 20 "$BUILD_LOGS/debootstrap.log" >&2
      remove_rootfs "$dir"
      die "debootstrap failed (log: $BUILD_LOGS/debootstrap.log)"
    fi
    prepare_rootfs "$dir"
    tar --numeric-owner -C "$dir" --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' \
      -cf "$ROOTFS_TAR.tmp" .
    remove_rootfs "$dir"
    sha256sum "$ROOTFS_TAR.tmp" | cut -d' ' -f1 >"$ROOTFS_TAR.sha256"
    mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
  fi
  [ -s "$ROOTFS_TAR.sha256" ] || sha256sum "$ROOTFS_TAR" | cut -d' ' -f1 >"$ROOTFS_TAR.sha256"
  local sum
  sum=$(cat "$ROOTFS_TAR.sha256")
  if [ "$(docker image inspect -f '{{index .Config.Labels "bank-cqrs.rootfs.sha256"}}' "$BASE_IMAGE" 2>/dev/null)" != "$sum" ]; then
    docker import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'ENV LANG=C.UTF-8' \
      --change "LABEL bank-cqrs.rootfs.sha256=$sum" \
      --change 'CMD ["bash"]' \
      "$ROOTFS_TAR" "$BASE_IMAGE" >/dev/null
  fi
  report base "$before" "$((SECONDS - t0))"
}

# remove_rootfs DIR: a debootstrap target, also one left by an interrupted run (which may still
# have /proc, /sys or /dev/pts mounted in it: unmounted first, and rm never leaves DIR's file system).
remove_rootfs() {
  local dir=$1 m
  for m in dev/pts dev proc sys; do
    if mountpoint -q "$dir/$m" 2>/dev/null; then umount -l "$dir/$m" || die "cannot unmount $dir/$m"; fi
  done
  rm -rf --one-file-system "$dir"
}

# What the official Debian images do to a fresh rootfs: apt sources for the release, its updates
# and security; services never started by package scripts (policy-rc.d); no documentation,
# manuals or translations installed by later apt-get install; no package lists or caches kept.
prepare_rootfs() {
  local dir=$1
  cat >"$dir/etc/apt/sources.list" <<EOF
deb $DEBIAN_MIRROR $DEBIAN_SUITE main
deb $DEBIAN_MIRROR $DEBIAN_SUITE-updates main
deb $DEBIAN_SECURITY_MIRROR $DEBIAN_SUITE-security main
EOF
  printf '#!/bin/sh\n# Package scripts never start services in an image.\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
  chmod 0755 "$dir/usr/sbin/policy-rc.d"
  cat >"$dir/etc/dpkg/dpkg.cfg.d/docker-excludes" <<'EOF'
# Images carry no documentation, manuals or translations (copyright files are kept).
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
EOF
  cat >"$dir/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
Acquire::Languages "none";
EOF
  find "$dir/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
  find "$dir/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
  rm -rf "$dir"/usr/share/man/* "$dir"/usr/share/info/* "$dir"/var/cache/apt/archives/*.deb \
    "$dir"/var/cache/apt/*.bin "$dir"/var/lib/apt/lists/* "$dir"/var/log/* "$dir"/tmp/*
  find "$dir/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} + 2>/dev/null || true
  # Docker provides these at run time.
  : >"$dir/etc/hostname"
  : >"$dir/etc/resolv.conf"
}

# This machine's Node and npm: the version must be the image name's major (20.x). Here Node
# 20.20.2 from NodeSource (/usr/bin/node, 99 MB, linked against glibc and libstdc++, both in the
# base) with npm 11.19.1: a 194 MB image in 2-4 s. npm in the services' builds reaches the registry
# only with the machine's CA bundle: without NODE_EXTRA_CA_CERTS it fails with "self-signed
# certificate in certificate chain" (the machine's egress presents its own CA).
build_node() {
  local name want have nodebin npmdir
  name=$(node_image)
  want=$(echo "$name" | sed -n 's/^node:\([0-9]*\)\..*/\1/p')
  nodebin=$(command -v node 2>/dev/null) || die "no node on PATH: the image $name is made from this machine's Node $want"
  have=$("$nodebin" --version)
  [[ "$have" == "v$want."* ]] || die "the machine's node ($nodebin) is $have; the image $name needs Node $want.x"
  [ "v${name#node:}" = "${have}-bookworm-slim" ] || say "note: $name is made from the machine's Node $have"
  npmdir=$(dirname "$(readlink -f "$nodebin")")/../lib/node_modules/npm
  [ -f "$npmdir/bin/npm-cli.js" ] || die "npm is not beside the machine's node ($npmdir)"
  [ -s /etc/ssl/certs/ca-certificates.crt ] || die "no CA bundle at /etc/ssl/certs/ca-certificates.crt (npm in the images needs it)"
  stage node "$nodebin" node
  stage node "$npmdir" npm
  stage node /etc/ssl/certs/ca-certificates.crt
  docker_build node "$CONTEXTS/node" "$DOCKERFILES/node.Dockerfile" --build-arg BASE="$BASE_IMAGE" \
    --build-arg NODE_VERSION="${have#v}"
}

# The services, exactly as README "Deploy" builds them (from the repository root, one Dockerfile
# with SERVICE=<service>; it carries no "# syntax=" line, so BuildKit uses its built-in frontend
# and pulls nothing). Measured with one Dockerfile each, before they became one: cold
# account-command 3-5 s and account-query 4-6 s (npm ci: 63 packages in 3 s), gateway 15-31 s (its
# dashboard is built with Vite); 214-221 MB each, 20-28 MB over the Node image.
build_service() {
  local key=$1
  [ -n "$(image_id "$(node_image)")" ] || die "$(node_image) is missing: build it first (images.sh build node)"
  (cd "$ROOT" && docker_build "$key" . services/Dockerfile --build-arg SERVICE="$key")
}

# Dapr: daprd (133 MB, cgo: glibc from the base) and the control plane (71 MB, static) in one
# 286 MB image with six names, 2 s.
build_dapr() {
  need_bin daprd "bash scripts/tools.sh daprd"
  need_bin dapr-control-plane "bash scripts/cluster/build.sh dapr-control-plane"
  stage dapr "$BIN/daprd" daprd
  stage dapr "$BIN/dapr-control-plane" dapr-control-plane
  docker_build dapr "$CONTEXTS/dapr" "$DOCKERFILES/dapr.Dockerfile" --build-arg BASE="$BASE_IMAGE"
}

# build_binary_image KEY BINARY HOW [static]: an image of one binary from $BIN ("static": the image
# is FROM scratch, so the binary must not need a C library).
build_binary_image() {
  local key=$1 bin=$2 how=$3
  need_bin "$bin" "$how"
  if [ "${4:-}" = static ] && command -v file >/dev/null && ! file -L "$BIN/$bin" | grep -q 'statically linked'; then
    die "$BIN/$bin is not statically linked: the $key image has no C library (rebuild it with $how)"
  fi
  stage "$key" "$BIN/$bin" "$bin"
  docker_build "$key" "$CONTEXTS/$key" "$DOCKERFILES/$key.Dockerfile" --build-arg BASE="$BASE_IMAGE"
}

# Images from Debian's packages (apt-get in the build, from the mirror the base names). Cold:
# redis 3 s (7.0.15, 90 MB), postgres 12-17 s (15.20, 379 MB: Debian's postgresql-15 depends on
# LLVM for its JIT, 107 MB of it), rabbitmq 10-14 s (3.10.8 on Erlang 25, 176 MB).
build_debian_image() {
  local key=$1
  mkdir -p "$CONTEXTS/$key"
  [ "$key" = postgres ] && stage postgres "$DOCKERFILES/postgres-entrypoint.sh"
  docker_build "$key" "$CONTEXTS/$key" "$DOCKERFILES/$key.Dockerfile" --build-arg BASE="$BASE_IMAGE"
}

build() {
  case "$1" in
    base | pause) ;;
    *) [ -n "$(image_id "$BASE_IMAGE")" ] || die "$BASE_IMAGE is missing (Docker would try a registry for it): images.sh build base" ;;
  esac
  case "$1" in
    base) build_base ;;
    node) build_node ;;
    account-command | account-query | gateway) build_service "$1" ;;
    dapr) build_dapr ;;
    coredns) build_binary_image coredns coredns "bash scripts/cluster/build.sh coredns" static ;;
    local-path-provisioner) build_binary_image local-path-provisioner local-path-provisioner "bash scripts/cluster/build.sh local-path-provisioner" ;;
    pause) build_binary_image pause pause "bash scripts/cluster/build.sh pause" static ;;
    ferretdb)
      stage ferretdb "$DOCKERFILES/ferretdb-entrypoint.sh"
      build_binary_image ferretdb ferretdb "bash scripts/tools.sh ferretdb" ;;
    hydra) build_binary_image hydra hydra "bash scripts/tools.sh hydra" ;;
    redis | postgres | rabbitmq) build_debian_image "$1" ;;
  esac
}

# --- importing into containerd -------------------------------------------------------------------

# containerd's name for a Docker reference (as Kubernetes normalises it too): docker.io/ and
# library/ are implied.
normalize() {
  local ref=$1 first=${1%%/*}
  if [[ "$ref" != */* ]]; then echo "docker.io/library/$ref"
  elif [[ "$first" == *.* || "$first" == *:* || "$first" == localhost ]]; then echo "$ref"
  else echo "docker.io/$ref"; fi
}

# The image ID (config digest) containerd has under a name, from its manifest (or the first
# manifest of an index); nothing when it has no such image.
declare -A CTR_DIGESTS=()
load_ctr_images() {
  CTR_DIGESTS=()
  local ref type digest
  while read -r ref type digest _; do
    [ "$ref" = REF ] && continue
    CTR_DIGESTS[$ref]=$digest
  done < <(ctr images ls)
}
ctr_image_id() {
  local digest=${CTR_DIGESTS[$1]:-} json
  [ -n "$digest" ] || return 0
  json=$(ctr content get "$digest" 2>/dev/null) || return 0
  if [[ "$json" == *'"manifests"'* ]]; then
    digest=$(grep -o '"digest": *"sha256:[0-9a-f]*"' <<<"$json" | head -n 1 | grep -o 'sha256:[0-9a-f]*')
    json=$(ctr content get "$digest" 2>/dev/null) || return 0
  fi
  grep -o '"config": *{[^}]*}' <<<"$json" | grep -o 'sha256:[0-9a-f]*' | head -n 1
}

# import_images KEY...: one `docker save | ctr images import` of every name whose image containerd
# lacks (or has under another ID), so layers shared by several images (the base, Node) are
# written once (all 18 names: 30 s; one save per image: 58 s); then one line per image. Names
# without a registry land as containerd (and Kubernetes) normalise them:
# bank-cqrs/gateway:0.1.0 is docker.io/bank-cqrs/gateway:0.1.0, node:... docker.io/library/node:...
# A replaced image stays in containerd while a container or the CRI's sha256:<id> reference
# holds it; the kubelet's image garbage collection removes it under disk pressure.
import_images() {
  local key id n t0=$SECONDS
  local -a names missing=()
  local -A key_missing=()
  for key in "$@"; do
    mapfile -t names < <(tags "$key")
    id=$(image_id "${names[0]}")
    [ -n "$id" ] || die "${names[0]} is not built (images.sh build $key)"
    for n in "${names[@]}"; do
      [ "$(image_id "$n")" = "$id" ] || die "$n and ${names[0]} differ: build $key again"
      if [ "$(ctr_image_id "$(normalize "$n")")" != "$id" ]; then
        missing+=("$n")
        key_missing[$key]=$(( ${key_missing[$key]:-0} + 1 ))
      fi
    done
  done
  if [ ${#missing[@]} -gt 0 ]; then
    docker save "${missing[@]}" | ctr images import --all-platforms - >/dev/null \
      || die "importing into containerd failed (${missing[*]})"
    load_ctr_images
  fi
  for key in "$@"; do
    mapfile -t names < <(tags "$key")
    id=$(image_id "${names[0]}")
    for n in "${names[@]}"; do
      [ "$(ctr_image_id "$(normalize "$n")")" = "$id" ] \
        || die "containerd does not show $(normalize "$n") as ${id:7:12} after the import"
    done
    if [ -n "${key_missing[$key]:-}" ]; then
      say "imported ${names[0]}${names[1]:+ (${key_missing[$key]} of its ${#names[@]} names)} into containerd (${id:7:12})"
    else
      say "containerd has ${names[0]}${names[1]:+ (+$((${#names[@]} - 1)) tags)} (${id:7:12})"
    fi
  done
  [ ${#missing[@]} -eq 0 ] || say "import of ${#missing[@]} names: $((SECONDS - t0))s"
}

# --- main ----------------------------------------------------------------------------------------

summary() {
  local key n count
  say "images (Docker's size, uncompressed; layers of the base are shared):"
  for key in "$@"; do
    n=$(tags "$key" | head -n 1)
    count=$(tags "$key" | wc -l)
    [ "$count" -gt 1 ] && n="$n (+$((count - 1)) tags)"
    printf '  %-52s %10s\n' "$n" "$(human "$(docker image inspect -f '{{.Size}}' "$(tags "$key" | head -n 1)" 2>/dev/null || echo 0)")" >&2
  done
}

main() {
  local action=all
  case "${1:-}" in
    --list)
      shift
      local key; for key in "${@:-${KEYS[@]}}"; do tags "$key"; done
      return 0 ;;
    build | import | all) action=$1; shift ;;
    -h | --help) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; return 0 ;;
  esac
  local -a keys=("$@")
  [ ${#keys[@]} -gt 0 ] || keys=("${KEYS[@]}")
  local key
  for key in "${keys[@]}"; do tags "$key" >/dev/null; done

  if ! daemon_running dockerd; then
    source "$ROOT/scripts/cluster/runtime.sh"
    start_dockerd
  fi
  mkdir -p "$IMAGES"
  exec {lock}>"$IMAGES/images.lock"
  flock "$lock"

  local t0=$SECONDS
  if [ "$action" != import ]; then
    for key in "${keys[@]}"; do build "$key"; done
    # Images a rebuild replaced (untagged, unused) go; the build cache keeps what builds reuse.
    docker image prune --force >/dev/null
  fi
  if [ "$action" != build ]; then
    load_ctr_images
    import_images "${keys[@]}"
  fi
  summary "${keys[@]}"
  say "images: $action done in $((SECONDS - t0))s"
}

main "$@"
