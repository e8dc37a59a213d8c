package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"example.com/webstack/offline"
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

// offlineAWS points every AWS client of this process at nothing: no credentials, no instance
// metadata, endpoints on a closed loopback port. Run may then fail, but never reaches AWS.
func offlineAWS(t *testing.T) {
	noFile := filepath.Join(t.TempDir(), "absent")
	for k, v := range map[string]string{
		"AWS_REGION": "", "AWS_DEFAULT_REGION": "", "AWS_PROFILE": "", "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "",
		"AWS_SESSION_TOKEN": "", "AWS_CONFIG_FILE": noFile, "AWS_SHARED_CREDENTIALS_FILE": noFile,
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
		"AWS_ENDPOINT_URL": "http://127.0.0.1:1",
	} {
		t.Setenv(k, v)
	}
}

// The inline program resolves the stack's relative build context against the working directory,
// so the command must run from -root wherever it was started. The test stops it, offline, at the
// region check that follows (this root has no stack file to read the region from).
func TestRunsFromTheRootItIsGiven(t *testing.T) {
	t.Chdir(t.TempDir()) // started elsewhere; t.Chdir restores the test's directory afterwards
	root := t.TempDir()
	offlineAWS(t)

	var stdout, stderr strings.Builder
	code := run(context.Background(), []string{"-stack", "dev", "-root", root}, &stdout, &stderr)
	if code != release.ExitBadFlags || !strings.Contains(stderr.String(), "Pulumi.dev.yaml") {
		t.Fatalf("exit %d, stderr %q: want 2 and the stack file the region is read from", code, stderr.String())
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

func TestHelpExitsZeroAndListsEveryFlag(t *testing.T) {
	for _, arg := range []string{"-h", "-help"} {
		var stdout, stderr strings.Builder
		if code := run(context.Background(), []string{arg}, &stdout, &stderr); code != 0 {
			t.Errorf("%s: exit %d, want 0", arg, code)
		}
		for _, flag := range []string{"-stack", "-dry-run", "-timeout", "-rollback-timeout", "-poll", "-verify-samples",
			"-max-sample-errors", "-region", "-root", "-pulumi", "-policy-pack"} {
			if !strings.Contains(stderr.String(), "\n  "+flag+" ") && !strings.Contains(stderr.String(), "\n  "+flag+"\n") {
				t.Errorf("%s: help does not list %s:\n%s", arg, flag, stderr.String())
			}
		}
		if stdout.Len() != 0 {
			t.Errorf("%s wrote to stdout: %q", arg, stdout.String())
		}
	}
}

// The release acts in the stack's region: with nothing in the environment (docs/real-account.md, "With the
// repository's commands" for dev), and refused, in one line, when -region or AWS_REGION names another.
func TestRegionIsTheStacks(t *testing.T) {
	t.Chdir(".") // run changes into -root; come back afterwards
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "Pulumi.dev.yaml"), []byte("config:\n  aws:region: eu-west-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ flag, env string }{{"", ""}, {"eu-west-1", ""}, {"", "eu-west-1"}, {"eu-west-1", "eu-west-1"}} {
		if r, err := releaseRegion(root, "dev", tc.flag, tc.env); err != nil || r != "eu-west-1" {
			t.Errorf("-region %q AWS_REGION %q: %q, %v; want the stack's eu-west-1", tc.flag, tc.env, r, err)
		}
	}
	for _, tc := range []struct {
		args []string
		env  string
		want string
	}{
		{[]string{"-region", "us-west-2"}, "", "deploy: -region is us-west-2, but stack dev is in eu-west-1 (aws:region in Pulumi.dev.yaml)"},
		{nil, "us-east-1", "deploy: AWS_REGION is us-east-1, but stack dev is in eu-west-1 (aws:region in Pulumi.dev.yaml)"},
	} {
		offlineAWS(t)
		t.Setenv("AWS_REGION", tc.env)
		var stdout, stderr strings.Builder
		code := run(context.Background(), append([]string{"-stack", "dev", "-root", root}, tc.args...), &stdout, &stderr)
		if msg := stderr.String(); code != 2 || !strings.HasPrefix(msg, tc.want) || strings.Count(msg, "\n") != 1 {
			t.Errorf("%v AWS_REGION=%q: exit %d, stderr %q; want 2 and one line %q", tc.args, tc.env, code, msg, tc.want)
		}
	}
}

// make deploy has no default stack; make preview previews dev.
func TestMakeDeployNeedsAStack(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"STACK", "MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES"} { // nothing inherited from an outer make
		t.Setenv(k, "")
	}
	out, err := exec.Command("make", "-n", "-C", root, "deploy").CombinedOutput()
	want := "run make deploy STACK=<stack> (stacks here: " + strings.Join(offline.Stacks(root), " ") + ")"
	if err == nil || !strings.Contains(string(out), want) {
		t.Errorf("make deploy without STACK: %v\n%s", err, out)
	}
	out, err = exec.Command("make", "-n", "-C", root, "deploy", "STACK=prod").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "./cmd/deploy -stack prod") {
		t.Errorf("make deploy STACK=prod: %v\n%s", err, out)
	}
	out, err = exec.Command("make", "-n", "-C", root, "preview").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "./cmd/preview -stack dev") {
		t.Errorf("make preview: %v\n%s", err, out)
	}
}

// The deploy command reads the config `pulumi up` will apply, as the program loads it, before it
// touches AWS: an invalid one is one message and nothing released (and a valid one feeds the
// preflight's comparison with the live stack, release/edits.go).
func TestStackConfigIsReadBeforeAnythingElse(t *testing.T) {
	t.Chdir(".")
	offlineAWS(t)
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "Pulumi.dev.yaml"), []byte("config:\n  aws:region: eu-west-1\n  webstack:cpu: lots\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr strings.Builder
	code := run(context.Background(), []string{"-stack", "dev", "-root", root}, &stdout, &stderr)
	if msg := stderr.String(); code != release.ExitNothingReleased || !strings.HasPrefix(msg, "deploy: "+filepath.Join(root, "Pulumi.dev.yaml")+": invalid stack config") ||
		!strings.Contains(msg, `webstack:cpu: "lots" is not an integer`) || stdout.Len() != 0 {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout.String(), msg)
	}
}
