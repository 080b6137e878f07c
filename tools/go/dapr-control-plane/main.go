// dapr-control-plane: Dapr's operator, injector, sentry, placement and scheduler in one binary,
// each entry point the release's own cmd/<name>/main.go. The command is the name it is called
// by: the image links /operator, /injector, /sentry, /placement and /scheduler to it, the paths
// Dapr's Helm chart runs.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	injector "github.com/dapr/dapr/cmd/injector/app"
	operator "github.com/dapr/dapr/cmd/operator/app"
	placement "github.com/dapr/dapr/cmd/placement/app"
	scheduler "github.com/dapr/dapr/cmd/scheduler/app"
	sentry "github.com/dapr/dapr/cmd/sentry/app"
)

var commands = map[string]func(){
	"operator":  operator.Run,
	"injector":  injector.Run,
	"sentry":    sentry.Run,
	"placement": placement.Run,
	"scheduler": scheduler.Run,
}

func main() {
	run, ok := commands[filepath.Base(os.Args[0])]
	if !ok {
		fmt.Fprintln(os.Stderr, "dapr-control-plane: call it as operator, injector, sentry, placement or scheduler (a link)")
		os.Exit(2)
	}
	run()
}
