package components

import (
	"os"
	"path/filepath"
	"testing"
)

func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func mustHash(t *testing.T, dir, platform string) string {
	t.Helper()
	h, err := ContextHash(dir, "Dockerfile", platform)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func newContext(t *testing.T) string {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"Dockerfile":        "FROM scratch\nCOPY api/ /src/\n",
		".dockerignore":     "*\n!api/\napi/**/*_test.go\n",
		"api/main.go":       "package main\n",
		"api/go.mod":        "module example.com/webstack/api\n",
		"api/x_test.go":     "package main\n",
		"README.md":         "docs\n",
		"bin/pulumi":        "big binary\n",
		"program/run.go":    "package program\n",
		"api/sub/lib.go":    "package sub\n",
		"api/sub/a_test.go": "package sub\n",
	})
	return dir
}

func TestContextHashStableForSameTree(t *testing.T) {
	a, b := newContext(t), newContext(t)
	if ha, hb := mustHash(t, a, "linux/amd64"), mustHash(t, b, "linux/amd64"); ha != hb {
		t.Fatalf("two identical trees hash differently: %s vs %s", ha, hb)
	}
}

func TestContextHashChanges(t *testing.T) {
	cases := []struct {
		name   string
		change func(t *testing.T, dir string)
	}{
		{"source edited", func(t *testing.T, dir string) {
			writeTree(t, dir, map[string]string{"api/main.go": "package main // v2\n"})
		}},
		{"source added", func(t *testing.T, dir string) { writeTree(t, dir, map[string]string{"api/new.go": "package main\n"}) }},
		{"nested source edited", func(t *testing.T, dir string) {
			writeTree(t, dir, map[string]string{"api/sub/lib.go": "package sub // v2\n"})
		}},
		{"file renamed", func(t *testing.T, dir string) {
			if err := os.Rename(filepath.Join(dir, "api/main.go"), filepath.Join(dir, "api/app.go")); err != nil {
				t.Fatal(err)
			}
		}},
		{"mode changed", func(t *testing.T, dir string) {
			if err := os.Chmod(filepath.Join(dir, "api/main.go"), 0o755); err != nil {
				t.Fatal(err)
			}
		}},
		{"Dockerfile edited", func(t *testing.T, dir string) { writeTree(t, dir, map[string]string{"Dockerfile": "FROM scratch\n"}) }},
		{".dockerignore edited", func(t *testing.T, dir string) { writeTree(t, dir, map[string]string{".dockerignore": "*\n!api/\n"}) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := newContext(t)
			before := mustHash(t, dir, "linux/amd64")
			tc.change(t, dir)
			if after := mustHash(t, dir, "linux/amd64"); after == before {
				t.Fatalf("hash did not change (%s)", after)
			}
		})
	}
}

func TestContextHashIgnoresIgnoredFiles(t *testing.T) {
	cases := map[string]string{
		"README.md":         "docs v2\n",
		"bin/pulumi":        "another binary\n",
		"program/run.go":    "package program // v2\n",
		"api/x_test.go":     "package main // v2\n",
		"api/sub/a_test.go": "package sub // v2\n",
		"newdir/file.txt":   "new\n",
	}
	for file, content := range cases {
		t.Run(file, func(t *testing.T) {
			dir := newContext(t)
			before := mustHash(t, dir, "linux/amd64")
			writeTree(t, dir, map[string]string{file: content})
			if after := mustHash(t, dir, "linux/amd64"); after != before {
				t.Fatalf("changing ignored %s changed the hash", file)
			}
		})
	}
}

func TestContextHashDependsOnPlatform(t *testing.T) {
	dir := newContext(t)
	if mustHash(t, dir, "linux/amd64") == mustHash(t, dir, "linux/arm64") {
		t.Fatal("amd64 and arm64 builds share a tag")
	}
}

func TestContextHashWithoutDockerignoreHashesEverything(t *testing.T) {
	dir := newContext(t)
	if err := os.Remove(filepath.Join(dir, ".dockerignore")); err != nil {
		t.Fatal(err)
	}
	before := mustHash(t, dir, "linux/amd64")
	writeTree(t, dir, map[string]string{"README.md": "docs v2\n"})
	if mustHash(t, dir, "linux/amd64") == before {
		t.Fatal("with no .dockerignore every file is in the context, so README.md must count")
	}
}

func TestContextHashMissingDockerfile(t *testing.T) {
	dir := t.TempDir()
	if _, err := ContextHash(dir, "Dockerfile", "linux/amd64"); err == nil {
		t.Fatal("want an error for a context without a Dockerfile")
	}
}

// The same tree checked out under umask 022 (CI) and 002 (a laptop) differs only in group write
// bits: the tag must not change. The executable bit changes what a build may run: it must.
func TestContextHashIgnoresUmaskButNotExecutableBit(t *testing.T) {
	chmodAll := func(dir string, file, execFile, directory os.FileMode) {
		t.Helper()
		err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			switch {
			case info.IsDir():
				return os.Chmod(p, directory)
			case filepath.Base(p) == "build.sh":
				return os.Chmod(p, execFile)
			default:
				return os.Chmod(p, file)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	dir := newContext(t)
	writeTree(t, dir, map[string]string{"api/build.sh": "#!/bin/sh\n"})
	chmodAll(dir, 0o644, 0o755, 0o755) // umask 022
	ci := mustHash(t, dir, "linux/amd64")
	chmodAll(dir, 0o664, 0o775, 0o775) // umask 002
	if laptop := mustHash(t, dir, "linux/amd64"); laptop != ci {
		t.Errorf("umask 002 checkout hashes to %s, umask 022 to %s: same code must give the same tag", laptop, ci)
	}
	chmodAll(dir, 0o644, 0o644, 0o755) // build.sh lost its executable bit
	if notExec := mustHash(t, dir, "linux/amd64"); notExec == ci {
		t.Error("clearing the executable bit of api/build.sh did not change the hash")
	}
}
