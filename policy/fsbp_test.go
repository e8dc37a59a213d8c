package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"example.com/webstack/policy/rules"
)

// suppression is one entry of policy/suppressions.yaml.
type suppression struct {
	Control   string   `yaml:"control"`
	Stacks    []string `yaml:"stacks"`
	Resource  string   `yaml:"resource"`
	Reason    string   `yaml:"reason"`
	DecidedBy string   `yaml:"decidedBy"`
}

func loadSuppressions(t *testing.T) []suppression {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(policyDir, "suppressions.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Suppressions []suppression `yaml:"suppressions"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&file); err != nil {
		t.Fatalf("policy/suppressions.yaml: %v", err)
	}
	return file.Suppressions
}

// suppressedIn is the set of "<control>:<resource>" a stack suppresses, per the YAML file.
func suppressedIn(sups []suppression, stack string) []string {
	var out []string
	for _, s := range sups {
		if slices.Contains(s.Stacks, stack) {
			out = append(out, s.Control+":"+s.Resource)
		}
	}
	slices.Sort(out)
	return out
}

// controlRow is one row of docs/fsbp.md's control table.
type controlRow struct{ control, dev, prod, rule string }

var rowPattern = regexp.MustCompile(`^\| ([A-Za-z0-9]+\.[0-9]+) \| ([^|]+) \| ([^|]+) \| ([^|]+) \|`)

func controlTable(t *testing.T) []controlRow {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(filepath.Dir(policyDir), "docs", "fsbp.md"))
	if err != nil {
		t.Fatal(err)
	}
	var rows []controlRow
	for _, line := range strings.Split(string(b), "\n") {
		if m := rowPattern.FindStringSubmatch(line); m != nil {
			rows = append(rows, controlRow{m[1], strings.TrimSpace(m[2]), strings.TrimSpace(m[3]), strings.TrimSpace(m[4])})
		}
	}
	return rows
}

func (r controlRow) status(stack string) string {
	if stack == "dev" {
		return r.dev
	}
	return r.prod
}

// rulesFor lists the rules that enforce control.
func rulesFor(control string) []string {
	var out []string
	for _, r := range rules.All() {
		if slices.Contains(r.Controls, control) {
			out = append(out, r.Name)
		}
	}
	return out
}

// TestFSBPControlTable keeps docs/fsbp.md's table true: one row per applicable control, the
// enforcing rule named, and at least 45 of the 51 enforced.
func TestFSBPControlTable(t *testing.T) {
	rows := controlTable(t)
	if len(rows) != 51 {
		t.Fatalf("docs/fsbp.md lists %d controls, want the 51 that apply to the stacks", len(rows))
	}
	seen := map[string]bool{}
	enforced := 0
	for _, row := range rows {
		if seen[row.control] {
			t.Errorf("%s listed twice", row.control)
		}
		seen[row.control] = true
		for _, st := range []string{row.dev, row.prod} {
			if !slices.Contains([]string{"pass", "suppressed", "n/a"}, st) {
				t.Errorf("%s: status %q is not pass, suppressed or n/a", row.control, st)
			}
		}
		by := rulesFor(row.control)
		switch {
		case row.rule == "—" && len(by) > 0:
			t.Errorf("%s: the table says no rule enforces it, but %v do", row.control, by)
		case row.rule == "—":
		case !slices.Contains(by, row.rule):
			t.Errorf("%s: the table names rule %q, but the rules that carry the control are %v", row.control, row.rule, by)
		default:
			enforced++
		}
	}
	for _, r := range rules.All() {
		for _, c := range r.Controls {
			if !seen[c] {
				t.Errorf("rule %s enforces %s, which docs/fsbp.md does not list", r.Name, c)
			}
		}
	}
	if enforced < 45 {
		t.Errorf("the pack enforces %d of the 51 controls, want at least 45", enforced)
	}
	doc, _ := os.ReadFile(filepath.Join(filepath.Dir(policyDir), "docs", "fsbp.md"))
	if want := fmt.Sprintf("the pack enforces %d of the 51", enforced); !strings.Contains(string(doc), want) {
		t.Errorf("docs/fsbp.md does not say %q", want)
	}
}

// TestFSBPSuppressionsMatchConfig: policy/suppressions.yaml is the record of every suppression,
// and each stack's pack config carries exactly its entries, on a policy that applies them.
func TestFSBPSuppressionsMatchConfig(t *testing.T) {
	sups := loadSuppressions(t)
	controls := map[string]bool{}
	for _, row := range controlTable(t) {
		controls[row.control] = true
	}
	for i, s := range sups {
		if !controls[s.Control] || s.Resource == "" || len(s.Stacks) == 0 || strings.TrimSpace(s.Reason) == "" || strings.TrimSpace(s.DecidedBy) == "" {
			t.Errorf("suppression %d %+v: needs a listed control, a resource, stacks, a reason and who decides", i, s)
		}
	}
	for _, stack := range []string{"dev", "prod"} {
		pc := packConfig(t, stack)
		var inConfig []string
		for name, setting := range pc {
			list, _ := setting.Params["suppress"].([]any)
			for _, e := range list {
				entry := e.(string)
				inConfig = append(inConfig, entry)
				control, _, _ := strings.Cut(entry, ":")
				applies := slices.ContainsFunc(rules.All(), func(r *rules.Rule) bool {
					return slices.Contains(r.Controls, control) && (r.Name == name || r.ParamsFrom == name)
				})
				if !applies {
					t.Errorf("%s.json: %q is on policy %s, which neither enforces %s nor carries the parameters of a policy that does", stack, entry, name, control)
				}
			}
		}
		slices.Sort(inConfig)
		if want := suppressedIn(sups, stack); !slices.Equal(inConfig, want) {
			t.Errorf("%s.json suppresses %q, policy/suppressions.yaml %q", stack, inConfig, want)
		}
		// Levels: mandatory in prod; in dev mandatory unless dev suppresses one of the rule's controls.
		for _, r := range rules.All() {
			if len(r.Controls) == 0 {
				continue
			}
			level, _ := pc.For(r)
			want := rules.Mandatory
			if stack == "dev" && slices.ContainsFunc(sups, func(s suppression) bool {
				return slices.Contains(s.Stacks, "dev") && slices.Contains(r.Controls, s.Control)
			}) {
				want = rules.Advisory
			}
			if level != want {
				t.Errorf("%s.json: %s (%v) is %s, want %s", stack, r.Name, r.Controls, level, want)
			}
		}
	}
}

// TestFSBPStacks runs the pack over both real stacks: every FSBP violation is a documented
// suppression (reported advisory), every suppression still matches a violation, and the table's
// status for each control and stack agrees.
func TestFSBPStacks(t *testing.T) {
	sups := loadSuppressions(t)
	rows := controlTable(t)
	for _, stack := range []string{"dev", "prod"} {
		t.Run(stack, func(t *testing.T) {
			regs := runStack(t, stack, stackConfig(t, stack))
			var created []string // the logical names of what the stack creates
			for _, r := range regs {
				created = append(created, r.inputs.Name)
			}
			fs := analyze(regs, packConfig(t, stack))
			failing := map[string][]string{} // control -> resources
			for _, f := range fs {
				if f.Unverifiable || f.Control == "" {
					continue
				}
				if !f.Suppressed || f.Level != rules.Advisory {
					t.Errorf("%s fails %s on %s and is not a documented suppression: %s", stack, f.Control, f.Resource, f.Message)
				}
				failing[f.Control] = append(failing[f.Control], f.Resource)
			}
			for _, entry := range suppressedIn(sups, stack) {
				control, res, _ := strings.Cut(entry, ":")
				if !slices.Contains(created, res) {
					continue // dormant: the stack does not create the resource today (policy/suppressions.yaml)
				}
				if !slices.Contains(failing[control], res) {
					t.Errorf("stale suppression: %s no longer fails %s on %s; remove it from policy/suppressions.yaml and %s.json", stack, control, res, stack)
				}
			}
			var wrong []string
			for _, row := range rows {
				got := "pass or n/a"
				if len(failing[row.control]) > 0 {
					got = "suppressed"
				}
				if (row.status(stack) == "suppressed") != (got == "suppressed") {
					wrong = append(wrong, fmt.Sprintf("%s is %q in docs/fsbp.md but %s in the %s stack", row.control, row.status(stack), got, stack))
				}
			}
			sort.Strings(wrong)
			for _, w := range wrong {
				t.Error(w)
			}
		})
	}
}
