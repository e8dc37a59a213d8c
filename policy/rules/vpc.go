package rules

import (
	"strings"
)

// Policy names of the VPC rules (Security Hub FSBP EC2 controls on the network a stack creates).
const (
	PolicySubnetNoPublicIP    = "subnet-no-public-ip-on-launch"
	PolicyDefaultSGClosed     = "vpc-default-sg-closed"
	PolicyFlowLogs            = "vpc-flow-logs"
	PolicyVPCEndpoints        = "vpc-endpoints"
	PolicyNACLNoAdminPorts    = "nacl-no-admin-ports-from-internet"
	PolicyNACLAttached        = "nacl-attached"
	PolicyENISourceDestCheck  = "eni-source-dest-check"
	PolicyListenersHTTPSOnly  = "lb-listeners-https-only"
	typeVPC                   = "aws:ec2/vpc:Vpc"
	typeDefaultSG             = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
	typeFlowLog               = "aws:ec2/flowLog:FlowLog"
	typeVPCEndpoint           = "aws:ec2/vpcEndpoint:VpcEndpoint"
	typeNetworkACL            = "aws:ec2/networkAcl:NetworkAcl"
	typeDefaultNetworkACL     = "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl"
	typeNetworkACLRule        = "aws:ec2/networkAclRule:NetworkAclRule"
	typeNetworkACLAssociation = "aws:ec2/networkAclAssociation:NetworkAclAssociation"
	typeNetworkInterface      = "aws:ec2/networkInterface:NetworkInterface"
)

// fsbpVPCEndpoints are the services FSBP wants a VPC endpoint for, with the control of each
// (EC2.10, EC2.55-58 and EC2.60 on AWS's FSBP list).
var fsbpVPCEndpoints = []struct{ service, control string }{
	{"ec2", "EC2.10"}, {"ecr.api", "EC2.55"}, {"ecr.dkr", "EC2.56"},
	{"ssm", "EC2.57"}, {"ssm-contacts", "EC2.58"}, {"ssm-incidents", "EC2.60"},
}

// vpcParams: the VPC stack rules read their parameters (the suppress list) from the subnet rule,
// because policyx sends no config to stack policies.
const vpcParams = PolicySubnetNoPublicIP

var vpcRules = []*Rule{
	{
		Name: PolicySubnetNoPublicIP, Description: "Subnets do not assign public IPv4 addresses on launch (mapPublicIpOnLaunch).",
		Controls: []string{"EC2.15"}, Level: Mandatory, Types: []string{typeSubnet}, resource: checkSubnetNoPublicIP,
	},
	{
		Name: PolicyDefaultSGClosed, Description: "Every VPC the stack creates has its default security group taken over with no rules.",
		Controls: []string{"EC2.2"},
		Level:    Mandatory, ParamsFrom: vpcParams, stack: checkDefaultSGClosed,
	},
	{
		Name: PolicyFlowLogs, Description: "Every VPC the stack creates has a flow log recording rejected (or all) traffic.",
		Controls: []string{"EC2.6"},
		Level:    Mandatory, ParamsFrom: vpcParams, stack: checkFlowLogs,
	},
	{
		Name: PolicyVPCEndpoints, Description: "Every VPC the stack creates has endpoints for ec2, ecr.api, ecr.dkr, ssm, ssm-contacts and ssm-incidents.",
		Controls: []string{"EC2.10", "EC2.55", "EC2.56", "EC2.57", "EC2.58", "EC2.60"},
		Level:    Mandatory, ParamsFrom: vpcParams, stack: checkVPCEndpoints,
	},
	{
		Name: PolicyNACLNoAdminPorts, Description: "Network ACLs allow no ingress from 0.0.0.0/0 or ::/0 to port 22 or 3389 (TCP, UDP or all protocols; any range that includes them).",
		Controls: []string{"EC2.21"},
		Level:    Mandatory, Types: []string{typeNetworkACL, typeDefaultNetworkACL, typeNetworkACLRule}, resource: checkNACLAdminPorts,
	},
	{
		Name: PolicyNACLAttached, Description: "Every network ACL the stack creates is attached to a subnet.",
		Controls: []string{"EC2.16"}, Level: Mandatory, ParamsFrom: vpcParams, stack: checkNACLAttached,
	},
	{
		Name: PolicyENISourceDestCheck, Description: "Network interfaces and instances keep the source/destination check on.",
		Controls: []string{"EC2.180"}, Level: Mandatory, Types: []string{typeNetworkInterface, typeInstance}, resource: checkSourceDestCheck,
	},
	{
		Name: PolicyListenersHTTPSOnly, Description: "Load balancer listeners use HTTPS or TLS (a plain-HTTP listener fails even when it only redirects; suppress it to keep one).",
		Controls: []string{"ELB.18"}, Level: Mandatory, Types: listenerTypes, resource: checkListenersHTTPSOnly,
	},
}

func checkSubnetNoPublicIP(r *report, res Resource, _ Config) {
	switch n := field(res.Props, "mapPublicIpOnLaunch"); n.isTrue() {
	case undecided:
		r.needs(res, n)
	case yes:
		r.violation(res, n.path, "is true, so every network interface launched in the subnet gets a public IPv4 address",
			"set mapPublicIpOnLaunch to false (for an awsx VPC, with a transform on its subnets); load balancers and NAT gateways get their addresses without it")
	}
}

// vpcTarget is one VPC the stack creates: an awsx VPC (with the aws VPC it holds) or a plain aws
// VPC. Resources name it by id, or during a first preview through a property dependency on it.
type vpcTarget struct {
	res  Resource
	urns []string
	ids  []string
}

func stackVPCs(stack []Resource) []vpcTarget {
	idx := indexStack(stack)
	var out []vpcTarget
	for _, res := range stack {
		t := vpcTarget{res: res, urns: []string{res.URN}}
		switch {
		case res.Type == typeAwsxVPC:
			if id, ok := field(res.Props, "vpcId").str(); ok {
				t.ids = append(t.ids, id)
			}
			for _, d := range idx.descendants(res.URN) {
				if d.Type == typeVPC {
					t.urns = append(t.urns, d.URN)
					if id, ok := field(d.Props, "id").str(); ok {
						t.ids = append(t.ids, id)
					}
				}
			}
		case res.Type == typeVPC && !insideAwsxVPC(idx, res):
			if id, ok := field(res.Props, "id").str(); ok {
				t.ids = append(t.ids, id)
			}
		default:
			continue
		}
		out = append(out, t)
	}
	return out
}

func insideAwsxVPC(idx stackIndex, res Resource) bool {
	for p := res.Parent; p != ""; p = idx.byURN[p].Parent {
		if parent, ok := idx.byURN[p]; !ok {
			return false
		} else if parent.Type == typeAwsxVPC {
			return true
		}
	}
	return false
}

// noRules: a rule list that is absent or empty (yes), has entries (no) or is unknown.
func noRules(n node) verdict {
	switch {
	case n.st == unknown:
		return undecided
	case n.st == absent:
		return yes
	case n.isArray() && len(n.items()) == 0:
		return yes
	}
	return no
}

func checkDefaultSGClosed(r *report, stack []Resource, _ Config) {
	closed := func(res Resource) verdict {
		in, out := noRules(field(res.Props, "ingress")), noRules(field(res.Props, "egress"))
		switch {
		case in == no || out == no:
			return no
		case in == undecided || out == undecided:
			return undecided
		}
		return yes
	}
	for _, res := range stack {
		if res.Type == typeDefaultSG && closed(res) == no {
			r.violation(res, "ingress/egress", "the default security group has rules, so anything placed in it by default can talk",
				"remove every ingress and egress rule from the aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
		}
	}
	eachVPCNeeds(r, stack, typeDefaultSG, "default security group", closed,
		"no aws:ec2/defaultSecurityGroup:DefaultSecurityGroup without rules takes over this VPC's default security group, so it keeps AWS's rules (all traffic from itself, all traffic out)",
		"add an aws.ec2.DefaultSecurityGroup with vpcId set to this VPC and no ingress or egress")
}

// eachVPCNeeds reports every VPC the stack creates that no resource of type typ (keyed by vpcId)
// satisfying ok covers: a violation, or unverifiable when one may.
func eachVPCNeeds(r *report, stack []Resource, typ, what string, ok func(Resource) verdict, problem, fix string) {
	for _, vpc := range stackVPCs(stack) {
		switch covered(stack, typ, "vpcId", vpc.urns, vpc.ids, ok) {
		case undecided:
			r.unverifiable(vpc.res, what, "a "+typ+"'s VPC or settings are unknown")
		case no:
			r.violation(vpc.res, what, problem, fix)
		}
	}
}

func checkFlowLogs(r *report, stack []Resource, _ Config) {
	records := func(res Resource) verdict {
		t := field(res.Props, "trafficType")
		if t.is("ALL") == yes || t.is("REJECT") == yes {
			return yes
		}
		if t.st == unknown {
			return undecided
		}
		return no
	}
	eachVPCNeeds(r, stack, typeFlowLog, "flow logs", records,
		"no aws:ec2/flowLog:FlowLog with trafficType ALL or REJECT records this VPC's traffic",
		`add an aws.ec2.FlowLog {vpcId: this VPC, trafficType: "ALL"} to a CloudWatch log group or S3 bucket`)
}

func checkVPCEndpoints(r *report, stack []Resource, _ Config) {
	for _, vpc := range stackVPCs(stack) {
		for _, e := range fsbpVPCEndpoints {
			serves := func(res Resource) verdict {
				n := field(res.Props, "serviceName")
				if s, ok := n.str(); ok {
					if strings.HasSuffix(s, "."+e.service) {
						return yes
					}
					return no
				}
				if n.st == unknown {
					return undecided
				}
				return no
			}
			switch covered(stack, typeVPCEndpoint, "vpcId", vpc.urns, vpc.ids, serves) {
			case undecided:
				r.unverifiable(vpc.res, e.service+" endpoint", "an endpoint's VPC or service name is unknown")
			case no:
				r.violationOf(e.control, vpc.res, e.service+" endpoint", "no aws:ec2/vpcEndpoint:VpcEndpoint for com.amazonaws.<region>."+e.service+" in this VPC",
					"add an Interface endpoint for com.amazonaws.<region>."+e.service+" with private DNS, or suppress "+e.control+" for this VPC with the reason the workload never calls it")
			}
		}
	}
}

func checkSourceDestCheck(r *report, res Resource, _ Config) {
	n := field(res.Props, "sourceDestCheck")
	switch {
	case n.st == unknown:
		r.needs(res, n)
	case n.st == present && n.v.IsBool() && !n.v.AsBool():
		r.violation(res, n.path, "is false, so the interface forwards traffic not addressed to it",
			"leave sourceDestCheck unset (true); only NAT or routing appliances need it off")
	}
}

func checkListenersHTTPSOnly(r *report, res Resource, _ Config) {
	proto := field(res.Props, "protocol")
	if proto.st == unknown {
		r.needs(res, proto)
		return
	}
	s, _ := proto.str()
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "HTTPS", "TLS", "GENEVE":
		return // GENEVE: gateway load balancers, which ELB.18 does not evaluate
	}
	r.violation(res, proto.path, proto.show()+" is not encrypted in transit",
		`use protocol "HTTPS" (or "TLS" on a network load balancer) with a certificate; a redirect-only HTTP listener that must stay is a documented suppression`)
}
