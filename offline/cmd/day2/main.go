// Command day2 shows what a second `pulumi up` does, offline: in a throwaway simulation it runs
// a simulated up of the stack, a preview (nothing changed: every resource should be "same"), then
// lays an edit over the stack's config and runs preview, up and preview again, printing the
// steps of each (docs/day2.md). The providers are the offline TEST DOUBLES answering from the
// offline AWS model (internal/awsmodel); no AWS API is called. `make day2 STACK=dev` runs it.
// It exits 1 when a run fails, the second up would change anything, or the edit does not settle.
//
//	go run ./offline/cmd/day2 -stack dev [-config-overlay FILE] [-edit offline/testdata/day2-edit.yaml]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"

	"example.com/webstack/offline"
	"example.com/webstack/program"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	code, err := run(ctx, os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "day2:", err)
	}
	os.Exit(code)
}

func run(ctx context.Context, args []string) (int, error) {
	flags := flag.NewFlagSet("day2", flag.ContinueOnError)
	stack := flags.String("stack", "dev", "stack: a Pulumi.<stack>.yaml with a policy/config/<stack>.json")
	base := flags.String("config-overlay", "", "a config overlay for the stack itself (e.g. program/testdata/Pulumi.ec2.yaml)")
	edit := flags.String("edit", "offline/testdata/day2-edit.yaml", "the edit: a config overlay laid over the stack's config after the first up (\"\" for none)")
	if err := flags.Parse(args); err != nil {
		return 2, nil
	}
	if flags.NArg() > 0 {
		return 2, fmt.Errorf("unexpected arguments %q: the flags are -stack, -config-overlay and -edit", flags.Args())
	}
	root, err := os.Getwd()
	if err != nil {
		return 1, err
	}
	if err := offline.Check(root, *stack); err != nil {
		return 2, err
	}
	for _, f := range []*string{base, edit} {
		if *f == "" {
			continue
		}
		if *f, err = filepath.Abs(*f); err != nil {
			return 2, err
		}
		if err := offline.CheckOverlay(*f); err != nil {
			return 2, err
		}
	}
	d, err := offline.Day2(ctx, offline.Options{
		Stack: *stack, RepoRoot: root, Program: program.Run, ConfigOverlay: *base, Log: os.Stderr,
	}, *edit)
	if d != nil {
		defer os.RemoveAll(d.StateDir)
	}
	if err != nil {
		return 1, err
	}
	failed := false
	for _, phase := range []struct {
		title string
		res   *offline.Result
	}{
		{"1. up (from nothing)", d.Up},
		{"2. preview: the same program again", d.Second},
		{"3. preview with the edit " + *edit, d.EditPreview},
		{"4. up with the edit", d.EditUp},
		{"5. preview after the edit's up", d.AfterEdit},
	} {
		if phase.res == nil {
			continue
		}
		if phase.res == d.Up {
			fmt.Printf("%s: %s, %d resources created in %.1f s\n", phase.title, phase.res.Status, phase.res.Changes["create"], phase.res.Timings.Total)
		} else {
			offline.PrintSteps(os.Stdout, phase.title, phase.res)
		}
		failed = failed || phase.res.Status != "passed"
	}
	if d.Second != nil && len(d.Second.Steps()) > 0 {
		failed = true
		fmt.Println("FAILED: the second up would change resources with nothing changed")
	}
	if d.AfterEdit != nil && len(d.AfterEdit.Steps()) > 0 {
		failed = true
		fmt.Println("FAILED: the edit does not settle: the up after it would change resources again")
	}
	if failed {
		return 1, errors.New("see the steps above")
	}
	return 0, nil
}
