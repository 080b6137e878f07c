// tiltfile-check: evaluates the repository's Tiltfile offline with go.starlark.net (the
// interpreter Tilt embeds), Tilt's builtins recorded instead of executed. It stands in for
// `tilt alpha tiltfile-result` because tilt itself cannot be built here (see ../README.md).
module bankcqrs.local/tools/tilt/tiltfile-check

go 1.26

require (
	go.starlark.net v0.0.0-20260908191801-89a6a09411d5
	gopkg.in/yaml.v3 v3.0.1
)

require golang.org/x/sys v0.42.0 // indirect
