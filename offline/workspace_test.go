package offline

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWorkspaceRefreshesConfigAndKeepsTheOfflineSalt(t *testing.T) {
	root, state := t.TempDir(), t.TempDir()
	write := func(path, text string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	read := func(path string) string {
		t.Helper()
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	write(filepath.Join(root, "Pulumi.yaml"), "name: webstack\nruntime: go\n")
	write(filepath.Join(root, "Pulumi.dev.yaml"), "config:\n  webstack:cpu: 256\n")

	work, _, err := workspaceFor(root, "dev", state)
	if err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(work, "Pulumi.dev.yaml")
	// What `pulumi stack init` does to the work copy on the first run.
	write(copyPath, read(copyPath)+"encryptionsalt: v1:offline\n")

	write(filepath.Join(root, "Pulumi.dev.yaml"), "config:\n  webstack:cpu: 512\n")
	if _, _, err := workspaceFor(root, "dev", state); err != nil {
		t.Fatal(err)
	}
	if got, want := read(copyPath), "config:\n  webstack:cpu: 512\nencryptionsalt: v1:offline\n"; got != want {
		t.Errorf("work copy %q, want the new config with the kept salt %q", got, want)
	}
	if got := read(filepath.Join(root, "Pulumi.dev.yaml")); got != "config:\n  webstack:cpu: 512\n" {
		t.Errorf("the repository's stack file was changed: %q", got)
	}

	// A stack file with its own salt (it has secure values) is copied as it is.
	own := "config:\n  webstack:cpu: 512\nencryptionsalt: v1:repo\n"
	write(filepath.Join(root, "Pulumi.dev.yaml"), own)
	if _, _, err := workspaceFor(root, "dev", state); err != nil {
		t.Fatal(err)
	}
	if got := read(copyPath); got != own {
		t.Errorf("work copy %q, want the repository's file %q", got, own)
	}
}
