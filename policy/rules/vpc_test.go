package rules

import (
	"slices"
	"strings"
	"testing"
)

func TestSubnetNoPublicIP(t *testing.T) {
	subnet := func(v any) Resource { return res(typeSubnet, "sub", map[string]any{"mapPublicIpOnLaunch": v}) }
	runRuleCases(t, PolicySubnetNoPublicIP, []ruleCase{
		{"off", subnet(false), nil, nil},
		{"unset is off", res(typeSubnet, "sub", map[string]any{}), nil, nil},
		{"on (awsx public subnets)", subnet(true), nil, []string{"V mapPublicIpOnLaunch"}},
		{"unknown", subnet(unknownValue), nil, []string{"U mapPublicIpOnLaunch"}},
	})
}

func TestNACLNoAdminPorts(t *testing.T) {
	entry := func(proto any, from, to int, cidr, cidr6 any) map[string]any {
		return map[string]any{"action": "allow", "protocol": proto, "fromPort": from, "toPort": to, "cidrBlock": cidr, "ipv6CidrBlock": cidr6, "ruleNo": 100}
	}
	acl := func(entries ...any) Resource { return res(typeNetworkACL, "acl", map[string]any{"ingress": entries}) }
	rule := func(egress bool, action, proto string, from, to int, cidr string) Resource {
		return res(typeNetworkACLRule, "r", map[string]any{"egress": egress, "ruleAction": action, "protocol": proto, "fromPort": from, "toPort": to, "cidrBlock": cidr, "ruleNumber": 100})
	}
	deny := entry("tcp", 22, 22, "0.0.0.0/0", nil)
	deny["action"] = "deny"
	runRuleCases(t, PolicyNACLNoAdminPorts, []ruleCase{
		{"web ports and split ephemeral range", acl(entry("tcp", 80, 80, "0.0.0.0/0", nil), entry("tcp", 443, 443, "0.0.0.0/0", nil),
			entry("tcp", 1024, 3388, "0.0.0.0/0", nil), entry("tcp", 3390, 65535, "0.0.0.0/0", nil)), nil, nil},
		{"ephemeral range covers 3389", acl(entry("tcp", 1024, 65535, "0.0.0.0/0", nil)), nil, []string{"V ingress[0]"}},
		{"range 1-65535 covers 22", acl(entry("6", 1, 65535, "0.0.0.0/0", nil)), nil, []string{"V ingress[0]"}},
		{"protocol -1 ignores ports", acl(entry("-1", 0, 0, "0.0.0.0/0", nil)), nil, []string{"V ingress[0]"}},
		{"protocol all", acl(entry("all", 0, 0, "0.0.0.0/0", nil)), nil, []string{"V ingress[0]"}},
		{"udp 3389", acl(entry("udp", 3389, 3389, "0.0.0.0/0", nil)), nil, []string{"V ingress[0]"}},
		{"IPv6 ::/0 ssh", acl(entry("tcp", 22, 22, nil, "::/0")), nil, []string{"V ingress[0]"}},
		{"deny entry", acl(deny), nil, nil},
		{"VPC-internal all traffic", acl(entry("-1", 0, 0, "10.0.0.0/16", nil)), nil, nil},
		{"icmp from anywhere", acl(entry("icmp", 0, 0, "0.0.0.0/0", nil)), nil, nil},
		{"unknown CIDR on ssh", acl(entry("tcp", 22, 22, unknownValue, nil)), nil, []string{"U ingress[0]"}},
		{"unknown port from anywhere", acl(entry("tcp", 0, 0, "0.0.0.0/0", nil)).withProp("ingress", []any{map[string]any{
			"action": "allow", "protocol": "tcp", "fromPort": unknownValue, "toPort": 65535, "cidrBlock": "0.0.0.0/0"}}), nil, []string{"U ingress[0]"}},
		{"unknown entries", res(typeNetworkACL, "acl", map[string]any{"ingress": unknownValue}), nil, []string{"U ingress"}},
		{"default NACL keeps allow-all", res(typeDefaultNetworkACL, "acl", map[string]any{"ingress": []any{entry("-1", 0, 0, "0.0.0.0/0", nil)}}), nil, []string{"V ingress[0]"}},
		{"separate rule resource", rule(false, "allow", "tcp", 0, 65535, "0.0.0.0/0"), nil, []string{"V ingress"}},
		{"separate egress rule", rule(true, "allow", "tcp", 0, 65535, "0.0.0.0/0"), nil, nil},
	})
}

func TestENISourceDestCheck(t *testing.T) {
	runRuleCases(t, PolicyENISourceDestCheck, []ruleCase{
		{"unset", res(typeNetworkInterface, "eni", map[string]any{}), nil, nil},
		{"on", res(typeNetworkInterface, "eni", map[string]any{"sourceDestCheck": true}), nil, nil},
		{"off", res(typeNetworkInterface, "eni", map[string]any{"sourceDestCheck": false}), nil, []string{"V sourceDestCheck"}},
		{"instance off", res(typeInstance, "i", map[string]any{"sourceDestCheck": false}), nil, []string{"V sourceDestCheck"}},
		{"unknown", res(typeNetworkInterface, "eni", map[string]any{"sourceDestCheck": unknownValue}), nil, []string{"U sourceDestCheck"}},
	})
}

func TestListenersHTTPSOnly(t *testing.T) {
	listener := func(proto any) Resource { return res(typeListener, "l", map[string]any{"protocol": proto}) }
	redirect := listener("HTTP").withProp("defaultActions", []any{map[string]any{"type": "redirect", "redirect": map[string]any{"protocol": "HTTPS"}}})
	runRuleCases(t, PolicyListenersHTTPSOnly, []ruleCase{
		{"https", listener("HTTPS"), nil, nil},
		{"tls on an NLB", listener("TLS"), nil, nil},
		{"http forward", listener("HTTP"), nil, []string{"V protocol"}},
		// ELB.18 has no redirect exemption (policy-catalogue.md's ELB.1 advice does not carry over).
		{"http redirect-only", redirect, nil, []string{"V protocol"}},
		{"tcp on an NLB", listener("TCP"), nil, []string{"V protocol"}},
		{"unknown", listener(unknownValue), nil, []string{"U protocol"}},
	})
	// A suppression names the one listener it exempts; the same violation elsewhere still counts.
	cfg := DefaultConfig()
	cfg.Suppress = []string{"ELB.18:l"}
	fs := Lookup(PolicyListenersHTTPSOnly).CheckResource(redirect, cfg, Mandatory)
	if len(fs) != 1 || !fs[0].Suppressed || fs[0].Level != Advisory || fs[0].Control != "ELB.18" || !strings.HasPrefix(fs[0].Message, `Suppressed ELB.18 on "l"`) {
		t.Fatalf("suppressed finding = %+v", fs)
	}
	other := redirect
	other.Name = "other"
	if fs := Lookup(PolicyListenersHTTPSOnly).CheckResource(other, cfg, Mandatory); len(fs) != 1 || fs[0].Suppressed || fs[0].Level != Mandatory {
		t.Fatalf("unsuppressed resource's finding = %+v", fs)
	}
	cfg.Suppress = []string{"ELB.1:l"}
	if fs := Lookup(PolicyListenersHTTPSOnly).CheckResource(redirect, cfg, Mandatory); len(fs) != 1 || fs[0].Suppressed {
		t.Fatalf("another control's suppression exempted ELB.18: %+v", fs)
	}
}

// vpcStack is an awsx VPC (with its aws VPC child) and extra resources, as a stack analysis sees
// them after an update (ids known) or, with preview, during a first preview (ids unknown, linked
// by property dependencies).
func vpcStack(preview bool, extra ...Resource) []Resource {
	vpc := res(typeAwsxVPC, "net", map[string]any{"vpcId": "vpc-1"})
	child := res(typeVPC, "net", map[string]any{"id": "vpc-1"})
	child.URN = "urn:pulumi:dev::webstack::awsx:ec2:Vpc$aws:ec2/vpc:Vpc::net"
	child.Parent = vpc.URN
	stack := []Resource{vpc, child}
	for _, r := range extra {
		if preview && field(r.Props, "vpcId").st == present {
			r = r.withProp("vpcId", unknownValue)
			r.PropertyDependencies = map[string][]string{"vpcId": {vpc.URN}}
		}
		stack = append(stack, r)
	}
	return stack
}

func runStackCases(t *testing.T, policy string, cases map[string]struct {
	stack []Resource
	want  []string
}) {
	t.Helper()
	rule := Lookup(policy)
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			fs := rule.CheckStack(tc.stack, DefaultConfig(), Mandatory)
			if got := summary(fs); !slices.Equal(got, tc.want) {
				t.Fatalf("findings = %q, want %q\n%s", got, tc.want, messages(fs))
			}
		})
	}
}

func TestDefaultSGClosed(t *testing.T) {
	closed := res(typeDefaultSG, "dsg", map[string]any{"vpcId": "vpc-1"})
	open := closed.withProp("ingress", []any{map[string]any{"protocol": "-1", "fromPort": 0, "toPort": 0, "self": true}})
	other := res(typeDefaultSG, "dsg", map[string]any{"vpcId": "vpc-other"})
	runStackCases(t, PolicyDefaultSGClosed, map[string]struct {
		stack []Resource
		want  []string
	}{
		"taken over, no rules":             {vpcStack(false, closed), nil},
		"taken over, first preview":        {vpcStack(true, closed), nil},
		"not taken over":                   {vpcStack(false), []string{"V default security group"}},
		"another VPC's":                    {vpcStack(false, other), []string{"V default security group"}},
		"taken over with rules":            {vpcStack(false, open), []string{"V default security group", "V ingress/egress"}},
		"unknown VPC, no dependency":       {vpcStack(false, closed.withProp("vpcId", unknownValue)), []string{"U default security group"}},
		"plain aws VPC":                    {[]Resource{res(typeVPC, "v", map[string]any{"id": "vpc-9"}), res(typeDefaultSG, "d", map[string]any{"vpcId": "vpc-9", "egress": []any{}})}, nil},
		"unknown rules, linked by preview": {vpcStack(true, closed.withProp("egress", unknownValue)), []string{"U default security group"}},
	})
}

func TestFlowLogs(t *testing.T) {
	flow := func(traffic any) Resource {
		return res(typeFlowLog, "fl", map[string]any{"vpcId": "vpc-1", "trafficType": traffic})
	}
	runStackCases(t, PolicyFlowLogs, map[string]struct {
		stack []Resource
		want  []string
	}{
		"all traffic":                {vpcStack(false, flow("ALL")), nil},
		"rejected traffic":           {vpcStack(false, flow("REJECT")), nil},
		"first preview":              {vpcStack(true, flow("ALL")), nil},
		"accepted only":              {vpcStack(false, flow("ACCEPT")), []string{"V flow logs"}},
		"none":                       {vpcStack(false), []string{"V flow logs"}},
		"unknown traffic type":       {vpcStack(false, flow(unknownValue)), []string{"U flow logs"}},
		"a subnet's flow log is not": {vpcStack(false, res(typeFlowLog, "fl", map[string]any{"subnetId": "subnet-1", "trafficType": "ALL"})), []string{"V flow logs"}},
	})
}

func TestVPCEndpoints(t *testing.T) {
	endpoint := func(svc string) Resource {
		return res(typeVPCEndpoint, svc, map[string]any{"vpcId": "vpc-1", "serviceName": "com.amazonaws.us-east-1." + svc})
	}
	var all []Resource
	for _, e := range fsbpVPCEndpoints {
		all = append(all, endpoint(e.service))
	}
	prodLike := []Resource{endpoint("ecr.api"), endpoint("ecr.dkr"), endpoint("ssm"), endpoint("logs"), endpoint("s3")}
	rule := Lookup(PolicyVPCEndpoints)
	for name, tc := range map[string]struct {
		stack    []Resource
		controls []string
	}{
		"all six":                 {vpcStack(false, all...), nil},
		"all six, preview":        {vpcStack(true, all...), nil},
		"ecr and ssm only":        {vpcStack(false, prodLike...), []string{"EC2.10", "EC2.58", "EC2.60"}},
		"none":                    {vpcStack(false), []string{"EC2.10", "EC2.55", "EC2.56", "EC2.57", "EC2.58", "EC2.60"}},
		"ssm is not ssm-contacts": {vpcStack(false, endpoint("ssm")), []string{"EC2.10", "EC2.55", "EC2.56", "EC2.58", "EC2.60"}},
	} {
		t.Run(name, func(t *testing.T) {
			var got []string
			for _, f := range rule.CheckStack(tc.stack, DefaultConfig(), Mandatory) {
				got = append(got, f.Control)
			}
			if !slices.Equal(got, tc.controls) {
				t.Fatalf("failed controls %v, want %v", got, tc.controls)
			}
		})
	}
	// Each control is suppressed on its own: prod's three leave the other three enforced.
	cfg := DefaultConfig()
	cfg.Suppress = []string{"EC2.10:net", "EC2.58:net", "EC2.60:net"}
	for _, f := range rule.CheckStack(vpcStack(false, endpoint("ecr.api")), cfg, Mandatory) {
		if want := slices.Contains([]string{"EC2.10", "EC2.58", "EC2.60"}, f.Control); f.Suppressed != want {
			t.Errorf("%s suppressed = %v, want %v", f.Control, f.Suppressed, want)
		}
	}
}

func TestNACLAttached(t *testing.T) {
	acl := func(subnets any) Resource {
		return res(typeNetworkACL, "acl", map[string]any{"id": "acl-1", "subnetIds": subnets})
	}
	assoc := res(typeNetworkACLAssociation, "assoc", map[string]any{"networkAclId": "acl-1", "subnetId": "subnet-1"})
	runStackCases(t, PolicyNACLAttached, map[string]struct {
		stack []Resource
		want  []string
	}{
		"subnets listed":      {[]Resource{acl([]string{"subnet-1"})}, nil},
		"by association":      {[]Resource{acl([]string{}), assoc}, nil},
		"attached to nothing": {[]Resource{acl([]string{})}, []string{"V subnetIds"}},
		"unset":               {[]Resource{res(typeNetworkACL, "acl", map[string]any{"id": "acl-1"})}, []string{"V subnetIds"}},
		"unknown (preview)":   {[]Resource{acl(unknownValue)}, []string{"U subnetIds"}},
	})
}
