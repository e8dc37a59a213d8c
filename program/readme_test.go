package program

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The README's config reference is Pulumi.yaml and the stack files, row for row.
func TestReadmeConfigReference(t *testing.T) {
	var project struct {
		Config yaml.Node
	}
	readYAML(t, filepath.Join(projectDir, "Pulumi.yaml"), &project)
	var dev, prod struct{ Config map[string]any }
	readYAML(t, filepath.Join(projectDir, "Pulumi.dev.yaml"), &dev)
	readYAML(t, filepath.Join(projectDir, "Pulumi.prod.yaml"), &prod)

	want := []string{"| key (`webstack:`) | type | default | dev | prod | what it does |", "|---|---|---|---|---|---|"}
	// Walk the mapping node to keep Pulumi.yaml's order.
	for i := 0; i+1 < len(project.Config.Content); i += 2 {
		key := project.Config.Content[i].Value
		var decl struct {
			Type        string
			Items       struct{ Type string }
			Description string
			Default     any
		}
		if err := project.Config.Content[i+1].Decode(&decl); err != nil {
			t.Fatal(err)
		}
		typ := decl.Type
		if decl.Items.Type != "" {
			typ += " of " + decl.Items.Type
		}
		want = append(want, fmt.Sprintf("| `%s` | %s | %s | %s | %s | %s |", strings.TrimPrefix(key, Project+":"), typ,
			cell(t, decl.Default), cell(t, dev.Config[key]), cell(t, prod.Config[key]), strings.ReplaceAll(decl.Description, "|", `\|`)))
	}

	readme, err := os.ReadFile(filepath.Join(projectDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	start := strings.Index(string(readme), want[0])
	if start < 0 {
		t.Fatalf("README.md has no config reference table; it should be:\n%s", strings.Join(want, "\n"))
	}
	got := strings.Split(string(readme[start:]), "\n")
	if len(got) > len(want) {
		got = got[:len(want)]
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("README.md config reference is out of date; it should be:\n%s", strings.Join(want, "\n"))
	}
}

func cell(t *testing.T, v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		if v == "" {
			return "`\"\"`"
		}
		return "`" + v + "`"
	case int, bool:
		return fmt.Sprintf("`%v`", v)
	default:
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return "`" + string(b) + "`"
	}
}
