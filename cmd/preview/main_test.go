package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"example.com/webstack/offline"
)

func TestBadInputIsAUsageErrorWithOneClearMessage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-stack", "staging"}, `unknown stack "staging"`},
		{[]string{"-stack", "dev", "extra"}, "unexpected arguments"},
		{[]string{"-stak", "dev"}, "flag provided but not defined: -stak"},
		{[]string{"-config-overlay", "no-such-overlay.yaml"}, "no-such-overlay.yaml: no such file"},
		{[]string{"-config-overlay", "../../.github/workflows/preview.yml"}, "has no top-level config map"},
		{[]string{"-config-overlay", "main.go"}, "is not YAML"},
	} {
		var stdout, stderr bytes.Buffer
		_, err := run(context.Background(), tc.args, &stdout, &stderr)
		var usage usageError
		if !errors.As(err, &usage) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run(%q) = %v, want a usage error containing %q", tc.args, err, tc.want)
		}
		if stdout.Len() > 0 {
			t.Errorf("run(%q) wrote to stdout: %q", tc.args, stdout.String())
		}
	}
}

// TestJSONModeKeepsStdoutMachineReadable runs the real dev preview as CI does.
func TestJSONModeKeepsStdoutMachineReadable(t *testing.T) {
	var stdout, stderr bytes.Buffer
	res, err := run(context.Background(), []string{"-stack", "dev", "-json"}, &stdout, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	var decoded offline.Result
	if err := json.Unmarshal(stdout.Bytes(), &decoded); err != nil {
		t.Fatalf("stdout is not one JSON result: %v\n%s", err, stdout.String())
	}
	if decoded.Status != res.Status || decoded.Status != "passed" || len(decoded.Resources) == 0 {
		t.Errorf("decoded status %q with %d resources, want passed with resources", decoded.Status, len(decoded.Resources))
	}
	if !strings.Contains(stderr.String(), "Policies:") {
		t.Errorf("the preview's own output (with its Policies section) should go to stderr:\n%s", stderr.String())
	}
	// The program's warnings reach the engine (ctx.Log.Warn): dev names no alarm subscriber.
	if !strings.Contains(stderr.String(), "webstack:alarmEmail is empty") {
		t.Errorf("the preview does not warn that dev's alarms page no one:\n%s", stderr.String())
	}
}

func TestHelpExitsZeroAndListsEveryFlag(t *testing.T) {
	for _, arg := range []string{"-h", "-help"} {
		var stdout, stderr bytes.Buffer
		res, err := run(context.Background(), []string{arg}, &stdout, &stderr)
		if code := exitCode(res, err); code != 0 {
			t.Errorf("%s: exit %d (%v), want 0", arg, code, err)
		}
		for _, flag := range []string{"-stack", "-json", "-config-overlay"} {
			if !strings.Contains(stderr.String(), "\n  "+flag) {
				t.Errorf("%s: help does not list %s:\n%s", arg, flag, stderr.String())
			}
		}
		if stdout.Len() != 0 {
			t.Errorf("%s wrote to stdout: %q", arg, stdout.String())
		}
	}
	for _, tc := range []struct {
		res  *offline.Result
		err  error
		want int
	}{
		{&offline.Result{Status: "passed"}, nil, 0},
		{&offline.Result{Status: "policy-violations"}, nil, 1},
		{nil, errors.New("the engine failed"), 1},
		{nil, usageError{errors.New("bad flag")}, 2},
	} {
		if got := exitCode(tc.res, tc.err); got != tc.want {
			t.Errorf("exitCode(%+v, %v) = %d, want %d", tc.res, tc.err, got, tc.want)
		}
	}
}

// TestConfigOverlayPreviewsTheFixture previews dev with the EC2 fixture laid over it, as a
// user would to try a config change without editing the stack file.
func TestConfigOverlayPreviewsTheFixture(t *testing.T) {
	var stdout, stderr bytes.Buffer
	res, err := run(context.Background(), []string{"-stack", "dev", "-json", "-config-overlay", "../../program/testdata/Pulumi.ec2.yaml"}, &stdout, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]int{}
	for _, r := range res.Resources {
		types[r.Type]++
	}
	if res.Status != "passed" || types["webstack:components:Ec2Capacity"] != 1 {
		t.Errorf("status %q, %d Ec2Capacity: want passed with the fixture's EC2 capacity", res.Status, types["webstack:components:Ec2Capacity"])
	}
}
