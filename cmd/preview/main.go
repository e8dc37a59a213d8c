// Command preview runs a real `pulumi preview` of one stack with the policy pack, offline: the
// pinned CLI, the real program and policy pack, and the offline provider test doubles (no AWS API
// is called). `make preview STACK=dev` runs it. It exits 0 when the preview passes (and on -h), 1
// when it fails (a mandatory policy violation or any other preview error) and 2 on bad flags.
//
//	go run ./cmd/preview -stack dev [-json] [-config-overlay program/testdata/Pulumi.ec2.yaml]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"example.com/webstack/offline"
	"example.com/webstack/program"
)

// usageError marks bad command-line input (exit status 2).
type usageError struct{ error }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "preview:", err)
	}
	os.Exit(exitCode(res, err))
}

// exitCode is 0 for a passed preview or -h, 2 for bad input and 1 for anything else.
func exitCode(res *offline.Result, err error) int {
	var usage usageError
	switch {
	case errors.Is(err, flag.ErrHelp): // the flag package printed the usage
		return 0
	case errors.As(err, &usage):
		return 2
	case err != nil || res.Status != "passed":
		return 1
	}
	return 0
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (*offline.Result, error) {
	flags := flag.NewFlagSet("preview", flag.ContinueOnError)
	flags.SetOutput(stderr)
	stack := flags.String("stack", "dev", "stack to preview: a Pulumi.<stack>.yaml with a policy/config/<stack>.json")
	asJSON := flags.Bool("json", false, "print the result as JSON on stdout (the preview's own output goes to stderr)")
	overlay := flags.String("config-overlay", "", "a YAML file whose config map is laid over the stack's config for this preview only\n(e.g. program/testdata/Pulumi.ec2.yaml); the stack file is not changed")
	flags.Usage = func() {
		fmt.Fprintln(stderr, "usage: preview [-stack dev] [-json] [-config-overlay FILE]")
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); errors.Is(err, flag.ErrHelp) {
		return nil, err
	} else if err != nil {
		return nil, usageError{err}
	}
	if flags.NArg() > 0 {
		return nil, usageError{fmt.Errorf("unexpected arguments %q: the only flags are -stack NAME, -json and -config-overlay FILE", flags.Args())}
	}
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	if err := offline.Check(root, *stack); err != nil {
		return nil, usageError{err}
	}
	if *overlay != "" {
		if *overlay, err = filepath.Abs(*overlay); err != nil {
			return nil, usageError{err}
		}
		if err := offline.CheckOverlay(*overlay); err != nil {
			return nil, usageError{err}
		}
	}
	progress := stdout
	if *asJSON {
		progress = stderr
	}
	res, err := offline.Preview(ctx, offline.Options{
		Stack: *stack, RepoRoot: root, Program: program.Run, Progress: progress, Log: stderr,
		ConfigOverlay: *overlay,
	})
	if err != nil {
		return nil, err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return res, enc.Encode(res)
	}
	fmt.Fprintln(stderr, summary(res))
	return res, nil
}

// summary is the one line printed after the preview's own output.
func summary(r *offline.Result) string {
	outcome := "passed"
	switch r.Status {
	case "policy-violations":
		outcome = "FAILED, mandatory policy violations: " + strings.Join(r.MandatoryViolations(), ", ")
	case "error":
		outcome = "FAILED: " + r.Error
	}
	return fmt.Sprintf("offline preview of %s: %s (%d resources, %d policy findings) in %.1f s "+
		"(build %.1f s, setup %.1f s, preview %.1f s)", r.Stack, outcome, len(r.Resources), len(r.Violations),
		r.Timings.Total, r.Timings.Build, r.Timings.Setup, r.Timings.Preview)
}

// repoRoot is the nearest directory up from the working directory holding Pulumi.yaml and go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		_, errProject := os.Stat(filepath.Join(dir, "Pulumi.yaml"))
		_, errModule := os.Stat(filepath.Join(dir, "go.mod"))
		if errProject == nil && errModule == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run this from the repository (no directory above holds Pulumi.yaml and go.mod)")
		}
		dir = parent
	}
}
