// Package rules holds the webstack policy rules as pure functions over a resource's type and
// properties (or over the whole stack), independent of the policy SDK, so that unit tests, the
// Pulumi-mocks test of the real program and the pack binary all run the same code.
//
// Entry points: AnalyzeResource and AnalyzeStack run every enabled rule under a pack
// configuration (the --policy-pack-config file format, see LoadPackConfig); Rule.CheckResource and
// Rule.CheckStack run one rule, which is what the pack binary does per policy.
package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

// Resource is a resource as the rules see it: its inputs when analyzed alone (preview, before
// creation), its outputs in a stack analysis. Convert a resource.PropertyMap with
// resource.FromResourcePropertyMap.
type Resource struct {
	Type  string
	URN   string
	Name  string
	Props property.Map
	// Stack analysis only.
	Parent               string
	PropertyDependencies map[string][]string
}

func (r Resource) where() string { return fmt.Sprintf("%s %q", r.Type, r.Name) }

// Level is an enforcement level as written in --policy-pack-config files.
type Level string

const (
	Advisory  Level = "advisory"
	Mandatory Level = "mandatory"
	Disabled  Level = "disabled"
)

// Finding is one result of a rule.
type Finding struct {
	Policy string
	// URN of the resource the finding is about.
	URN string
	// Level is the enforcement level of the finding: the policy's level for a violation, and
	// always advisory for an Unverifiable one.
	Level Level
	// Unverifiable: a value the rule needs is unknown (preview) or not in the stack, and no known
	// value already proves a violation.
	Unverifiable bool
	Message      string
	// Control is the Security Hub FSBP control the violation fails ("" for rules that map to none).
	Control string
	// Resource is the logical name of the resource the finding is about.
	Resource string
	// Suppressed: a violation the policy config's "suppress" list exempts (policy/suppressions.yaml
	// says why); it is reported as advisory.
	Suppressed bool
}

// report collects one rule's findings for one resource or stack.
type report struct {
	rule     *Rule
	findings []Finding
}

// violation records what is wrong, where (res and field) and how to fix it. It fails the rule's
// first control; violationOf names another.
func (r *report) violation(res Resource, where, problem, fix string) {
	control := ""
	if len(r.rule.Controls) > 0 {
		control = r.rule.Controls[0]
	}
	r.violationOf(control, res, where, problem, fix)
}

func (r *report) violationOf(control string, res Resource, where, problem, fix string) {
	r.add(res, false, fmt.Sprintf("%s: %s: %s. Fix: %s.", res.where(), where, problem, fix))
	r.findings[len(r.findings)-1].Control = control
}

// unverifiable records that the rule needs a value it cannot know yet.
func (r *report) unverifiable(res Resource, where, why string) {
	r.add(res, true, fmt.Sprintf("%s: %s: %s, so %s cannot be verified yet.", res.where(), where, why, r.rule.Name))
}

// needs records an unknown node as unverifiable.
func (r *report) needs(res Resource, n node) {
	r.unverifiable(res, n.path, "the value is unknown")
}

func (r *report) add(res Resource, unverifiable bool, msg string) {
	r.findings = append(r.findings, Finding{Policy: r.rule.Name, URN: res.URN, Resource: res.Name, Unverifiable: unverifiable, Message: msg})
}

// result applies the rule that known values proving a violation outrank unknowns: once a
// resource has a violation, its "cannot be verified" findings are noise. Violations cfg suppresses
// become advisory.
func (r *report) result(level Level, cfg Config) []Finding {
	violated := map[string]bool{}
	for _, f := range r.findings {
		if !f.Unverifiable {
			violated[f.URN] = true
		}
	}
	out := r.findings[:0]
	for _, f := range r.findings {
		switch {
		case f.Unverifiable && violated[f.URN]:
			continue
		case f.Unverifiable:
			f.Level = Advisory
		case cfg.suppresses(f.Control, f.Resource):
			f.Level, f.Suppressed = Advisory, true
			f.Message = fmt.Sprintf("Suppressed %s on %q (policy/suppressions.yaml): %s", f.Control, f.Resource, f.Message)
		default:
			f.Level = level
		}
		out = append(out, f)
	}
	return out
}

// Rule is one policy of the pack.
type Rule struct {
	Name        string
	Description string
	// Level applies when the pack config does not set one.
	Level Level
	// Controls are the Security Hub FSBP controls the rule enforces (its violations fail the
	// first unless they name another). Added to Description.
	Controls []string
	// Related maps each of Controls to the CIS and NIST SP 800-53 r5 requirements AWS's control
	// page lists for it (related.go); filled in by the pack and added to Description. A control
	// whose page was not found has no entry and is named "not verified" in the description.
	Related map[string][]string
	// Params are the Config keys the rule reads (they form its config schema).
	Params []string
	// ParamsFrom names the resource rule whose config a stack rule reads: policyx delivers no
	// config to stack policies, and the resource rule's config arrives with every Analyze call.
	ParamsFrom string
	// Types the resource check applies to; empty for stack rules.
	Types    []string
	resource func(r *report, res Resource, cfg Config)
	stack    func(r *report, stack []Resource, cfg Config)
}

// IsStack tells stack rules (run once over all resources after a preview or update) from
// resource rules (run on each resource's inputs before it is created).
func (rule *Rule) IsStack() bool { return rule.stack != nil }

// CheckResource runs a resource rule on one resource; violations carry level.
func (rule *Rule) CheckResource(res Resource, cfg Config, level Level) []Finding {
	if rule.resource == nil || !slices.Contains(rule.Types, res.Type) {
		return nil
	}
	r := &report{rule: rule}
	rule.resource(r, res, cfg)
	return r.result(level, cfg)
}

// CheckStack runs a stack rule; violations carry level.
func (rule *Rule) CheckStack(stack []Resource, cfg Config, level Level) []Finding {
	if rule.stack == nil {
		return nil
	}
	r := &report{rule: rule}
	rule.stack(r, stack, cfg)
	return r.result(level, cfg)
}

// All returns every rule of the pack, in a fixed order.
func All() []*Rule {
	return allRules
}

// allRules is every rule, with the FSBP controls written into descriptions and the suppress
// parameter added to every rule that enforces a control.
var allRules = func() []*Rule {
	all := slices.Concat(containerRules, multiAZRules, ecsRules, networkRules, ecrRules, ec2Rules, vpcRules, storageRules, serviceRules)
	for _, r := range all {
		if len(r.Controls) == 0 {
			continue
		}
		r.Description += " Security Hub FSBP " + strings.Join(r.Controls, ", ") + "."
		r.Related = map[string][]string{}
		var related, unverified []string
		for _, c := range r.Controls {
			if ids, ok := relatedRequirements[c]; ok {
				r.Related[c] = ids
				related = append(related, c+": "+strings.Join(ids, ", "))
			} else {
				unverified = append(unverified, c)
			}
		}
		if len(related) > 0 {
			r.Description += " Related requirements (" + relatedSource + "): " + strings.Join(related, "; ") + "."
		}
		if len(unverified) > 0 {
			r.Description += " Related requirements of " + strings.Join(unverified, ", ") + " not verified."
		}
		r.Params = append(r.Params, paramSuppress)
	}
	return all
}()

// Lookup finds a rule by policy name.
func Lookup(name string) *Rule {
	for _, r := range All() {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// AnalyzeResource runs every enabled resource rule on one resource under a pack configuration.
func AnalyzeResource(res Resource, pc PackConfig) []Finding {
	var out []Finding
	for _, rule := range All() {
		level, cfg := pc.For(rule)
		if level == Disabled || rule.IsStack() {
			continue
		}
		out = append(out, rule.CheckResource(res, cfg, level)...)
	}
	return out
}

// AnalyzeStack runs every enabled stack rule over a stack's resources under a pack configuration.
func AnalyzeStack(stack []Resource, pc PackConfig) []Finding {
	var out []Finding
	for _, rule := range All() {
		level, cfg := pc.For(rule)
		if level == Disabled || !rule.IsStack() {
			continue
		}
		out = append(out, rule.CheckStack(stack, cfg, level)...)
	}
	return out
}

// plural picks "s" for counts other than one, so messages read naturally.
func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}
