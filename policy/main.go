// Command policy is the webstack CrossGuard policy pack: `go build -o bin/policy-pack ./policy`
// gives a binary the Pulumi CLI runs with `pulumi preview --policy-pack ...`. The rules live in
// policy/rules; this file adapts them to the policyx SDK and works around its known defects.
package main

import (
	"context"
	"fmt"
	"os"
	"sync"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"

	"example.com/webstack/policy/rules"
)

const (
	packName    = "webstack-policies"
	packVersion = "0.1.0"
)

func main() {
	if err := policyx.Main(newPack); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// newPack builds the pack; policyx calls it on ConfigureStack with the stack's context.
func newPack(ctx *pulumi.Context) (policyx.PolicyPack, error) {
	dryRun := ctx != nil && ctx.DryRun()
	p := &pending{byKey: map[string][]finding{}, configs: map[string]map[string]any{}}
	var policies []policyx.Policy
	for _, rule := range rules.All() {
		policies = append(policies, adapt(rule, p, dryRun))
	}
	// policyx gives every diagnostic its policy's level, so a mandatory rule cannot itself emit an
	// advisory "cannot be verified" finding; it hands them to these advisory policies, which run
	// after it in the same Analyze/AnalyzeStack call.
	policies = append(policies,
		policyx.NewResourceValidationPolicy(rules.PolicyUnverifiedResources, policyx.ResourceValidationPolicyArgs{
			Description:      "Checks that cannot be decided from this resource's known values, and suppressed violations (reported by the policy named in each message).",
			EnforcementLevel: policyx.EnforcementLevelAdvisory,
			ValidateResource: func(_ context.Context, args policyx.ResourceValidationArgs) error {
				p.drain(args.Resource.URN, args.Manager)
				return nil
			},
		}),
		policyx.NewStackValidationPolicy(rules.PolicyUnverifiedStack, policyx.StackValidationPolicyArgs{
			Description:      "Stack checks that cannot be decided from the stack's known resources, and suppressed violations (reported by the policy named in each message).",
			EnforcementLevel: policyx.EnforcementLevelAdvisory,
			ValidateStack: func(_ context.Context, args policyx.StackValidationArgs) error {
				p.drain(stackKey, args.Manager)
				return nil
			},
		}),
	)
	return policyx.NewPolicyPack(packName, semver.MustParse(packVersion), policyx.EnforcementLevelMandatory, policies)
}

// adapt turns a rule into a policyx policy. Every policy gets an explicit level (policyx ignores
// the pack-level one) and never returns an error (an error fails the whole analysis): bad policy
// config is itself reported as a violation.
func adapt(rule *rules.Rule, p *pending, dryRun bool) policyx.Policy {
	level := toLevel(rule.Level)
	schema := configSchema(rule)
	run := func(urn string, m policyx.PolicyManager, config map[string]any, check func(rules.Config) []rules.Finding) {
		cfg, err := rules.ParseParams(config)
		if err != nil {
			m.ReportViolation(fmt.Sprintf("%s; fix this policy's entry in the --policy-pack-config file.", err), urn)
			return
		}
		for _, f := range check(cfg) {
			switch {
			case f.Unverifiable:
				p.add(keyFor(rule, urn), finding{urn: f.URN, message: unverifiedMessage(rule, f, dryRun)})
				continue
			case f.Suppressed:
				// Advisory by the stack's decision; a mandatory policy cannot report it itself.
				p.add(keyFor(rule, urn), finding{urn: f.URN, message: fmt.Sprintf("[%s] %s", rule.Name, f.Message)})
				continue
			}
			m.ReportViolation(f.Message, f.URN)
		}
	}
	if rule.IsStack() {
		return policyx.NewStackValidationPolicy(rule.Name, policyx.StackValidationPolicyArgs{
			Description: rule.Description, EnforcementLevel: level, ConfigSchema: schema,
			ValidateStack: func(_ context.Context, args policyx.StackValidationArgs) error {
				stack := make([]rules.Resource, len(args.Resources))
				for i, r := range args.Resources {
					stack[i] = toResource(r)
				}
				run("", args.Manager, p.configOf(rule.ParamsFrom), func(cfg rules.Config) []rules.Finding { return rule.CheckStack(stack, cfg, rule.Level) })
				return nil
			},
		})
	}
	return policyx.NewResourceValidationPolicy(rule.Name, policyx.ResourceValidationPolicyArgs{
		Description: rule.Description, EnforcementLevel: level, ConfigSchema: schema,
		ValidateResource: func(_ context.Context, args policyx.ResourceValidationArgs) error {
			p.keepConfig(rule.Name, args.Config)
			res := toResource(args.Resource)
			run(res.URN, args.Manager, args.Config, func(cfg rules.Config) []rules.Finding { return rule.CheckResource(res, cfg, rule.Level) })
			return nil
		},
	})
}

func unverifiedMessage(rule *rules.Rule, f rules.Finding, dryRun bool) string {
	var when string
	switch {
	case rule.IsStack() && dryRun:
		when = "It is checked again after the update, when the resources exist."
	case rule.IsStack():
		when = "Check it by hand, or manage the missing resources in this stack."
	case dryRun:
		when = "It cannot be verified during preview; it is enforced at update."
	default:
		when = "The value is still unknown at update, so the rule could not be enforced."
	}
	return fmt.Sprintf("[%s] %s %s", rule.Name, f.Message, when)
}

func toResource(r policyx.AnalyzerResource) rules.Resource {
	return rules.Resource{
		Type: r.Type, URN: r.URN, Name: r.Name, Props: r.Properties,
		Parent: r.Parent, PropertyDependencies: r.PropertyDependencies,
	}
}

func toLevel(l rules.Level) policyx.EnforcementLevel {
	switch l {
	case rules.Mandatory:
		return policyx.EnforcementLevelMandatory
	case rules.Disabled:
		return policyx.EnforcementLevelDisabled
	}
	return policyx.EnforcementLevelAdvisory
}

func configSchema(rule *rules.Rule) *policyx.ConfigSchema {
	if len(rule.Params) == 0 {
		return nil
	}
	props := map[string]map[string]any{}
	for _, k := range rule.Params {
		props[k] = rules.ParamSchemas[k]
	}
	return &policyx.ConfigSchema{Properties: props}
}

// pending holds unverifiable findings until the advisory policies report them. Resource findings
// are keyed by URN (the engine may analyze resources concurrently); stack findings by stackKey.
// It also keeps each resource policy's config for the stack rules that read it (ParamsFrom).
type pending struct {
	mu      sync.Mutex
	byKey   map[string][]finding
	configs map[string]map[string]any
}

func (p *pending) keepConfig(policy string, config map[string]any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.configs[policy] = config
}

func (p *pending) configOf(policy string) map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.configs[policy]
}

type finding struct{ urn, message string }

const stackKey = "\x00stack"

func keyFor(rule *rules.Rule, urn string) string {
	if rule.IsStack() {
		return stackKey
	}
	return urn
}

func (p *pending) add(key string, f finding) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.byKey[key] = append(p.byKey[key], f)
}

func (p *pending) drain(key string, m policyx.PolicyManager) {
	p.mu.Lock()
	fs := p.byKey[key]
	delete(p.byKey, key)
	p.mu.Unlock()
	for _, f := range fs {
		m.ReportViolation(f.message, f.urn)
	}
}
