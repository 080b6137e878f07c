//go:build tools

// Wrapper module: pins kubeconform for scripts/tools.sh, which builds
// github.com/yannh/kubeconform/cmd/kubeconform from this module, so the versions in go.sum are
// the ones used. The build tag keeps this file out of every build; it only records the dependency.
package tools

import _ "github.com/yannh/kubeconform/cmd/kubeconform"
