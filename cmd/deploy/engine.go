package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"example.com/webstack/release"
	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// autoEngine is the real release.Engine: the Pulumi program as an Automation API inline program
// (no Go language host needed), run by the pinned CLI against the backend the operator is logged
// into, with the prebuilt policy pack and the stack's policy config.
type autoEngine struct {
	stackName, root, pulumiCLI, policyPack string
	program                                pulumi.RunFunc
	stack                                  *auto.Stack
	cli                                    *gracefulCLI
	// terminate ends when the operator interrupts a second time: the CLI is then told to stop at
	// once. The ctx of each call ending (the first interrupt) only asks it to cancel gracefully.
	terminate context.Context
}

// gracefulCLI runs the Pulumi CLI for the Automation API (auto.PulumiCommand) so that an interrupt
// cancels an update instead of breaking it. The SDK's own runner (sdk/go/auto/cmd.go) leaves the CLI in
// the terminal's process group, so a Ctrl-C reaches it twice (from the terminal, then as the SDK's
// cancel) and the CLI treats the second as "terminate now"; and it kills the CLI 10 s after the
// cancel (cmd.WaitDelay), which can leave the stack locked with pending operations. Here the CLI runs
// in its own process group; the first interrupt sends it one SIGINT (Pulumi then finishes the
// operations in flight and stops), and only the second (terminate) sends another, then SIGKILL if it
// has not exited 30 s later.
type gracefulCLI struct {
	path      string
	version   semver.Version
	interrupt <-chan struct{} // closed at the first interrupt (the ctx of the Engine call)
}

func (c *gracefulCLI) Version() semver.Version { return c.version }

func (c *gracefulCLI) Run(ctx context.Context, workdir string, stdin io.Reader, additionalOutput, additionalErrorOutput []io.Writer,
	additionalEnv []string, args ...string) (string, string, int, error) {
	if !slices.Contains(args, "--non-interactive") { // as the SDK's runner: fail rather than prompt
		args = append([]string{"--non-interactive"}, args...)
	}
	cmd := exec.Command(c.path, args...)
	cmd.Dir = workdir
	cmd.Env = append(append(os.Environ(), additionalEnv...), "PULUMI_AUTOMATION_API=true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // the terminal's Ctrl-C reaches only this command
	var stdout, stderr bytes.Buffer
	cmd.Stdout = io.MultiWriter(append(additionalOutput, &stdout)...)
	cmd.Stderr = io.MultiWriter(append(additionalErrorOutput, &stderr)...)
	cmd.Stdin = stdin
	if err := cmd.Start(); err != nil {
		return "", "", -2, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	interrupt, terminate := c.interrupt, ctx.Done()
	var kill <-chan time.Time
	for {
		select {
		case err := <-done:
			code := 0
			if exit, ok := err.(*exec.ExitError); ok {
				code = exit.ExitCode()
			} else if err != nil {
				code = -2
			}
			return stdout.String(), stderr.String(), code, err
		case <-interrupt:
			cmd.Process.Signal(os.Interrupt)
			interrupt = nil
		case <-terminate:
			cmd.Process.Signal(os.Interrupt) // a second SIGINT: Pulumi stops at once
			terminate, interrupt = nil, nil
			kill = time.After(30 * time.Second)
		case <-kill:
			cmd.Process.Kill()
			kill = nil
		}
	}
}

// hard is the context of a CLI run: it ends at the second interrupt only.
func (e *autoEngine) hard(ctx context.Context) context.Context {
	e.cli.interrupt = ctx.Done()
	if e.terminate != nil {
		return e.terminate
	}
	return context.WithoutCancel(ctx)
}

func (e *autoEngine) open(ctx context.Context) (auto.Stack, error) {
	if e.stack != nil {
		return *e.stack, nil
	}
	inner, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{
		Root: filepath.Dir(filepath.Dir(e.pulumiCLI)), SkipVersionCheck: true, // the source-built CLI reports no version
	})
	if err != nil {
		return auto.Stack{}, fmt.Errorf("the Pulumi CLI at %s does not run (build it with `make tools`): %w", e.pulumiCLI, err)
	}
	// The source-built CLI prints no version: withBuildVersion reads it from the binary.
	e.cli = &gracefulCLI{path: e.pulumiCLI, version: withBuildVersion(inner, e.pulumiCLI).Version(), interrupt: ctx.Done()}
	st, err := auto.SelectStackInlineSource(ctx, e.stackName, "", e.program, auto.WorkDir(e.root), auto.Pulumi(e.cli))
	if auto.IsSelectStack404Error(err) {
		return auto.Stack{}, fmt.Errorf("%w: %v", release.ErrStackNotFound, err)
	}
	if err != nil {
		return auto.Stack{}, err
	}
	e.stack = &st
	return st, nil
}

func (e *autoEngine) policy() (pack, config string, err error) {
	if _, err := os.Stat(e.policyPack); err != nil {
		return "", "", fmt.Errorf("policy pack binary %s is missing: build it with `go build -o %s ./policy`", e.policyPack, e.policyPack)
	}
	return e.policyPack, filepath.Join(e.root, "policy", "config", e.stackName+".json"), nil
}

func plain(m auto.OutputMap) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v.Value
	}
	return out
}

func (e *autoEngine) Outputs(ctx context.Context) (map[string]any, error) {
	st, err := e.open(ctx)
	if err != nil {
		return nil, err
	}
	m, err := st.Outputs(ctx)
	return plain(m), err
}

func (e *autoEngine) Preview(ctx context.Context, progress io.Writer) error {
	st, err := e.open(ctx)
	if err != nil {
		return err
	}
	pack, config, err := e.policy()
	if err != nil {
		return err
	}
	_, err = st.Preview(e.hard(ctx), optpreview.PolicyPacks(pack), optpreview.PolicyPackConfigs(config),
		optpreview.ProgressStreams(progress), optpreview.ErrorProgressStreams(progress))
	return err
}

func (e *autoEngine) Up(ctx context.Context, progress io.Writer) (map[string]any, error) {
	st, err := e.open(ctx)
	if err != nil {
		return nil, err
	}
	pack, config, err := e.policy()
	if err != nil {
		return nil, err
	}
	res, err := st.Up(e.hard(ctx), optup.PolicyPacks(pack), optup.PolicyPackConfigs(config),
		optup.ProgressStreams(progress), optup.ErrorProgressStreams(progress))
	if err != nil {
		return nil, err
	}
	return plain(res.Outputs), nil
}

// Refresh is `pulumi refresh`: the state follows what changed outside Pulumi (CodeDeploy moving
// production between the target groups). It reads the cloud only; policies apply to updates, not here.
func (e *autoEngine) Refresh(ctx context.Context, progress io.Writer) error {
	st, err := e.open(ctx)
	if err != nil {
		return err
	}
	_, err = st.Refresh(ctx, optrefresh.ProgressStreams(progress), optrefresh.ErrorProgressStreams(progress))
	return err
}
