package components

import (
	"example.com/webstack/internal/clouddouble"

	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const netTestALBARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/0123"

func TestFirewallRulesAndAssociation(t *testing.T) {
	var webACLARN string
	d, err := runNetDouble(func(ctx *pulumi.Context) error {
		f, err := NewFirewall(ctx, "web-waf", &FirewallArgs{LoadBalancerARN: pulumi.String(netTestALBARN), RateLimit: 500})
		if err != nil {
			return err
		}
		clouddouble.Await(ctx, "waf", func(v []any) { webACLARN = v[0].(string) }, f.WebACLARN)
		return nil
	})
	if err != nil {
		t.Fatalf("NewFirewall: %v", err)
	}

	acl := d.Named(t, "aws:wafv2/webAcl:WebAcl", "web-waf")
	netWant(t, acl, map[string]any{
		"scope": "REGIONAL", "visibilityConfig.cloudwatchMetricsEnabled": true,
		"visibilityConfig.sampledRequestsEnabled": true, "visibilityConfig.metricName": "web-waf",
	})
	if v := clouddouble.DottedPath(acl.Inputs, "defaultAction.allow"); !v.IsObject() {
		t.Errorf("default action = %v, want allow", clouddouble.DottedPath(acl.Inputs, "defaultAction"))
	}
	if !strings.Contains(acl.Parent, "webstack:components:Firewall") {
		t.Errorf("web ACL parent = %q", acl.Parent)
	}

	type ruleSummary struct {
		Name     string
		Priority float64
		Kind     string // managed group name, or rate limit with its key
		Action   string // "override none" for managed groups, "block" for the rate rule
	}
	var got []ruleSummary
	for _, r := range clouddouble.DottedPath(acl.Inputs, "rules").ArrayValue() {
		m := r.ObjectValue()
		vis := m["visibilityConfig"].ObjectValue()
		if !vis["cloudwatchMetricsEnabled"].BoolValue() || !vis["sampledRequestsEnabled"].BoolValue() || vis["metricName"].StringValue() != "web-waf-"+m["name"].StringValue() {
			t.Errorf("rule %s visibility = %v", m["name"], vis)
		}
		s := ruleSummary{Name: m["name"].StringValue(), Priority: m["priority"].NumberValue()}
		st := m["statement"].ObjectValue()
		if g := st["managedRuleGroupStatement"]; g.IsObject() {
			s.Kind = g.ObjectValue()["vendorName"].StringValue() + "/" + g.ObjectValue()["name"].StringValue()
		}
		if rb := st["rateBasedStatement"]; rb.IsObject() {
			s.Kind = "rate " + rb.ObjectValue()["aggregateKeyType"].StringValue()
			if limit := rb.ObjectValue()["limit"].NumberValue(); limit != 500 {
				t.Errorf("rate limit = %v, want 500", limit)
			}
		}
		if o := m["overrideAction"]; o.IsObject() && o.ObjectValue()["none"].IsObject() {
			s.Action = "override none"
		}
		if a := m["action"]; a.IsObject() && a.ObjectValue()["block"].IsObject() {
			s.Action = "block"
		}
		got = append(got, s)
	}
	want := []ruleSummary{
		{"AWSManagedRulesCommonRuleSet", 10, "AWS/AWSManagedRulesCommonRuleSet", "override none"},
		{"AWSManagedRulesKnownBadInputsRuleSet", 20, "AWS/AWSManagedRulesKnownBadInputsRuleSet", "override none"},
		{"AWSManagedRulesAmazonIpReputationList", 30, "AWS/AWSManagedRulesAmazonIpReputationList", "override none"},
		{"RateLimitPerIp", 40, "rate IP", "block"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rules =\n%+v\nwant\n%+v", got, want)
	}

	assoc := d.Named(t, "aws:wafv2/webAclAssociation:WebAclAssociation", "web-waf")
	netWant(t, assoc, map[string]any{"resourceArn": netTestALBARN, "webAclArn": webACLARN})
	if webACLARN != "arn:aws:double:us-east-1:123456789012:web-waf" {
		t.Errorf("webAclArn output = %q, want the web ACL's ARN", webACLARN)
	}
}

func TestFirewallDefaultRateLimit(t *testing.T) {
	d, err := runNetDouble(func(ctx *pulumi.Context) error {
		_, err := NewFirewall(ctx, "waf", &FirewallArgs{LoadBalancerARN: pulumi.String(netTestALBARN)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	rules := clouddouble.DottedPath(d.Named(t, "aws:wafv2/webAcl:WebAcl", "waf").Inputs, "rules").ArrayValue()
	if got := rules[len(rules)-1].ObjectValue()["statement"].ObjectValue()["rateBasedStatement"].ObjectValue()["limit"].NumberValue(); got != 2000 {
		t.Errorf("default rate limit = %v, want 2000", got)
	}
}

func TestFirewallInvalidArgs(t *testing.T) {
	for _, tc := range []struct {
		name string
		args FirewallArgs
		want string
	}{
		{"rate too low", FirewallArgs{LoadBalancerARN: pulumi.String(netTestALBARN), RateLimit: 99}, "RateLimit 99 is out of range: use a value from 100 to 2000000000"},
		{"negative rate", FirewallArgs{LoadBalancerARN: pulumi.String(netTestALBARN), RateLimit: -1}, "RateLimit -1 is out of range"},
		{"no ALB", FirewallArgs{}, "LoadBalancerARN is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := runNetDouble(func(ctx *pulumi.Context) error {
				_, err := NewFirewall(ctx, "waf", &tc.args)
				return err
			})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.want)
			}
			if names := d.Names(); len(names) != 0 {
				t.Errorf("invalid args registered %v, want nothing", names)
			}
		})
	}
}
