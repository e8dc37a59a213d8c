package rules

import (
	"slices"
	"testing"
)

func TestNoPublicIngress(t *testing.T) {
	rule := func(proto string, from, to int, cidr4, cidr6 any) Resource {
		return res(typeSGIngressRule, "in", map[string]any{"ipProtocol": proto, "fromPort": from, "toPort": to, "cidrIpv4": cidr4, "cidrIpv6": cidr6, "securityGroupId": "sg-1"})
	}
	sg := func(ingress ...any) Resource { return res(typeSecurityGroup, "sg", map[string]any{"ingress": ingress}) }
	open := func(proto string, from, to int) map[string]any {
		return map[string]any{"protocol": proto, "fromPort": from, "toPort": to, "cidrBlocks": []string{"10.0.0.0/8", "0.0.0.0/0"}}
	}
	runRuleCases(t, PolicyNoPublicIngress, []ruleCase{
		{"https from anywhere", rule("tcp", 443, 443, "0.0.0.0/0", nil), nil, nil},
		{"http from anywhere v6", rule("tcp", 80, 80, nil, "::/0"), nil, nil},
		{"ssh from anywhere", rule("tcp", 22, 22, "0.0.0.0/0", nil), nil, []string{"V ingress"}},
		{"port range from anywhere", rule("tcp", 80, 443, "0.0.0.0/0", nil), nil, []string{"V ingress"}},
		{"all protocols", rule("-1", 0, 0, nil, "::/0"), nil, []string{"V ingress"}},
		{"udp 443", rule("udp", 443, 443, "0.0.0.0/0", nil), nil, []string{"V ingress"}},
		{"private CIDR", rule("tcp", 22, 22, "10.0.0.0/8", nil), nil, nil},
		{"unknown CIDR on ssh", rule("tcp", 22, 22, unknownValue, nil), nil, []string{"U ingress"}},
		{"unknown CIDR on https", rule("tcp", 443, 443, unknownValue, nil), nil, nil},
		{"unknown port from anywhere", res(typeSGIngressRule, "in", map[string]any{"ipProtocol": "tcp", "fromPort": unknownValue, "toPort": 22, "cidrIpv4": "0.0.0.0/0"}), nil,
			[]string{"U ingress"}},
		{"inline ingress", sg(open("tcp", 443, 443), open("tcp", 5432, 5432)), nil, []string{"V ingress[1]"}},
		{"inline ingress unknown", res(typeSecurityGroup, "sg", map[string]any{"ingress": unknownValue}), nil, []string{"U ingress"}},
		{"sg rule ingress", res(typeSGRule, "r", map[string]any{"type": "ingress", "protocol": "tcp", "fromPort": 3389, "toPort": 3389, "cidrBlocks": []string{"0.0.0.0/0"}}), nil,
			[]string{"V ingress"}},
		{"sg rule egress ignored", res(typeSGRule, "r", map[string]any{"type": "egress", "protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": []string{"0.0.0.0/0"}}), nil, nil},
	})
}

func TestHTTPRedirectsToHTTPS(t *testing.T) {
	listener := func(proto string, actions any) Resource {
		return res(typeListener, "http", map[string]any{"protocol": proto, "port": 80, "defaultActions": actions})
	}
	redirect := map[string]any{"type": "redirect", "redirect": map[string]any{"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}
	forward := map[string]any{"type": "forward", "targetGroupArn": "arn:tg"}
	runRuleCases(t, PolicyHTTPRedirectsToHTTPS, []ruleCase{
		{"port 80 redirect is compliant", listener("HTTP", []any{redirect}), nil, nil},
		{"forward over HTTP", listener("HTTP", []any{forward}), nil, []string{"V defaultActions[0]"}},
		{"redirect to HTTP", listener("HTTP", []any{map[string]any{"type": "redirect", "redirect": map[string]any{"protocol": "HTTP"}}}), nil, []string{"V defaultActions[0]"}},
		{"two actions", listener("HTTP", []any{redirect, forward}), nil, []string{"V defaultActions"}},
		{"HTTPS forward is another rule's", listener("HTTPS", []any{forward}), nil, nil},
		{"unknown protocol", listener("", []any{forward}).withProp("protocol", unknownValue), nil, []string{"U protocol"}},
		{"unknown actions", listener("HTTP", unknownValue), nil, []string{"U defaultActions"}},
	})
}

func (r Resource) withProp(k string, v any) Resource {
	r.Props = r.Props.Set(k, toValue(v))
	return r
}

func TestTLSPolicy(t *testing.T) {
	https := func(policy any) Resource {
		return res(typeListener, "https", map[string]any{"protocol": "HTTPS", "port": 443, "sslPolicy": policy})
	}
	only := Config{AllowedSSLPolicies: []string{"ELBSecurityPolicy-TLS13-1-3-2021-06"}}
	runRuleCases(t, PolicyTLSPolicy, []ruleCase{
		{"TLS 1.3 with restricted 1.2", https("ELBSecurityPolicy-TLS13-1-2-Res-2021-06"), nil, nil},
		{"TLS 1.3 only", https("ELBSecurityPolicy-TLS13-1-3-2021-06"), nil, nil},
		{"post-quantum", https("ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"), nil, nil},
		// ELB.17's current list dropped it (it was the default until this change).
		{"TLS 1.2 unrestricted", https("ELBSecurityPolicy-TLS13-1-2-2021-06"), nil, []string{"V sslPolicy"}},
		{"old policy", https("ELBSecurityPolicy-2016-08"), nil, []string{"V sslPolicy"}},
		{"unset", res(typeListener, "https", map[string]any{"protocol": "HTTPS"}), nil, []string{"V sslPolicy"}},
		{"configured list", https("ELBSecurityPolicy-TLS13-1-2-Res-2021-06"), &only, []string{"V sslPolicy"}},
		{"TLS listener", res(typeListener, "tls", map[string]any{"protocol": "TLS", "sslPolicy": "ELBSecurityPolicy-2016-08"}), nil, []string{"V sslPolicy"}},
		{"HTTP ignored", res(typeListener, "http", map[string]any{"protocol": "HTTP"}), nil, nil},
		{"unknown", https(unknownValue), nil, []string{"U sslPolicy"}},
	})
}

func TestLoadBalancerAttributes(t *testing.T) {
	alb := func(kv ...any) Resource {
		return res(typeLB, "alb", with(map[string]any{"subnets": []string{"a", "b"}}, kv...))
	}
	runRuleCases(t, PolicyInvalidHeaders, []ruleCase{
		{"drops", alb("dropInvalidHeaderFields", true, "desyncMitigationMode", "strictest"), nil, nil},
		{"default", alb(), nil, []string{"V dropInvalidHeaderFields"}},
		{"monitor", alb("dropInvalidHeaderFields", true, "desyncMitigationMode", "monitor"), nil, []string{"V desyncMitigationMode"}},
		{"network LB", alb("loadBalancerType", "network"), nil, nil},
		{"unknown", alb("dropInvalidHeaderFields", unknownValue), nil, []string{"U dropInvalidHeaderFields"}},
	})
	runRuleCases(t, PolicyDeletionProtection, []ruleCase{
		{"on", alb("enableDeletionProtection", true), nil, nil},
		{"off", alb("enableDeletionProtection", false), nil, []string{"V enableDeletionProtection"}},
		{"default", alb(), nil, []string{"V enableDeletionProtection"}},
	})
	runRuleCases(t, PolicyAccessLogs, []ruleCase{
		{"on", alb("accessLogs", map[string]any{"enabled": true, "bucket": "logs"}), nil, nil},
		{"off", alb("accessLogs", map[string]any{"enabled": false, "bucket": "logs"}), nil, []string{"V accessLogs.enabled"}},
		{"no bucket", alb("accessLogs", map[string]any{"enabled": true}), nil, []string{"V accessLogs.bucket"}},
		{"default", alb(), nil, []string{"V accessLogs.enabled"}},
		{"bucket unknown", alb("accessLogs", map[string]any{"enabled": true, "bucket": unknownValue}), nil, []string{"U accessLogs"}},
	})
}

func TestWAFAssociation(t *testing.T) {
	lb := res(typeLB, "alb", map[string]any{"arn": "arn:alb"})
	internal := res(typeLB, "internal", map[string]any{"internal": true})
	assocByARN := res(typeWebACLAssoc, "waf", map[string]any{"resourceArn": "arn:alb", "webAclArn": "arn:acl"})
	assocByDep := res(typeWebACLAssoc, "waf", map[string]any{"resourceArn": unknownValue})
	assocByDep.PropertyDependencies = map[string][]string{"resourceArn": {lb.URN}}
	previewLB := lb.withProp("arn", unknownValue)
	unknownInternal := lb.withProp("internal", unknownValue)
	rule := Lookup(PolicyWAFAssociation)
	for name, tc := range map[string]struct {
		stack []Resource
		want  []string
	}{
		"associated by arn":        {[]Resource{lb, assocByARN}, nil},
		"associated by dependency": {[]Resource{previewLB, assocByDep}, nil},
		"no association":           {[]Resource{lb, internal}, []string{"V WAF"}},
		"association to another":   {[]Resource{lb, res(typeWebACLAssoc, "waf", map[string]any{"resourceArn": "arn:other"})}, []string{"V WAF"}},
		"internal needs none":      {[]Resource{internal}, nil},
		"unknown scheme":           {[]Resource{unknownInternal}, []string{"U internal"}},
	} {
		t.Run(name, func(t *testing.T) {
			if got := summary(rule.CheckStack(tc.stack, DefaultConfig(), Mandatory)); !slices.Equal(got, tc.want) {
				t.Fatalf("findings = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPublicIngressOnLB(t *testing.T) {
	albSG := res(typeSecurityGroup, "alb-sg", map[string]any{"id": "sg-alb"})
	taskSG := res(typeSecurityGroup, "task-sg", map[string]any{"id": "sg-task"})
	lb := res(typeLB, "alb", map[string]any{"securityGroups": []string{"sg-alb"}})
	ingress := func(name, group string, port int) Resource {
		return res(typeSGIngressRule, name, map[string]any{"securityGroupId": group, "ipProtocol": "tcp", "fromPort": port, "toPort": port, "cidrIpv4": "0.0.0.0/0"})
	}
	// A first preview: ids unknown, links only through property dependencies.
	previewLB := lb.withProp("securityGroups", unknownValue)
	previewLB.PropertyDependencies = map[string][]string{"securityGroups": {albSG.URN}}
	previewIngress := ingress("https", "", 443).withProp("securityGroupId", unknownValue)
	previewIngress.PropertyDependencies = map[string][]string{"securityGroupId": {albSG.URN}}
	previewTaskIngress := ingress("https", "", 443).withProp("securityGroupId", unknownValue)
	previewTaskIngress.PropertyDependencies = map[string][]string{"securityGroupId": {taskSG.URN}}
	inline := res(typeSecurityGroup, "web-sg", map[string]any{"id": "sg-web", "ingress": []any{
		map[string]any{"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": []string{"0.0.0.0/0"}}}})
	rule := Lookup(PolicyPublicIngressOnLB)
	for name, tc := range map[string]struct {
		stack []Resource
		want  []string
	}{
		"on the load balancer's group":        {[]Resource{albSG, taskSG, lb, ingress("https", "sg-alb", 443)}, nil},
		"on the tasks' group":                 {[]Resource{albSG, taskSG, lb, ingress("https", "sg-task", 443)}, []string{"V ingress"}},
		"preview, linked by dependency":       {[]Resource{albSG, taskSG, previewLB, previewIngress}, nil},
		"preview, tasks' group by dependency": {[]Resource{albSG, taskSG, previewLB, previewTaskIngress}, []string{"V ingress"}},
		"inline rule on a group with no LB":   {[]Resource{inline, lb, albSG}, []string{"V ingress[0]"}},
		"egress rules are not ingress": {[]Resource{taskSG, lb, res("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "out",
			map[string]any{"securityGroupId": "sg-task", "ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIpv4": "0.0.0.0/0"})}, nil},
		"group outside the stack":                {[]Resource{lb, ingress("https", "sg-0outside", 443)}, []string{"U securityGroupId"}},
		"unknown group, no dependency":           {[]Resource{lb, ingress("https", "", 443).withProp("securityGroupId", unknownValue)}, []string{"U securityGroupId"}},
		"private CIDR is sg-no-public-ingress's": {[]Resource{taskSG, res(typeSGIngressRule, "in", map[string]any{"securityGroupId": "sg-task", "ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIpv4": "10.0.0.0/8"})}, nil},
	} {
		t.Run(name, func(t *testing.T) {
			if got := summary(rule.CheckStack(tc.stack, DefaultConfig(), Mandatory)); !slices.Equal(got, tc.want) {
				t.Fatalf("findings = %q, want %q", got, tc.want)
			}
		})
	}
}
