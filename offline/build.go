package offline

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
)

// Tools are the binaries a preview runs: the pinned Pulumi CLI, the policy pack and the directory
// holding the provider doubles (named pulumi-resource-<package>, as the engine looks them up on PATH).
type Tools struct {
	Pulumi, PolicyPack, DoublesDir string
}

// doubles maps each provider package to the main package of its offline test double.
var doubles = map[string]string{
	"aws":    "./offline/doubles/aws",
	"awsx":   "./offline/doubles/awsx",
	"docker": "./offline/doubles/docker",
}

// Build makes the tools under root/bin: the Pulumi CLI only when it is missing (a cold build takes
// minutes, so `make tools` and this share one binary), the policy pack and the doubles always
// (go build is a no-op when they are current). Build logs go to log.
func Build(ctx context.Context, root string, log io.Writer) (Tools, error) {
	bin := filepath.Join(root, "bin")
	t := Tools{
		Pulumi:     filepath.Join(bin, "pulumi"),
		PolicyPack: filepath.Join(bin, "policy-pack"),
		DoublesDir: filepath.Join(bin, "doubles"),
	}
	if _, err := os.Stat(t.Pulumi); err != nil {
		fmt.Fprintln(log, "offline: building the pinned Pulumi CLI into bin/pulumi (once per machine, a few minutes)")
		err := goBuild(ctx, filepath.Join(root, "tools"), t.Pulumi, "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi")
		if err != nil {
			return t, err
		}
	}
	builds := map[string]string{t.PolicyPack: "./policy"}
	for pkg, src := range doubles {
		builds[filepath.Join(t.DoublesDir, "pulumi-resource-"+pkg)] = src
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(builds))
	for out, src := range builds {
		wg.Go(func() { errs <- goBuild(ctx, root, out, src) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return t, err
		}
	}
	return t, nil
}

func goBuild(ctx context.Context, dir, out, pkg string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("offline: go build -o %s %s (in %s): %w\n%s", out, pkg, dir, err, stderr.String())
	}
	return nil
}
