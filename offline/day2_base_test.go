package offline_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"example.com/webstack/offline"
	"example.com/webstack/program"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The day-2 tests: the real program, engine and policy pack against the offline AWS model
// (internal/awsmodel) in a simulated up (docs/day2.md). What they prove is bounded by the model:
// a real account stays the final check.

// serving are the types whose resource serves traffic: none may be deleted before its
// replacement exists.
var serving = []string{
	"aws:ecs/service:Service", "aws:ecs/cluster:Cluster", "aws:lb/loadBalancer:LoadBalancer",
	"aws:lb/listener:Listener", "aws:lb/targetGroup:TargetGroup", "aws:ecs/capacityProvider:CapacityProvider",
}

// day2Base is one live stack the day-2 tests start from: a stack and a config overlay (a path
// from the repository root, or "").
type day2Base struct{ stack, fixture string }

func (b day2Base) String() string {
	if b.fixture == "" {
		return b.stack
	}
	return b.stack + "+" + strings.TrimSuffix(strings.TrimPrefix(filepath.Base(b.fixture), "Pulumi."), ".yaml")
}

func (b day2Base) overlay(t *testing.T) string {
	if b.fixture == "" {
		return ""
	}
	return filepath.Join(repoRoot(t), b.fixture)
}

var (
	devBase = day2Base{"dev", ""}
	// prod with its own values: the program refuses the examples on a real (simulated) update.
	prodBase = day2Base{"prod", "offline/testdata/Pulumi.prod-own-values.yaml"}
	ec2Base  = day2Base{"dev", "program/testdata/Pulumi.ec2.yaml"}
)

func simulate(t *testing.T, b day2Base, overlay, stateDir string, up bool, run pulumi.RunFunc) *offline.Result {
	t.Helper()
	if overlay == "" {
		overlay = b.overlay(t)
	}
	res, err := offline.Preview(context.Background(), offline.Options{
		Stack: b.stack, RepoRoot: repoRoot(t), Program: run, StateDir: stateDir,
		ConfigOverlay: overlay, Simulate: true, Up: up,
	})
	if err != nil {
		t.Fatalf("simulated run of %s could not run: %v", b, err)
	}
	return res
}

// liveStack is a state directory holding b after one simulated up, made once per test binary.
var liveStacks = map[day2Base]string{}

func liveStack(t *testing.T, b day2Base) string {
	t.Helper()
	if dir, ok := liveStacks[b]; ok {
		return dir
	}
	dir, err := os.MkdirTemp("", "day2-"+b.String()+"-")
	if err != nil {
		t.Fatal(err)
	}
	res := simulate(t, b, "", dir, true, program.Run)
	if res.Status != "passed" {
		t.Fatalf("%s: the first simulated up failed: %s", b, res.Error)
	}
	liveStacks[b] = dir
	return dir
}

// copyOf is a private copy of b's live stack.
func copyOf(t *testing.T, b day2Base) string {
	t.Helper()
	dir := t.TempDir()
	if err := offline.CopyState(liveStack(t, b), dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, dir := range liveStacks {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

func logSteps(t *testing.T, title string, r *offline.Result) {
	t.Helper()
	var b strings.Builder
	offline.PrintSteps(&b, title, r)
	t.Log(b.String())
}

// TestSecondUpChangesNothing (issue 12, "Day 2, proven offline"): up, then the same program and
// config again: every resource "same". Before the task definition fix this replaced the task
// definition and updated the service on every up.
func TestSecondUpChangesNothing(t *testing.T) {
	for _, b := range []day2Base{devBase, prodBase, ec2Base} {
		t.Run(b.String(), func(t *testing.T) {
			dir := copyOf(t, b)
			res := simulate(t, b, "", dir, false, program.Run)
			logSteps(t, "second up", res)
			if res.Status != "passed" {
				t.Fatalf("preview after up: %s", res.Error)
			}
			if steps := res.Steps(); len(steps) > 0 {
				t.Errorf("the second up would change %d resources, want none: first %s %s %v",
					len(steps), steps[0].Summary, steps[0].URN, steps[0].Diffs)
			}
		})
	}
}
