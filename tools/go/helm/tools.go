//go:build tools

// Wrapper module: pins helm for scripts/tools.sh, which builds helm.sh/helm/v3/cmd/helm from this
// module (`go build helm.sh/helm/v3/cmd/helm`), so the versions in go.sum are the ones used.
// The build tag keeps this file out of every build; it only records the dependency.
package tools

import _ "helm.sh/helm/v3/cmd/helm"
