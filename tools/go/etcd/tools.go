//go:build tools

// Wrapper module for scripts/cluster/build.sh, which builds go.etcd.io/etcd/server/v3 from this module, so the
// versions in go.sum are the ones used. The build tag keeps this file out of every build.
package tools

import _ "go.etcd.io/etcd/server/v3"
