// Command api is the web service the platform deploys: a small JSON API that runs behind an
// Application Load Balancer on ECS and drains cleanly when the task stops.
//
//	api              serve on $PORT until SIGTERM or SIGINT, then drain and exit 0
//	api healthcheck  GET http://127.0.0.1:$PORT/healthz and exit 0 (healthy) or 1; for the
//	                 container health check in an image without a shell
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "api: %s\n", err)
		os.Exit(1)
	}
}

// run is the whole program; main only supplies the process's real context, arguments,
// environment and output streams, so tests drive exactly what production runs.
// Cancelling ctx is the stop signal.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	switch {
	case len(args) <= 1:
		return serve(ctx, cfg, stdout)
	case len(args) == 2 && args[1] == "healthcheck":
		return healthcheck(ctx, cfg.Port, stdout)
	default:
		return fmt.Errorf("unknown arguments %q: run with no arguments to serve, or \"healthcheck\"", args[1:])
	}
}
