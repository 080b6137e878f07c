//go:build tools

// Wrapper module for scripts/cluster/build.sh, which builds github.com/rancher/local-path-provisioner
// from this module, so the versions in go.sum are the ones used. The build tag keeps this file out
// of every build.
package tools

import _ "github.com/rancher/local-path-provisioner"
