package main

import (
	"bytes"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// maxFileLines is how long a non-test Go file may grow before it must say why in its leading
// comment: past it, a file usually holds more than one idea and is split by concern instead.
const maxFileLines = 350

// longFileMarker opens the sentence a long file's leading comment gives as its reason.
const longFileMarker = "This file is long because"

// generatedFile is Go's convention for generated code (go help generate), which is exempt.
var generatedFile = regexp.MustCompile(`(?m)^// Code generated .* DO NOT EDIT\.$`)

// repoGoFiles lists the Go files of both modules (the root and api/), tests included, and fails the
// test when it finds too few to be the repository (run from the module root). Build outputs
// (bin/), offline state, caches and other dot directories, and fixtures (testdata/) are not the
// project's code.
func repoGoFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != "." && (strings.HasPrefix(name, ".") || name == "bin" || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(path, ".go") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 200 {
		t.Fatalf("found %d Go files, want the whole repository (run from the module root)", len(files))
	}
	return files
}

// TestGoFilesHoldOneIdea fails for every non-test Go file of the repository over maxFileLines lines
// whose leading comment (the comments before or on the line of its package clause) does not say
// why with longFileMarker.
func TestGoFilesHoldOneIdea(t *testing.T) {
	checked := 0
	for _, path := range repoGoFiles(t) {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if generatedFile.Match(src) {
			continue
		}
		checked++
		lines := bytes.Count(src, []byte("\n"))
		if len(src) > 0 && src[len(src)-1] != '\n' {
			lines++
		}
		if lines <= maxFileLines {
			continue
		}
		leading, err := leadingComment(path, src)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(leading, longFileMarker) {
			t.Errorf("%s has %d lines (limit %d): split it by concern, or say why it is one idea in "+
				"its leading comment with a sentence starting %q", path, lines, maxFileLines, longFileMarker)
		}
	}
	if checked < 100 {
		t.Fatalf("checked %d non-test Go files, want the whole repository (run from the module root)", checked)
	}
}

// leadingComment is the text of the comments that start before or on the package clause's line.
func leadingComment(path string, src []byte) (string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, parser.PackageClauseOnly|parser.ParseComments)
	if err != nil {
		return "", err
	}
	packageLine := fset.Position(f.Package).Line
	var text strings.Builder
	for _, group := range f.Comments {
		if fset.Position(group.Pos()).Line > packageLine {
			break
		}
		for _, c := range group.List {
			text.WriteString(c.Text)
			text.WriteString("\n")
		}
	}
	return text.String(), nil
}

// TestLeadingCommentIsBeforeThePackageClause: the reason counts only where a reader opening the
// file sees it first, not in a comment further down.
func TestLeadingCommentIsBeforeThePackageClause(t *testing.T) {
	for _, c := range []struct {
		name, src string
		want      bool
	}{
		{"before, apart from the package doc", "// " + longFileMarker + " it is a table.\n\n// Package p is p.\npackage p\n", true},
		{"in the package doc", "// Package p is p. " + longFileMarker + " it is a table.\npackage p\n", true},
		{"on the package line", "package p // " + longFileMarker + " it is a table.\n", true},
		{"after a build constraint", "//go:build linux\n\n// " + longFileMarker + " it is a table.\n\npackage p\n", true},
		{"after the package clause", "package p\n\n// " + longFileMarker + " it is a table.\nvar x = 1\n", false},
		{"none", "package p\n\nvar x = 1\n", false},
	} {
		leading, err := leadingComment("x.go", []byte(c.src))
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(leading, longFileMarker); got != c.want {
			t.Errorf("%s: marker found = %v, want %v (leading comment %q)", c.name, got, c.want, leading)
		}
	}
}
