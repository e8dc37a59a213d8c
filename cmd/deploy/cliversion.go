package main

import (
	"debug/buildinfo"
	"runtime/debug"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
)

// pulumiModule is the module the Pulumi CLI is built from (tools/go.mod pins it).
const pulumiModule = "github.com/pulumi/pulumi/pkg/v3"

// builtVersion is a Pulumi CLI that reports the version of the module it was built from.
type builtVersion struct {
	auto.PulumiCommand
	version semver.Version
}

func (b builtVersion) Version() semver.Version { return b.version }

// withBuildVersion gives the Automation API the version of a source-built CLI. Built by `make
// tools` the CLI prints no version, so the Automation API takes it for 0.0.0 and refuses what it
// gates on a version: `refresh` of an inline program needs 3.181 or later ("Pulumi CLI version
// >= 3.181.0 is required to use --client with refresh", auto/stack.go refreshOptsToCmd). The
// binary's Go build info names the module version it was built from.
func withBuildVersion(cmd auto.PulumiCommand, path string) auto.PulumiCommand {
	if cmd.Version().Major > 0 {
		return cmd
	}
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return cmd
	}
	for _, m := range append([]*debug.Module{&info.Main}, info.Deps...) {
		if m.Path != pulumiModule {
			continue
		}
		if v, err := semver.ParseTolerant(m.Version); err == nil {
			return builtVersion{cmd, v}
		}
	}
	return cmd
}
