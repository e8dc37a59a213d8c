package program

import (
	"go/ast"
	"go/token"
	"strings"
	"testing"
)

// No limit is written in program: a number that bounds a setting is a named constant of
// components (settings*.go), which the components' own checks use too. So program's code (tests
// aside) passes no integer literal to a components check and compares nothing with an integer
// literal other than 0 (len(x) > 0 is not a limit). TestProgramAndComponentsShareLimits then
// holds the two sides to the same verdict at every such constant.
func TestProgramWritesNoLimit(t *testing.T) {
	fset, files := parseDir(t, ".")
	for _, f := range files {
		for _, lit := range limitLiterals(f) {
			t.Errorf("%s: %s is a limit written in program: use (or add) a named constant and check in components/settings*.go",
				fset.Position(lit.Pos()), lit.Value)
		}
	}
}

// limitLiterals are f's integer literals other than 0 that are an argument of a call to a
// components.Check* function or an operand of a comparison.
func limitLiterals(f *ast.File) []*ast.BasicLit {
	var out []*ast.BasicLit
	intLit := func(e ast.Expr) {
		ast.Inspect(e, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.INT && lit.Value != "0" {
				out = append(out, lit)
			}
			return true
		})
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok && strings.HasPrefix(sel.Sel.Name, "Check") {
				if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "components" {
					for _, a := range n.Args {
						intLit(a)
					}
				}
			}
		case *ast.BinaryExpr:
			switch n.Op {
			case token.LSS, token.LEQ, token.GTR, token.GEQ, token.EQL, token.NEQ:
				for _, side := range []ast.Expr{n.X, n.Y} {
					if lit, ok := side.(*ast.BasicLit); ok {
						intLit(lit)
					}
				}
			}
		}
		return true
	})
	return out
}
