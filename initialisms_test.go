package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// initialismsOf reads the initialisms list of staticcheck.conf, the one home of the list.
func initialismsOf(t *testing.T) []string {
	t.Helper()
	conf, err := os.ReadFile("staticcheck.conf")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^initialisms\s*=\s*\[(.*)\]\s*$`).FindSubmatch(conf)
	if m == nil {
		t.Fatal("staticcheck.conf has no initialisms = [...] line")
	}
	var out []string
	for _, q := range strings.Split(string(m[1]), ",") {
		s, err := strconv.Unquote(strings.TrimSpace(q))
		if err != nil {
			t.Fatalf("staticcheck.conf initialisms: %v", err)
		}
		out = append(out, s)
	}
	return out
}

// miscased reports the initialisms (among those holding a digit, which staticcheck's ST1003 cannot
// see) that name spells in title case, as a word: "Ec2Capacity" and "runEc2" for EC2, not
// "EC2Capacity", "ec2Capacity" or "spec2".
func miscased(name string, digitInitialisms []string) []string {
	var bad []string
	for _, in := range digitInitialisms {
		title := in[:1] + strings.ToLower(in[1:])
		if title == in {
			continue // one letter and digits (S3): title case is capitals
		}
		for i := 0; ; {
			j := strings.Index(name[i:], title)
			if j < 0 {
				break
			}
			end := i + j + len(title)
			if end == len(name) || !unicode.IsLower(rune(name[end])) {
				bad = append(bad, in)
				break
			}
			i = end
		}
	}
	return bad
}

func TestMiscased(t *testing.T) {
	ins := []string{"EC2", "S3"}
	for name, want := range map[string]string{
		"Ec2Capacity": "EC2", "runEc2": "EC2", "NewEc2Capacity": "EC2",
		"EC2Capacity": "", "ec2Capacity": "", "spec2": "", "S3Bucket": "", "Ec2x": "",
	} {
		if got := strings.Join(miscased(name, ins), ","); got != want {
			t.Errorf("miscased(%q) = %q, want %q", name, got, want)
		}
	}
}

// Every identifier this repository declares writes the initialisms with a digit (EC2, S3) the way
// staticcheck's ST1003 holds the others (make lint): all capitals, or all lower case at the start.
func TestIdentifiersSpellDigitInitialismsInCapitals(t *testing.T) {
	var digits []string
	for _, in := range initialismsOf(t) {
		if strings.ContainsAny(in, "0123456789") {
			digits = append(digits, in)
		}
	}
	if len(digits) == 0 {
		t.Fatal("staticcheck.conf lists no initialism with a digit (EC2); this test would check nothing")
	}
	out, err := exec.Command("git", "ls-files", "*.go").Output()
	if err != nil {
		t.Skipf("git ls-files: %v (run from a git checkout)", err)
	}
	files := strings.Fields(string(out))
	if len(files) < 50 {
		t.Fatalf("git ls-files listed %d Go files, want the repository's", len(files))
	}
	fset := token.NewFileSet()
	for _, f := range files {
		file, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			var names []*ast.Ident
			switch d := n.(type) {
			case *ast.FuncDecl:
				names = append(names, d.Name)
			case *ast.TypeSpec:
				names = append(names, d.Name)
			case *ast.ValueSpec:
				names = append(names, d.Names...)
			case *ast.Field:
				names = append(names, d.Names...)
			case *ast.AssignStmt:
				if d.Tok == token.DEFINE {
					for _, e := range d.Lhs {
						if id, ok := e.(*ast.Ident); ok {
							names = append(names, id)
						}
					}
				}
			case *ast.RangeStmt:
				for _, e := range []ast.Expr{d.Key, d.Value} {
					if id, ok := e.(*ast.Ident); ok && d.Tok == token.DEFINE {
						names = append(names, id)
					}
				}
			}
			for _, id := range names {
				if bad := miscased(id.Name, digits); len(bad) > 0 {
					t.Errorf("%s: %s writes the initialism %s in title case; write it in capitals, as staticcheck.conf lists it", fset.Position(id.Pos()), id.Name, strings.Join(bad, ", "))
				}
			}
			return true
		})
	}
}
