package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
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

// miscased reports the initialisms that name spells in title case as a word, alone or as a plural:
// "Ec2Capacity" and "runEc2" for EC2, "NetworkAcls" for ACL; not "EC2Capacity", "ec2Capacity",
// "NetworkACLs", "spec2" or "Natural".
func miscased(name string, initialisms []string) []string {
	var bad []string
	for _, in := range initialisms {
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
			if end < len(name) && name[end] == 's' && (end+1 == len(name) || !unicode.IsLower(rune(name[end+1]))) {
				end++ // a plural: "Acls" is ACLs
			}
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
	ins := []string{"EC2", "S3", "ACL", "NAT", "ID"}
	for name, want := range map[string]string{
		"Ec2Capacity": "EC2", "runEc2": "EC2", "NewEc2Capacity": "EC2", "NetworkAcls": "ACL", "NatGateways": "NAT",
		"TestGetTheIdAskedFor": "ID", "subnetIds": "ID", "VpcId": "ID",
		"EC2Capacity": "", "ec2Capacity": "", "spec2": "", "S3Bucket": "", "Ec2x": "", "NetworkACLs": "",
		"Natural": "", "Identity": "", "Idsx": "", "idleTimeout": "",
	} {
		if got := strings.Join(miscased(name, ins), ","); got != want {
			t.Errorf("miscased(%q) = %q, want %q", name, got, want)
		}
	}
}

// Every identifier this repository declares, tests included, writes the initialisms staticcheck.conf
// lists in capitals (or all lower case at the start), plurals too. staticcheck's ST1003 (make lint)
// holds the same style, but its word splitter misses initialisms with a digit (Ec2Capacity) and
// plurals (NetworkAcls), and it skips test functions; this test covers those.
func TestIdentifiersWriteInitialismsInCapitals(t *testing.T) {
	var listed []string
	for _, in := range initialismsOf(t) {
		if in != "inherit" {
			listed = append(listed, in)
		}
	}
	if len(listed) < 10 {
		t.Fatalf("staticcheck.conf lists %d initialisms; this test would check almost nothing", len(listed))
	}
	files := repoGoFiles(t)
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
				if bad := miscased(id.Name, listed); len(bad) > 0 {
					t.Errorf("%s: %s writes the initialism %s in title case; write it in capitals, as staticcheck.conf lists it", fset.Position(id.Pos()), id.Name, strings.Join(bad, ", "))
				}
			}
			return true
		})
	}
}
