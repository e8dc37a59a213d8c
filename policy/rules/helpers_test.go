package rules

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

// unknownValue is what a computed input looks like during preview.
var unknownValue = property.New(property.Computed)

// secretOf marks a fixture value secret, as a Pulumi secret input arrives.
func secretOf(v any) property.Value { return toValue(v).WithSecret(true) }

// toValue converts fixture literals (maps, slices, strings, numbers, bools, property.Values).
func toValue(v any) property.Value {
	switch v := v.(type) {
	case property.Value:
		return v
	case nil:
		return property.Value{}
	case map[string]any:
		return property.New(toMap(v))
	case []any:
		out := make([]property.Value, len(v))
		for i, e := range v {
			out[i] = toValue(e)
		}
		return property.New(out)
	case []string:
		out := make([]property.Value, len(v))
		for i, e := range v {
			out[i] = property.New(e)
		}
		return property.New(out)
	case string:
		return property.New(v)
	case bool:
		return property.New(v)
	case int:
		return property.New(float64(v))
	case float64:
		return property.New(v)
	}
	panic(fmt.Sprintf("fixture value %T", v))
}

func toMap(m map[string]any) property.Map {
	out := map[string]property.Value{}
	for k, v := range m {
		out[k] = toValue(v)
	}
	return property.NewMap(out)
}

func res(typ, name string, props map[string]any) Resource {
	return Resource{Type: typ, Name: name, URN: "urn:pulumi:dev::webstack::" + typ + "::" + name, Props: toMap(props)}
}

// containerJSON encodes container definitions as the program does.
func containerJSON(t testing.TB, defs ...map[string]any) string {
	t.Helper()
	b, err := json.Marshal(defs)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// summary renders findings as "V <field>" (violation) or "U <field>" (unverifiable), the field
// being the part of the message after the resource; tests compare the exact set.
func summary(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		kind := "V"
		if f.Unverifiable {
			kind = "U"
		}
		rest := f.Message
		if i := strings.Index(rest, `": `); i >= 0 {
			rest = rest[i+3:]
		}
		field, _, _ := strings.Cut(rest, ": ")
		out = append(out, kind+" "+field)
	}
	slices.Sort(out)
	return out
}

// ruleCase is one pass/fail fixture of a rule.
type ruleCase struct {
	name string
	res  Resource
	cfg  *Config
	want []string // summary(findings); nil for a pass
}

func runRuleCases(t *testing.T, policy string, cases []ruleCase) {
	t.Helper()
	rule := Lookup(policy)
	if rule == nil {
		t.Fatalf("no rule %q", policy)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if tc.cfg != nil {
				cfg = *tc.cfg
			}
			fs := rule.CheckResource(tc.res, cfg, Mandatory)
			got := summary(fs)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("findings = %q, want %q\nmessages:\n%s", got, want, messages(fs))
			}
			for _, f := range fs {
				if f.Policy != policy || f.URN != tc.res.URN {
					t.Errorf("finding has policy %q urn %q, want %q %q", f.Policy, f.URN, policy, tc.res.URN)
				}
				wantLevel := Mandatory
				if f.Unverifiable {
					wantLevel = Advisory
				}
				if f.Level != wantLevel {
					t.Errorf("finding level %q, want %q", f.Level, wantLevel)
				}
				if !f.Unverifiable && !strings.Contains(f.Message, "Fix: ") {
					t.Errorf("violation message has no fix: %s", f.Message)
				}
				if !strings.Contains(f.Message, tc.res.Type) || !strings.Contains(f.Message, tc.res.Name) {
					t.Errorf("message does not say which resource: %s", f.Message)
				}
			}
		})
	}
}

func messages(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("  " + f.Message + "\n")
	}
	return b.String()
}
