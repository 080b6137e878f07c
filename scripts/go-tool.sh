# Sourced, not run. Builds a pinned tool from the Go module proxy through its wrapper module under
# tools/go, cached outside the clone by version and a hash of the wrapper: editing the wrapper
# (say, registering one more component) rebuilds, and nothing else does. Used by scripts/tools.sh
# (daprd, FerretDB, helm, ...) and scripts/cluster/*.sh (Kubernetes, etcd, ...), which define ROOT,
# say and die before sourcing this. The one place that says where the tools cache is
# (`scripts/tools.sh --print-env` prints it for the Node.js side) and which versions of Dapr and
# Kubernetes both sides pin.

CACHE=${BANK_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bank-cqrs-tools}
BIN="$CACHE/bin"
# daprd for npm start and the tests, Dapr's control plane and chart for the cluster.
DAPR_VERSION=1.18.2
# The local cluster's Kubernetes, and the version the chart is linted and validated for.
KUBE_VERSION=1.34.4

# Hash of a wrapper module: its go.mod, go.sum and Go files (wrappers with no Go file build a
# package of a dependency).
wrapper_hash() { (cd "$ROOT/tools/go/$1" && cat go.mod go.sum $(ls ./*.go 2>/dev/null) | sha256sum | cut -c1-10); }

need_go() {
  command -v go >/dev/null 2>&1 || die "Go >= 1.26 is needed to build $1 from the Go module proxy.
  Install it (e.g. from Debian's packages or /usr/local/go) and run again."
}

# The cached binary of a tool: $BIN/<bin>-<version>-<hash>, or $BIN/<bin>-<hash> without a version.
go_tool_path() {
  local bin=$1 version=$2 wrapper=$3
  echo "$BIN/$bin${version:+-$version}-$(wrapper_hash "$wrapper")"
}

# go_tool BIN VERSION [--wrapper DIR] [--cgo] [--tags TAGS] [--ldflags FLAGS] [--about TEXT] PACKAGE
# Builds PACKAGE (relative to the wrapper tools/go/DIR, BIN by default) into the cached binary,
# once, one build at a time per tool (parallel callers wait), and links $BIN/BIN to it. CGO is off
# unless --cgo; -s -w and -trimpath always. --about says how long a first build takes.
go_tool() {
  local bin=$1 version=$2; shift 2
  local wrapper=$bin cgo=0 tags="" ldflags="" about="" pkg
  while [ $# -gt 1 ]; do
    case "$1" in
      --wrapper) wrapper=$2; shift 2 ;;
      --cgo) cgo=1; shift ;;
      --tags) tags=$2; shift 2 ;;
      --ldflags) ldflags=$2; shift 2 ;;
      --about) about=$2; shift 2 ;;
      *) die "go_tool $bin: unknown option $1" ;;
    esac
  done
  pkg=$1
  local out lock t0=$SECONDS
  out=$(go_tool_path "$bin" "$version" "$wrapper")
  exec {lock}>"$CACHE/build/$bin.lock"
  flock "$lock"
  if [ ! -x "$out" ]; then
    need_go "$bin"
    say "building $bin${version:+ $version} from the Go module proxy (first time only${about:+; $about})"
    (cd "$ROOT/tools/go/$wrapper" && CGO_ENABLED=$cgo go build -mod=readonly -trimpath ${tags:+-tags "$tags"} \
      -ldflags "-s -w $ldflags" -o "$out.tmp" "$pkg") || die "$bin build failed (see the Go output above)"
    mv "$out.tmp" "$out"
    say "$bin${version:+ $version} -> $out ($((SECONDS - t0)) s)"
  fi
  ln -sf "$(basename "$out")" "$BIN/$bin"
  exec {lock}>&-
}
