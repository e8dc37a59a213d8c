package offline

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
)

// cli runs the pinned Pulumi CLI for Automation API with the harness's environment on every
// command. auto.NewPulumiCommand would first run `pulumi version` with the caller's environment
// only, and the CLI logs every command under $PULUMI_HOME/logs: that one command wrote
// ~/.pulumi/logs/pulumi-*-version.log on every preview despite the private PULUMI_HOME (issue 16
// item 19). Run behaves as the SDK's own (sdk/go/auto/cmd.go pulumiCommand.Run): non-interactive,
// the CLI's directory first on PATH, PULUMI_AUTOMATION_API=true, interrupt on cancel.
type cli struct {
	path string
	env  []string
}

var _ auto.PulumiCommand = cli{}

func (c cli) Run(ctx context.Context, workdir string, stdin io.Reader, additionalOutput, additionalErrorOutput []io.Writer,
	additionalEnv []string, args ...string,
) (string, string, int, error) {
	pulumiArgs := args
	if i := slices.Index(args, "--"); i >= 0 {
		pulumiArgs = args[:i]
	}
	if !slices.Contains(pulumiArgs, "--non-interactive") {
		args = append([]string{"--non-interactive"}, args...)
	}
	cmd := exec.CommandContext(ctx, c.path, args...)
	cmd.Dir = workdir
	env := append(append(append(os.Environ(), c.env...), additionalEnv...), "PULUMI_AUTOMATION_API=true")
	cmd.Env = withPathFirst(env, filepath.Dir(c.path))
	var stdout, stderr bytes.Buffer
	cmd.Stdout = io.MultiWriter(append(additionalOutput, &stdout)...)
	cmd.Stderr = io.MultiWriter(append(additionalErrorOutput, &stderr)...)
	cmd.Stdin = stdin
	cmd.Cancel = func() error {
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			_ = cmd.Process.Kill()
		}
		return nil
	}
	cmd.WaitDelay = 10 * time.Second
	code := -2
	err := cmd.Run()
	if exit, ok := err.(*exec.ExitError); ok {
		code = exit.ExitCode()
	} else if err == nil {
		code = 0
	}
	return stdout.String(), stderr.String(), code, err
}

var versions sync.Map // CLI path -> semver.Version

// Version is what `pulumi version` prints, parsed leniently like the SDK with its version check
// skipped (the source-built CLI prints nothing: 0.0.0), asked once per CLI with the private
// environment.
func (c cli) Version() semver.Version {
	if v, ok := versions.Load(c.path); ok {
		return v.(semver.Version)
	}
	out, _, _, _ := c.Run(context.Background(), "", nil, nil, nil, nil, "version")
	v, _ := semver.ParseTolerant(strings.TrimSpace(out))
	versions.Store(c.path, v)
	return v
}

// withPathFirst puts dir first on the PATH of env.
func withPathFirst(env []string, dir string) []string {
	out := slices.Clone(env)
	for i := len(out) - 1; i >= 0; i-- {
		if strings.HasPrefix(out[i], "PATH=") {
			out[i] = "PATH=" + dir + string(os.PathListSeparator) + strings.TrimPrefix(out[i], "PATH=")
			return out
		}
	}
	return append(out, "PATH="+dir)
}
