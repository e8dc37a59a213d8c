package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"example.com/webstack/release"
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
}

func (e *autoEngine) open(ctx context.Context) (auto.Stack, error) {
	if e.stack != nil {
		return *e.stack, nil
	}
	cli, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{
		Root: filepath.Dir(filepath.Dir(e.pulumiCLI)), SkipVersionCheck: true, // the source-built CLI reports no version
	})
	if err != nil {
		return auto.Stack{}, fmt.Errorf("the Pulumi CLI at %s does not run (build it with `make tools`): %w", e.pulumiCLI, err)
	}
	st, err := auto.SelectStackInlineSource(ctx, e.stackName, "", e.program, auto.WorkDir(e.root), auto.Pulumi(withBuildVersion(cli, e.pulumiCLI)))
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
	_, err = st.Preview(ctx, optpreview.PolicyPacks(pack), optpreview.PolicyPackConfigs(config),
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
	res, err := st.Up(ctx, optup.PolicyPacks(pack), optup.PolicyPackConfigs(config),
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
