// Wrapper module: builds Ory Hydra (the OpenID Connect provider that npm start, the tests and
// the cluster run) from the pinned release on the Go module proxy. Hydra's own main, unchanged.
package main

import "github.com/ory/hydra/v2/cmd"

func main() { cmd.Execute() }
