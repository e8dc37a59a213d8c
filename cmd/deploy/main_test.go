package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"example.com/webstack/release"
)

func TestBadFlagsExitTwoWithOneMessage(t *testing.T) {
	var stdout, stderr strings.Builder
	code := run(context.Background(), []string{"-stack", "prod", "-timeout", "-5m"}, &stdout, &stderr)
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	msg := stderr.String()
	if !strings.HasPrefix(msg, "deploy: -timeout must be a positive duration") || !strings.Contains(msg, "usage: deploy -stack NAME") ||
		strings.Count(msg, "\n") != 2 || stdout.Len() != 0 {
		t.Errorf("stderr = %q, stdout = %q", msg, stdout.String())
	}
}

// The inline program resolves the stack's relative build context against the working directory,
// so the command must run from -root wherever it was started. The test stops it, offline, at the
// region check that follows.
func TestRunsFromTheRootItIsGiven(t *testing.T) {
	t.Chdir(t.TempDir()) // started elsewhere; t.Chdir restores the test's directory afterwards
	root := t.TempDir()
	noFile := filepath.Join(root, "absent")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_CONFIG_FILE", noFile)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", noFile)

	var stdout, stderr strings.Builder
	code := run(context.Background(), []string{"-stack", "dev", "-root", root}, &stdout, &stderr)
	if code != release.ExitNothingReleased || !strings.Contains(stderr.String(), "no AWS region") {
		t.Fatalf("exit %d, stderr %q: want 4 (nothing released) and the region message", code, stderr.String())
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := filepath.EvalSymlinks(root)
	if got, _ := filepath.EvalSymlinks(wd); got != want {
		t.Errorf("working directory %s, want -root %s", got, want)
	}
}

func TestMissingRootIsOneClearMessage(t *testing.T) {
	var stdout, stderr strings.Builder
	missing := filepath.Join(t.TempDir(), "nowhere")
	code := run(context.Background(), []string{"-stack", "dev", "-root", missing}, &stdout, &stderr)
	if msg := stderr.String(); code != release.ExitNothingReleased || !strings.HasPrefix(msg, "deploy: -root "+missing+": ") || strings.Count(msg, "\n") != 1 {
		t.Errorf("exit %d, stderr %q: want 4 (nothing released) and one line naming -root", code, msg)
	}
}
