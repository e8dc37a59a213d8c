package components

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/wafv2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// managedRuleGroups are the AWS managed rule groups every web ACL runs, in priority order.
var managedRuleGroups = []string{
	"AWSManagedRulesCommonRuleSet",
	"AWSManagedRulesKnownBadInputsRuleSet",
	"AWSManagedRulesAmazonIpReputationList",
}

// FirewallArgs configures a Firewall.
type FirewallArgs struct {
	LoadBalancerARN pulumi.StringInput
	// RateLimit is the number of requests per 5 minutes one IP may make before it is
	// blocked, MinWAFRateLimit..MaxWAFRateLimit. Default DefaultWAFRateLimit.
	RateLimit int
}

// Firewall is a regional WAFv2 web ACL (AWS managed rule groups plus a per-IP rate
// limit, metrics and sampled requests on) associated with the load balancer.
type Firewall struct {
	pulumi.ResourceState

	WebACLARN pulumi.StringOutput `pulumi:"webAclArn"`
}

// Firewall defaults and limits: requests per 5 minutes per client IP (WAF rate-based rule).
const (
	DefaultWAFRateLimit = 2000
	MinWAFRateLimit     = 100
	MaxWAFRateLimit     = 2_000_000_000
)

// CheckWAFRateLimit checks the requests per 5 minutes one client IP may make.
func CheckWAFRateLimit(n int) *SettingError {
	return CheckIntRange(n, MinWAFRateLimit, MaxWAFRateLimit)
}

func (a FirewallArgs) withDefaults() FirewallArgs {
	if a.RateLimit == 0 {
		a.RateLimit = DefaultWAFRateLimit
	}
	return a
}

// wiring checks the input that comes from the load balancer.
func (a FirewallArgs) wiring() error {
	if a.LoadBalancerARN == nil {
		return errors.New("LoadBalancerARN is required: pass the LoadBalancer's loadBalancerArn")
	}
	return nil
}

// validate reports every problem of the settings.
func (a FirewallArgs) validate() error {
	var errs []error
	errs = append(errs, CheckWAFRateLimit(a.RateLimit).For("RateLimit"))
	return errors.Join(errs...)
}

// metricName makes a CloudWatch metric name (letters, digits, - and _) from parts.
func metricName(parts ...string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' {
			return r
		}
		return '-'
	}, strings.Join(parts, "-"))
}

// NewFirewall creates the web ACL and its association. Invalid args fail before
// anything is registered.
func NewFirewall(ctx *pulumi.Context, name string, args *FirewallArgs, opts ...pulumi.ResourceOption) (*Firewall, error) {
	if args == nil {
		args = &FirewallArgs{}
	}
	a := args.withDefaults()
	if err := errors.Join(a.wiring(), a.validate()); err != nil {
		return nil, fmt.Errorf("firewall %q: %w", name, err)
	}
	comp := &Firewall{}
	if err := ctx.RegisterComponentResource("webstack:components:Firewall", name, comp, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(comp)

	visibility := func(rule string) wafv2.WebAclRuleVisibilityConfigArgs {
		return wafv2.WebAclRuleVisibilityConfigArgs{
			CloudwatchMetricsEnabled: pulumi.Bool(true),
			SampledRequestsEnabled:   pulumi.Bool(true),
			MetricName:               pulumi.String(metricName(name, rule)),
		}
	}
	var rules wafv2.WebAclRuleArray
	for i, group := range managedRuleGroups {
		rules = append(rules, wafv2.WebAclRuleArgs{
			Name:     pulumi.String(group),
			Priority: pulumi.Int(10 * (i + 1)),
			// "none" keeps the group's own block actions (count would only observe).
			OverrideAction: wafv2.WebAclRuleOverrideActionArgs{None: wafv2.WebAclRuleOverrideActionNoneArgs{}},
			Statement: wafv2.WebAclRuleStatementArgs{ManagedRuleGroupStatement: wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs{
				Name:       pulumi.String(group),
				VendorName: pulumi.String("AWS"),
			}},
			VisibilityConfig: visibility(group),
		})
	}
	rules = append(rules, wafv2.WebAclRuleArgs{
		Name:     pulumi.String("RateLimitPerIp"),
		Priority: pulumi.Int(10 * (len(managedRuleGroups) + 1)),
		Action:   wafv2.WebAclRuleActionArgs{Block: wafv2.WebAclRuleActionBlockArgs{}},
		Statement: wafv2.WebAclRuleStatementArgs{RateBasedStatement: wafv2.WebAclRuleStatementRateBasedStatementArgs{
			Limit:            pulumi.Int(a.RateLimit),
			AggregateKeyType: pulumi.String("IP"),
		}},
		VisibilityConfig: visibility("RateLimitPerIp"),
	})

	acl, err := wafv2.NewWebAcl(ctx, name, &wafv2.WebAclArgs{
		Scope:         pulumi.String("REGIONAL"),
		DefaultAction: wafv2.WebAclDefaultActionArgs{Allow: wafv2.WebAclDefaultActionAllowArgs{}},
		Rules:         rules,
		VisibilityConfig: wafv2.WebAclVisibilityConfigArgs{
			CloudwatchMetricsEnabled: pulumi.Bool(true),
			SampledRequestsEnabled:   pulumi.Bool(true),
			MetricName:               pulumi.String(metricName(name)),
		},
	}, parent)
	if err != nil {
		return nil, err
	}
	if _, err := wafv2.NewWebAclAssociation(ctx, name, &wafv2.WebAclAssociationArgs{
		ResourceArn: a.LoadBalancerARN,
		WebAclArn:   acl.Arn,
	}, parent); err != nil {
		return nil, err
	}
	comp.WebACLARN = acl.Arn
	if err := ctx.RegisterResourceOutputs(comp, pulumi.Map{"webAclArn": comp.WebACLARN}); err != nil {
		return nil, err
	}
	return comp, nil
}
