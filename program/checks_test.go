package program

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// Program checks each setting with the components' own check, under its config key, so that a bad
// value is refused by `pulumi preview` with the key's name before the components see it. A check
// added to components for a setting the stack config sets, and not called here, would let program
// accept what the WebService then refuses under a Go field name. So every exported check of
// components is called by program, or exempt below with the reason.
func TestProgramCallsEveryComponentsCheck(t *testing.T) {
	exempt := map[string]string{
		"CheckIntRange":               "the shape every integer limit shares; program calls each setting's named check",
		"CheckAlarmP99LatencySeconds": "the component's unit; the config key is in milliseconds, and CheckAlarmP99LatencyMs, which program calls, holds the same limit",
	}
	defined := map[string]bool{}
	_, compFiles := parseDir(t, filepath.Join("..", "components"))
	for _, f := range compFiles {
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && strings.HasPrefix(fn.Name.Name, "Check") && fn.Name.IsExported() {
				defined[fn.Name.Name] = true
			}
		}
	}
	if len(defined) < 20 {
		t.Fatalf("found %d exported Check functions in components/, want the settings checks", len(defined))
	}
	called := map[string]bool{}
	_, progFiles := parseDir(t, ".")
	for _, f := range progFiles {
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "components" && strings.HasPrefix(sel.Sel.Name, "Check") {
					called[sel.Sel.Name] = true
				}
			}
			return true
		})
	}
	for name := range defined {
		if !called[name] && exempt[name] == "" {
			t.Errorf("components.%s is not called by program: call it in validate under the setting's config key, or exempt it here with the reason", name)
		}
	}
	for name := range exempt {
		if !defined[name] || called[name] {
			t.Errorf("exemption of %s is stale (defined %v, called by program %v): remove it", name, defined[name], called[name])
		}
	}
}

// parseDir parses the non-test Go files of dir.
func parseDir(t *testing.T, dir string) (*token.FileSet, []*ast.File) {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return fset, files
}
