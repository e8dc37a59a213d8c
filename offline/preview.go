// Package offline runs a real `pulumi preview` of a stack with the policy pack on a machine with
// no cloud account and no internet.
//
// The real engine (the pinned CLI built from source into bin/pulumi) previews the real program as
// an Automation API inline program, with a file:// backend and a private PULUMI_HOME under
// .offline/ (git-ignored), copies of Pulumi.yaml and the stack's Pulumi.<stack>.yaml (so objects
// and secure values stay exactly as written), and the prebuilt policy pack binary with
// policy/config/<stack>.json. The providers are the offline TEST DOUBLES in offline/doubles, put
// first on PATH: no AWS or Docker API is called. What it proves: the program runs against the
// real engine and SDKs, every resource registers with its real inputs and dependencies, and the
// policy pack's resource and stack policies pass or fail on them. What it cannot prove: anything
// AWS decides (API validation, quotas, permissions, real ids and computed values), or the real
// awsx VPC's gateways and route tables, which the awsx double does not create.
package offline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Options says what to preview.
type Options struct {
	// Stack is the stack name: Pulumi.<Stack>.yaml and policy/config/<Stack>.json must exist in RepoRoot.
	Stack string
	// RepoRoot is the repository root (it holds Pulumi.yaml, tools/, policy/ and offline/).
	RepoRoot string
	// Program is the Pulumi program, the same function main.go runs.
	Program pulumi.RunFunc
	// StateDir holds each stack's file:// backend and workspace, and PULUMI_HOME; default
	// RepoRoot/.offline. Runs sharing it must not preview the same stack at the same time.
	StateDir string
	// ConfigOverlay, when set, is a YAML file whose top-level config map is laid over the stack
	// file's config in the workspace copy (a test fixture, e.g. another compute type on dev); the
	// repository's files are not changed.
	ConfigOverlay string
	// Progress, when set, receives the CLI's preview output (resource tree and policy section);
	// Log receives build messages. Either may be nil.
	Progress, Log io.Writer
	// Simulate runs against the offline AWS model (internal/awsmodel): the doubles keep what
	// they "created" in the stack's throwaway file backend and answer Check and Diff as the
	// provider would, so a preview after Up shows the second `pulumi up` (docs/day2.md).
	// Without it the doubles refuse every change, as in `make preview`.
	Simulate bool
	// Up runs a simulated `pulumi up` instead of a preview; it needs Simulate.
	Up bool
}

var validStackName = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// Stacks lists the stacks the repository defines (its Pulumi.<stack>.yaml files).
func Stacks(root string) []string {
	files, _ := filepath.Glob(filepath.Join(root, "Pulumi.*.yaml"))
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "Pulumi."), ".yaml"))
	}
	sort.Strings(names)
	return names
}

// Check returns one clear error when the stack cannot be previewed, before anything is built.
func Check(root, stack string) error {
	if !validStackName.MatchString(stack) {
		return fmt.Errorf("stack name %q is not valid: use letters, digits, '-', '_' or '.' (stacks here: %s)",
			stack, strings.Join(Stacks(root), ", "))
	}
	if _, err := os.Stat(filepath.Join(root, "Pulumi."+stack+".yaml")); err != nil {
		return fmt.Errorf("unknown stack %q: there is no Pulumi.%s.yaml in %s (stacks here: %s); "+
			"create one with its config to preview it", stack, stack, root, strings.Join(Stacks(root), ", "))
	}
	if _, err := os.Stat(filepath.Join(root, "policy", "config", stack+".json")); err != nil {
		return fmt.Errorf("stack %q has no policy pack config: create policy/config/%s.json "+
			"(copy policy/config/dev.json and adjust it)", stack, stack)
	}
	return nil
}

// Preview builds the tools if needed and runs the offline preview. A preview that fails, for a
// policy or any other reason, returns a Result with Status "policy-violations" or "error" and a
// nil error; the error is for a run that could not start (bad options, build failure).
func Preview(ctx context.Context, opts Options) (*Result, error) {
	start := time.Now()
	if opts.Program == nil {
		return nil, errors.New("offline.Preview: Options.Program is nil")
	}
	if opts.Up && !opts.Simulate {
		return nil, errors.New("offline: Options.Up needs Options.Simulate: the doubles change nothing outside a simulation")
	}
	if err := Check(opts.RepoRoot, opts.Stack); err != nil {
		return nil, err
	}
	log := opts.Log
	if log == nil {
		log = io.Discard
	}
	tools := toolsIn(opts.RepoRoot)
	if err := ensureCLI(ctx, tools, opts.RepoRoot, log); err != nil {
		return nil, err
	}
	res := &Result{Stack: opts.Stack}
	// The pack and doubles build while the CLI sets the stack up; the preview needs both.
	built := make(chan error, 1)
	go func() {
		err := buildPackAndDoubles(ctx, tools, opts.RepoRoot)
		res.Timings.Build = since(start)
		built <- err
	}()

	stateDir := opts.StateDir
	if stateDir == "" {
		stateDir = filepath.Join(opts.RepoRoot, ".offline")
	}
	var programNanos atomic.Int64
	program := func(ctx *pulumi.Context) error {
		programStart := time.Now()
		defer func() { programNanos.Store(int64(time.Since(programStart))) }()
		return opts.Program(ctx)
	}
	stack, err := selectStack(ctx, opts.RepoRoot, opts.Stack, program, tools, stateDir, opts.Simulate)
	res.Timings.Setup = since(start)
	if buildErr := <-built; buildErr != nil {
		return nil, buildErr
	}
	if err != nil {
		return nil, err
	}
	if opts.ConfigOverlay != "" {
		stackFile := filepath.Join(stack.Workspace().WorkDir(), "Pulumi."+opts.Stack+".yaml")
		if err := overlayConfig(stackFile, opts.ConfigOverlay); err != nil {
			return nil, err
		}
	}

	eventsCh := make(chan events.EngineEvent)
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for e := range eventsCh {
			res.add(e)
		}
	}()
	policyConfig := filepath.Join(opts.RepoRoot, "policy", "config", opts.Stack+".json")
	previewOpts := []optpreview.Option{
		optpreview.PolicyPacks(tools.PolicyPack),
		optpreview.PolicyPackConfigs(policyConfig),
		optpreview.EventStreams(eventsCh),
	}
	upOpts := []optup.Option{
		optup.PolicyPacks(tools.PolicyPack),
		optup.PolicyPackConfigs(policyConfig),
		optup.EventStreams(eventsCh),
	}
	if opts.Progress != nil {
		previewOpts = append(previewOpts, optpreview.ProgressStreams(opts.Progress), optpreview.ErrorProgressStreams(opts.Progress))
		upOpts = append(upOpts, optup.ProgressStreams(opts.Progress), optup.ErrorProgressStreams(opts.Progress))
	}
	// The inline program runs in this process; give it the repository root as working directory,
	// as `pulumi up` runs a program in its project directory (relative paths such as the Docker
	// build context resolve the same way).
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	if err := os.Chdir(opts.RepoRoot); err != nil {
		return nil, err
	}
	defer os.Chdir(wd)
	previewStart := time.Now()
	changes := map[string]int{}
	var previewErr error
	if opts.Up {
		up, err := stack.Up(ctx, upOpts...)
		previewErr = err
		if up.Summary.ResourceChanges != nil {
			for op, n := range *up.Summary.ResourceChanges {
				changes[op] = n
			}
		}
		if err == nil {
			res.Outputs = map[string]any{}
			for k, v := range up.Outputs {
				res.Outputs[k] = v.Value
			}
		}
	} else {
		preview, err := stack.Preview(ctx, previewOpts...)
		previewErr = err
		for op, n := range preview.ChangeSummary {
			changes[string(op)] = n
		}
	}
	res.Timings.Preview = since(previewStart)
	select {
	case <-collected:
	case <-time.After(10 * time.Second):
		return nil, errors.New("offline: the engine's event log did not close after the preview")
	}

	switch {
	case previewErr != nil && len(res.MandatoryViolations()) > 0:
		res.Status = "policy-violations"
		res.Error = fmt.Sprintf("mandatory policies failed: %s", strings.Join(res.MandatoryViolations(), ", "))
	case previewErr != nil:
		res.Status = "error"
		res.Error = strings.Join(res.errors, "\n")
		if res.Error == "" {
			res.Error = previewErr.Error()
		}
	default:
		res.Status = "passed"
		res.Changes = changes
	}
	res.Timings.Program = seconds(time.Duration(programNanos.Load()))
	res.Timings.Total = since(start)
	return res, nil
}
