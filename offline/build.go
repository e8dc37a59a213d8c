package offline

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// Tools are the binaries a preview runs, all under bin/: the pinned Pulumi CLI (bin/pulumi), and
// the go build outputs in bin/offline: the policy pack and the provider doubles, with the doubles
// also named pulumi-resource-<package> in bin/offline/path, the directory put first on PATH.
type Tools struct {
	Pulumi, PolicyPack, DoublesDir string
	built                          string
}

func toolsIn(root string) Tools {
	built := filepath.Join(root, "bin", "offline")
	return Tools{
		Pulumi:     filepath.Join(root, "bin", "pulumi"),
		PolicyPack: filepath.Join(built, "policy"),
		DoublesDir: filepath.Join(built, "path"),
		built:      built,
	}
}

// doubles are the providers with an offline test double, each in offline/doubles/<package>.
var doubles = []string{"aws", "awsx", "docker"}

// EnsureCLI builds the pinned Pulumi CLI into <root>/bin/pulumi when it is missing, as `make
// tools` does, and returns its path. Tests outside this package that run the CLI (cmd/deploy)
// call it, so plain `go test ./...` on a clean clone builds the CLI instead of failing.
func EnsureCLI(ctx context.Context, root string, log io.Writer) (string, error) {
	t := toolsIn(root)
	return t.Pulumi, ensureCLI(ctx, t, root, log)
}

// ensureCLI builds the pinned Pulumi CLI only when bin/pulumi is missing: a cold build takes
// minutes, and `make tools` shares the same binary.
func ensureCLI(ctx context.Context, t Tools, root string, log io.Writer) error {
	if _, err := os.Stat(t.Pulumi); err == nil {
		return nil
	}
	// One build at a time: `go test ./...` runs offline, cmd/preview and cmd/deploy in parallel,
	// and each may find bin/pulumi missing. The others wait here and then find it built.
	if err := os.MkdirAll(filepath.Dir(t.Pulumi), 0o755); err != nil {
		return err
	}
	lock, err := os.OpenFile(filepath.Join(filepath.Dir(t.Pulumi), ".pulumi-build-lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return err
	}
	if _, err := os.Stat(t.Pulumi); err == nil {
		return nil
	}
	fmt.Fprintln(log, "offline: building the pinned Pulumi CLI into bin/pulumi (once per machine, a few minutes)")
	// Build beside it, then rename: a reader never sees a half-written binary.
	tmp := fmt.Sprintf("%s.%d", t.Pulumi, os.Getpid())
	if err := goBuild(ctx, filepath.Join(root, "tools"), tmp, "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, t.Pulumi)
}

// buildPackAndDoubles always runs go build (a no-op when current) in one invocation, so the
// package graph loads once; the doubles' PATH names are relative links to its outputs.
func buildPackAndDoubles(ctx context.Context, t Tools, root string) error {
	// One build at a time: `go test ./...` runs the offline and cmd/preview tests in parallel, and
	// a second build must find the first one's binaries current rather than rewrite them.
	if err := os.MkdirAll(t.built, 0o755); err != nil {
		return err
	}
	lock, err := os.OpenFile(filepath.Join(t.built, ".build-lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return err
	}
	pkgs := []string{"./policy"}
	for _, d := range doubles {
		pkgs = append(pkgs, "./offline/doubles/"+d)
	}
	if err := goBuild(ctx, root, t.built+string(filepath.Separator), pkgs...); err != nil {
		return err
	}
	if err := os.MkdirAll(t.DoublesDir, 0o755); err != nil {
		return err
	}
	for _, d := range doubles {
		link, target := filepath.Join(t.DoublesDir, "pulumi-resource-"+d), filepath.Join("..", d)
		if current, err := os.Readlink(link); err == nil && current == target {
			continue
		}
		// Link under a private name, then rename: concurrent runs (go test runs packages in
		// parallel) never see a missing or half-made link.
		tmp := fmt.Sprintf("%s.%d", link, os.Getpid())
		os.Remove(tmp)
		if err := os.Symlink(target, tmp); err != nil {
			return err
		}
		if err := os.Rename(tmp, link); err != nil {
			return err
		}
	}
	return nil
}

func goBuild(ctx context.Context, dir, out string, pkgs ...string) error {
	cmd := exec.CommandContext(ctx, "go", append([]string{"build", "-o", out}, pkgs...)...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("offline: go build -o %s %v (in %s): %w\n%s", out, pkgs, dir, err, stderr.String())
	}
	return nil
}
