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

// The config reference (docs/configuration.md) is Pulumi.yaml and the stack files, row for row.
func TestDocsConfigReference(t *testing.T) {
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

	doc, err := os.ReadFile(filepath.Join(projectDir, "docs", "configuration.md"))
	if err != nil {
		t.Fatal(err)
	}
	start := strings.Index(string(doc), want[0])
	if start < 0 {
		t.Fatalf("docs/configuration.md has no config reference table; it should be:\n%s", strings.Join(want, "\n"))
	}
	got := strings.Split(string(doc[start:]), "\n")
	if len(got) > len(want) {
		got = got[:len(want)]
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("docs/configuration.md's config reference is out of date; it should be:\n%s", strings.Join(want, "\n"))
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

// Every `pulumi preview` and `pulumi up` the README or a page of docs/ tells a reader to run (in
// their code blocks and the README's command table) runs the policy pack with the stack's config,
// or says on the line why not.
func TestDocsCommandsRunThePolicyPack(t *testing.T) {
	pages, err := filepath.Glob(filepath.Join(projectDir, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	pages = append([]string{filepath.Join(projectDir, "README.md")}, pages...)
	isPulumi := func(cmd string) bool {
		return strings.HasPrefix(cmd, "pulumi preview") || strings.HasPrefix(cmd, "pulumi up")
	}
	var commands []string // "file:line: command"
	inTables := 0
	for _, page := range pages {
		text, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		name, _ := filepath.Rel(projectDir, page)
		inCode, inTable := false, false
		for i, line := range strings.Split(string(text), "\n") {
			switch {
			case strings.HasPrefix(line, "```"):
				inCode = !inCode
			case inCode:
				if cmd, comment, _ := strings.Cut(line, " #"); isPulumi(strings.TrimSpace(cmd)) {
					if !strings.HasPrefix(strings.TrimSpace(comment), "no policy pack: ") {
						commands = append(commands, fmt.Sprintf("%s:%d: %s", name, i+1, strings.TrimSpace(cmd)))
					}
				}
			case strings.HasPrefix(line, "#"):
				inTable = line == "### Which command for which job"
			case inTable:
				for j, span := range strings.Split(line, "`") {
					if j%2 == 1 && isPulumi(span) {
						commands = append(commands, fmt.Sprintf("%s:%d: %s", name, i+1, span))
						if name == "README.md" {
							inTables++
						}
					}
				}
			}
		}
	}
	if inTables < 2 {
		t.Errorf("README.md's command table (### Which command for which job) has %d pulumi preview/up commands, want its preview and up rows", inTables)
	}
	if len(commands) < 5 {
		t.Errorf("found %d pulumi preview/up commands, want the command table's and the walkthrough's: %q", len(commands), commands)
	}
	for _, c := range commands {
		if !strings.Contains(c, " --policy-pack bin/policy-pack ") || !strings.Contains(c, " --policy-pack-config policy/config/") {
			t.Errorf("%s runs without the policy pack and its stack config", c)
		}
	}
}
