package offline

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TestEveryCLICommandUsesThePrivatePulumiHome (issue 16 item 19): every `pulumi` process the
// harness starts runs with the private PULUMI_HOME, where the CLI writes its logs. Automation
// API's NewPulumiCommand ran `pulumi version` with the caller's environment only, which logged
// to ~/.pulumi/logs (the user's home from the password database, whatever $HOME says) on every
// preview. A wrapper in place of the CLI records each command's PULUMI_HOME.
func TestEveryCLICommandUsesThePrivatePulumiHome(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	real := filepath.Join(root, "bin", "pulumi")
	if _, err := os.Stat(real); err != nil {
		t.Skipf("no CLI at %s (make tools)", real)
	}
	dir := t.TempDir()
	record := filepath.Join(dir, "commands")
	wrapper := filepath.Join(dir, "bin", "pulumi")
	if err := os.MkdirAll(filepath.Dir(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\necho \"PULUMI_HOME=$PULUMI_HOME $1 $2\" >> " + record + "\nexec " + real + " \"$@\"\n"
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	tools := toolsIn(root)
	tools.Pulumi = wrapper
	stack, err := selectStack(context.Background(), root, "dev", func(*pulumi.Context) error { return nil }, tools, state, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stack.Workspace().WhoAmI(context.Background()); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	want := "PULUMI_HOME=" + filepath.Join(state, "home") + " "
	for _, line := range lines {
		if !strings.HasPrefix(line, want) {
			t.Errorf("command ran without the private PULUMI_HOME: %q", line)
		}
	}
	if len(lines) < 2 {
		t.Errorf("recorded %d commands, want the stack selection and whoami at least: %q", len(lines), lines)
	}
}
