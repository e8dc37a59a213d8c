package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"example.com/webstack/release"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The real Automation API adapter against the real CLI and an empty local backend: a stack that
// does not exist must come back as release.ErrStackNotFound, which the deployer turns into its
// "create it with pulumi stack init" message.
func TestAutoEngineMissingStack(t *testing.T) {
	root, cli, tmp := localBackend(t)
	e := &autoEngine{stackName: "nosuchstack", root: root, pulumiCLI: cli, policyPack: filepath.Join(tmp, "no-pack"),
		program: func(*pulumi.Context) error { return errors.New("the program must not run when reading outputs") }}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := e.Outputs(ctx); !errors.Is(err, release.ErrStackNotFound) {
		t.Errorf("Outputs of a missing stack: err = %v, want release.ErrStackNotFound", err)
	}
	if err := e.Preview(ctx, os.Stderr); !errors.Is(err, release.ErrStackNotFound) {
		t.Errorf("Preview of a missing stack: err = %v, want release.ErrStackNotFound", err)
	}
	if _, _, err := e.policy(); err == nil || !strings.Contains(err.Error(), "build it with `go build -o "+e.policyPack+" ./policy`") {
		t.Errorf("missing policy pack: err = %v", err)
	}
}

// localBackend points the Pulumi CLI at a private file:// backend and PULUMI_HOME under a test
// directory, and returns the repository root, the pinned CLI (bin/pulumi, built when missing) and
// that directory.
func localBackend(t *testing.T) (root, cli, tmp string) {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	cli = pulumiCLI(t, root)
	tmp = t.TempDir()
	t.Setenv("PULUMI_BACKEND_URL", "file://"+filepath.Join(tmp, "state"))
	t.Setenv("PULUMI_HOME", filepath.Join(tmp, "home"))
	t.Setenv("PULUMI_CONFIG_PASSPHRASE", "test")
	t.Setenv("PULUMI_SKIP_UPDATE_CHECK", "1")
	if err := os.MkdirAll(filepath.Join(tmp, "state"), 0o755); err != nil {
		t.Fatal(err)
	}
	return root, cli, tmp
}
