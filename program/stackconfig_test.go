package program

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"gopkg.in/yaml.v3"
)

// projectDir is where Pulumi.yaml and the stack files live (the repository root), absolute so
// that tests which change into it can still find it.
var projectDir = func() string {
	dir, err := filepath.Abs("..")
	if err != nil {
		panic(err)
	}
	return dir
}()

// stackConfig returns the config the Pulumi CLI would hand the program for stack: the project's
// declared defaults overlaid with Pulumi.<stack>.yaml, as "<namespace>:<key>" -> value, with
// scalars as text and objects and arrays as JSON text (how the CLI passes them).
func stackConfig(t testing.TB, stack string) map[string]string {
	t.Helper()
	var project struct {
		Name   string
		Config map[string]struct {
			Default any `yaml:"default"`
		}
	}
	readYAML(t, filepath.Join(projectDir, "Pulumi.yaml"), &project)
	var stackFile struct{ Config map[string]any }
	readYAML(t, filepath.Join(projectDir, "Pulumi."+stack+".yaml"), &stackFile)

	out := map[string]string{}
	for k, decl := range project.Config {
		if decl.Default != nil {
			out[k] = cliValue(t, decl.Default)
		}
	}
	for k, v := range stackFile.Config {
		out[k] = cliValue(t, v)
	}
	return out
}

func readYAML(t testing.TB, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func cliValue(t testing.TB, v any) string {
	switch v := v.(type) {
	case string:
		return v
	case int, bool, float64:
		return fmt.Sprint(v)
	default:
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
}
