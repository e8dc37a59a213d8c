package rules

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzClassifyUser checks properties every spelling of a user must keep; the seeds run as a
// normal test.
func FuzzClassifyUser(f *testing.F) {
	for _, s := range []string{"root", "0", "0:0", "0:1000", "root:staff", "1000:0", "1000", " ROOT ", ":", "", "00:00", "app:root", "1000:", "\t0\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := classifyUser(s)
		if u := classifyUser(strings.ToUpper(s)); u != got && strings.EqualFold(strings.ToUpper(s), s) {
			t.Errorf("case changes the answer: %q=%d, upper=%d", s, got, u)
		}
		if p := classifyUser(" " + s + "\t"); p != got {
			t.Errorf("surrounding spaces change the answer: %q=%d, padded=%d", s, got, p)
		}
		if strings.Contains(s, ":") {
			return
		}
		// uid 0 or root with any group is root; a non-root uid never is.
		if c := classifyUser("0:" + s); c != userRoot {
			t.Errorf("0:%q = %d, want root", s, c)
		}
		if c := classifyUser("root:" + s); c != userRoot {
			t.Errorf("root:%q = %d, want root", s, c)
		}
		if c := classifyUser("1000:" + s); c == userRoot || c == userEmpty {
			t.Errorf("1000:%q = %d, want non-root", s, c)
		}
	})
}

// FuzzContainerDefinitions feeds arbitrary strings as containerDefinitions to every container
// rule: none may panic, and invalid JSON is exactly one violation quoting the parse error.
func FuzzContainerDefinitions(f *testing.F) {
	for _, s := range []string{
		`[{"name":"web","user":"1000"}]`, `[{"name":"web","user":"root","privileged":true}]`, `[]`, `{}`, `[1]`, `[{"user":0}]`,
		`[{"name":"web","user":"1000:0","environment":[{"name":"DB_PASSWORD","value":"x"}]}]`, `[{"name":"a","logConfiguration":null}]`,
		`[{"name":"web"`, `nul`, ``, `[{"environment":[1,"x",null]}]`, `[{"user":{"a":1}}]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, defs string) {
		td := res(typeTaskDefinition, "td", map[string]any{fieldContainerDefs: defs})
		for _, rule := range All() {
			rule.CheckResource(td, DefaultConfig(), Mandatory)
		}
		fs := Lookup(PolicyContainerNotRoot).CheckResource(td, DefaultConfig(), Mandatory)
		var raw []any
		if err := json.Unmarshal([]byte(defs), &raw); err != nil {
			if len(fs) != 1 || !strings.Contains(fs[0].Message, err.Error()) {
				t.Fatalf("invalid JSON %q gave %+v, want one violation quoting %q", defs, fs, err)
			}
			return
		}
		for _, f := range fs {
			if f.Unverifiable {
				t.Fatalf("a JSON string is fully known, yet %q gave an unverifiable finding: %s", defs, f.Message)
			}
		}
	})
}
