//go:build tools

// Wrapper module: pins the CNCF Distribution registry for scripts/cluster/build.sh, which builds
// github.com/distribution/distribution/v3/cmd/registry from this module, so the versions in go.sum
// are the ones used. The local cluster runs it on 127.0.0.1:5000 for `tilt up` to push to and the
// node's containerd to pull from. The build tag keeps this file out of every build.
package tools

import _ "github.com/distribution/distribution/v3/cmd/registry"
