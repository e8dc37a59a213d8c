package components

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"example.com/webstack/internal/clouddouble"
)

const (
	netTypeNetwork     = "webstack:components:Network"
	netTypeAwsxVPC     = "awsx:ec2:Vpc"
	netTypeVPCEndpoint = "aws:ec2/vpcEndpoint:VpcEndpoint"
	netTypeSecGroup    = "aws:ec2/securityGroup:SecurityGroup"
	netTypeIngressRule = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	netTypeNetworkACL  = "aws:ec2/networkAcl:NetworkAcl"
	netNameUnderTest   = "web"
)

// runNetwork builds a Network named "web" (after the route table association stand-ins
// awsx would own) and returns the double and the resolved outputs
// [vpcId, vpcCidrBlock, publicSubnetIds, privateSubnetIds].
func runNetwork(t *testing.T, args *NetworkArgs) (*clouddouble.Double, []any) {
	t.Helper()
	var outputs []any
	d, err := runNetDouble(func(ctx *pulumi.Context) error {
		azs := args.withDefaults().NumberOfAvailabilityZones
		assocs, err := registerRouteTableAssociationDoubles(ctx, azs)
		if err != nil {
			return err
		}
		n, err := NewNetwork(ctx, netNameUnderTest, args, pulumi.DependsOn(assocs))
		if err != nil {
			return err
		}
		clouddouble.Await(ctx, "network", func(v []any) { outputs = v }, n.VPCID, n.VPCCIDRBlock, n.PublicSubnetIDs, n.PrivateSubnetIDs)
		return nil
	})
	if err != nil {
		t.Fatalf("NewNetwork: %v", err)
	}
	return d, outputs
}

func TestNetworkNewVPCDefaults(t *testing.T) {
	d, out := runNetwork(t, &NetworkArgs{})

	vpcs := d.OfType(netTypeAwsxVPC)
	if len(vpcs) != 1 {
		t.Fatalf("want one awsx:ec2:Vpc, got %d", len(vpcs))
	}
	v := vpcs[0]
	if !strings.Contains(v.Parent, netTypeNetwork) {
		t.Errorf("awsx Vpc parent = %q, want the Network component", v.Parent)
	}
	for path, want := range map[string]any{
		"cidrBlock":                 "10.0.0.0/16",
		"numberOfAvailabilityZones": 2.0,
		"natGateways.strategy":      "Single", // the program's default too (DefaultNATGateways)
		"enableDnsHostnames":        true,
		"subnetStrategy":            "Auto",
	} {
		if got := clouddouble.DottedPath(v.Inputs, path).V; got != want {
			t.Errorf("awsx Vpc %s = %v, want %v", path, got, want)
		}
	}
	var types []string
	for _, s := range clouddouble.DottedPath(v.Inputs, "subnetSpecs").ArrayValue() {
		types = append(types, s.ObjectValue()["type"].StringValue())
	}
	if !reflect.DeepEqual(types, []string{"Public", "Private"}) {
		t.Errorf("subnet specs = %v, want [Public Private]", types)
	}
	for _, typ := range []string{netTypeVPCEndpoint, netTypeSecGroup, netTypeNetworkACL} {
		if n := len(d.OfType(typ)); n != 0 {
			t.Errorf("defaults registered %d %s, want none (endpoints and NACLs are opt-in)", n, typ)
		}
	}
	want := []any{"vpc-double", "10.0.0.0/16", []string{"subnet-public-1", "subnet-public-2"}, []string{"subnet-private-1", "subnet-private-2"}}
	if !reflect.DeepEqual(out, want) {
		t.Errorf("outputs = %v, want %v", out, want)
	}
}

func TestNetworkVPCEndpointsWiredToPrivateSubnets(t *testing.T) {
	for _, tc := range []struct {
		nat      string
		services []string
	}{
		// sorted: registration order is not deterministic
		{NATGatewaysNone, []string{"ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssm"}},
		// ssm with a NAT gateway too: Security Hub EC2.57 (docs/fsbp.md).
		{NATGatewaysSingle, []string{"ecr.api", "ecr.dkr", "logs", "ssm"}},
	} {
		t.Run(tc.nat, func(t *testing.T) {
			d, _ := runNetwork(t, &NetworkArgs{NumberOfAvailabilityZones: 3, NATGateways: tc.nat, VPCEndpoints: true, CIDRBlock: "10.20.0.0/16"})
			privateSubnets := []string{"subnet-private-1", "subnet-private-2", "subnet-private-3"}

			s3 := d.Named(t, netTypeVPCEndpoint, "web-s3")
			if got := clouddouble.DottedPath(s3.Inputs, "serviceName").StringValue(); got != "com.amazonaws.us-east-1.s3" {
				t.Errorf("S3 endpoint service = %q", got)
			}
			if got := clouddouble.DottedPath(s3.Inputs, "vpcEndpointType").StringValue(); got != "Gateway" {
				t.Errorf("S3 endpoint type = %q, want Gateway", got)
			}
			if got := clouddouble.Strings(clouddouble.DottedPath(s3.Inputs, "routeTableIds")); !reflect.DeepEqual(got, []string{"rtb-private-1", "rtb-private-2", "rtb-private-3"}) {
				t.Errorf("S3 endpoint route tables = %v, want exactly the private ones", got)
			}

			sg := d.Named(t, netTypeSecGroup, "web-endpoints")
			if e := clouddouble.DottedPath(sg.Inputs, "egress"); e.IsArray() && len(e.ArrayValue()) > 0 {
				t.Errorf("endpoint security group has egress rules %v, want none", e)
			}
			if i := clouddouble.DottedPath(sg.Inputs, "ingress"); i.IsArray() && len(i.ArrayValue()) > 0 {
				t.Errorf("endpoint security group has inline ingress %v, want separate rules", i)
			}
			rules := d.OfType(netTypeIngressRule)
			if len(rules) != 1 {
				t.Fatalf("want exactly one ingress rule (443 from the VPC), got %d", len(rules))
			}
			netAssertIngressRule(t, rules[0], "web-endpoints-id", 443, "10.20.0.0/16")

			var got []string
			for _, e := range d.OfType(netTypeVPCEndpoint) {
				if e.Name == "web-s3" {
					continue
				}
				svc := strings.TrimPrefix(clouddouble.DottedPath(e.Inputs, "serviceName").StringValue(), "com.amazonaws.us-east-1.")
				got = append(got, svc)
				if clouddouble.DottedPath(e.Inputs, "vpcEndpointType").StringValue() != "Interface" || !clouddouble.DottedPath(e.Inputs, "privateDnsEnabled").BoolValue() {
					t.Errorf("%s: want an Interface endpoint with private DNS, got %v", svc, e.Inputs)
				}
				if s := clouddouble.Strings(clouddouble.DottedPath(e.Inputs, "subnetIds")); !reflect.DeepEqual(s, privateSubnets) {
					t.Errorf("%s subnets = %v, want the private subnets", svc, s)
				}
				if s := clouddouble.Strings(clouddouble.DottedPath(e.Inputs, "securityGroupIds")); !reflect.DeepEqual(s, []string{"web-endpoints-id"}) {
					t.Errorf("%s security groups = %v", svc, s)
				}
				if !strings.Contains(e.Parent, netTypeNetwork) {
					t.Errorf("%s parent = %q, want the Network component", svc, e.Parent)
				}
			}
			slices.Sort(got)
			if !reflect.DeepEqual(got, tc.services) {
				t.Errorf("interface endpoints = %v, want %v", got, tc.services)
			}
		})
	}
}

func netAssertIngressRule(t *testing.T, r clouddouble.Recorded, sgID string, port int, cidr string) {
	t.Helper()
	want := map[string]any{"securityGroupId": sgID, "ipProtocol": "tcp", "fromPort": float64(port), "toPort": float64(port), "cidrIpv4": cidr}
	for k, v := range want {
		if got := clouddouble.DottedPath(r.Inputs, k).V; got != v {
			t.Errorf("rule %s: %s = %v, want %v", r.Name, k, got, v)
		}
	}
}

type netNACLEntry struct {
	protocol string
	from, to float64
	cidr     string
}

func netNACLEntries(t *testing.T, v resource.PropertyValue) []netNACLEntry {
	t.Helper()
	var out []netNACLEntry
	for i, e := range v.ArrayValue() {
		o := e.ObjectValue()
		if o["action"].StringValue() != "allow" || o["ruleNo"].NumberValue() != float64(100+10*i) {
			t.Errorf("entry %d: action %v rule %v, want allow rules numbered 100, 110, ...", i, o["action"], o["ruleNo"])
		}
		out = append(out, netNACLEntry{o["protocol"].StringValue(), o["fromPort"].NumberValue(), o["toPort"].NumberValue(), o["cidrBlock"].StringValue()})
	}
	return out
}

func TestNetworkACLsKeepEphemeralReturnTraffic(t *testing.T) {
	d, _ := runNetwork(t, &NetworkArgs{NetworkACLs: true})
	vpc := netNACLEntry{"-1", 0, 0, "10.0.0.0/16"}
	// Inbound from the internet, the ephemeral range skips 3389 (Security Hub EC2.21); outbound
	// it stays whole (EC2.21 judges ingress only).
	ephemeralLow := netNACLEntry{"tcp", 1024, 3388, "0.0.0.0/0"}
	ephemeralHigh := netNACLEntry{"tcp", 3390, 65535, "0.0.0.0/0"}
	ephemeral := netNACLEntry{"tcp", 1024, 65535, "0.0.0.0/0"}
	https := netNACLEntry{"tcp", 443, 443, "0.0.0.0/0"}
	for _, tc := range []struct {
		name            string
		subnets         []string
		ingress, egress []netNACLEntry
	}{
		{"web-public", []string{"subnet-public-1", "subnet-public-2"},
			[]netNACLEntry{{"tcp", 80, 80, "0.0.0.0/0"}, https, ephemeralLow, vpc, ephemeralHigh},
			[]netNACLEntry{ephemeral, https, vpc}},
		{"web-private", []string{"subnet-private-1", "subnet-private-2"},
			[]netNACLEntry{vpc, ephemeralLow, ephemeralHigh},
			[]netNACLEntry{vpc, https}},
	} {
		acl := d.Named(t, netTypeNetworkACL, tc.name)
		if got := clouddouble.Strings(clouddouble.DottedPath(acl.Inputs, "subnetIds")); !reflect.DeepEqual(got, tc.subnets) {
			t.Errorf("%s subnets = %v, want %v", tc.name, got, tc.subnets)
		}
		if got := clouddouble.DottedPath(acl.Inputs, "vpcId").StringValue(); got != "vpc-double" {
			t.Errorf("%s vpcId = %q", tc.name, got)
		}
		got := netNACLEntries(t, clouddouble.DottedPath(acl.Inputs, "ingress"))
		if !reflect.DeepEqual(got, tc.ingress) {
			t.Errorf("%s ingress = %v, want %v", tc.name, got, tc.ingress)
		}
		for _, e := range got {
			for _, port := range []float64{22, 3389} {
				if e.cidr == "0.0.0.0/0" && (e.protocol == "-1" || e.from <= port && port <= e.to) {
					t.Errorf("%s ingress %v admits port %v from the internet", tc.name, e, port)
				}
			}
		}
		if got := netNACLEntries(t, clouddouble.DottedPath(acl.Inputs, "egress")); !reflect.DeepEqual(got, tc.egress) {
			t.Errorf("%s egress = %v, want %v", tc.name, got, tc.egress)
		}
	}
}

func TestNetworkExistingVPC(t *testing.T) {
	args := &NetworkArgs{
		ExistingVPCID:            "vpc-0abc12345678def0",
		ExistingPublicSubnetIDs:  []string{"subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb1"},
		ExistingPrivateSubnetIDs: []string{"subnet-0ccccccccccccccc1", "subnet-0ddddddddddddddd1"},
	}
	d, out := runNetwork(t, args)
	if n := len(d.OfType(netTypeAwsxVPC)); n != 0 {
		t.Errorf("an existing VPC must not create a VPC, got %d", n)
	}
	want := []any{"vpc-0abc12345678def0", netDoubleExistingCIDR, []string{"subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb1"}, []string{"subnet-0ccccccccccccccc1", "subnet-0ddddddddddddddd1"}}
	if !reflect.DeepEqual(out, want) {
		t.Errorf("outputs = %v, want %v", out, want)
	}
}

func TestNetworkInvalidArgs(t *testing.T) {
	existing := func(a NetworkArgs) *NetworkArgs {
		if a.ExistingVPCID == "" {
			a.ExistingVPCID = "vpc-0abc12345678def0"
		}
		if a.ExistingPublicSubnetIDs == nil {
			a.ExistingPublicSubnetIDs = []string{"subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb1"}
		}
		if a.ExistingPrivateSubnetIDs == nil {
			a.ExistingPrivateSubnetIDs = []string{"subnet-0ccccccccccccccc1", "subnet-0ddddddddddddddd1"}
		}
		return &a
	}
	for _, tc := range []struct {
		name string
		args *NetworkArgs
		want string
	}{
		{"one AZ", &NetworkArgs{NumberOfAvailabilityZones: 1}, "NumberOfAvailabilityZones 1 Availability Zone(s); the service must survive the loss of one: use 2 to 6"},
		{"bad CIDR", &NetworkArgs{CIDRBlock: "10.0.0/16"}, `CIDRBlock "10.0.0/16" is not an IPv4 network from /16 to /20`},
		{"host bits", &NetworkArgs{CIDRBlock: "10.0.0.1/16"}, "CIDRBlock \"10.0.0.1/16\" is not an IPv4 network"},
		{"IPv6", &NetworkArgs{CIDRBlock: "fd00::/48"}, "is not an IPv4 network"},
		{"too small", &NetworkArgs{CIDRBlock: "10.0.0.0/28"}, "\"10.0.0.0/28\" is not an IPv4 network from /16 to /20"},
		{"NAT typo", &NetworkArgs{NATGateways: "single"}, `NATGateways "single" is not supported: use one of Single, OnePerAz, None`},
		{"no NAT no endpoints", &NetworkArgs{NATGateways: "None"}, "NATGateways None leaves private subnets without a way to reach ECR"},
		{"subnets without VPC", &NetworkArgs{ExistingPublicSubnetIDs: []string{"subnet-0aaaaaaaaaaaaaaa1"}}, "ExistingVPCID subnet ids are set but the existing VPC's id is empty"},
		{"bad VPC id", existing(NetworkArgs{ExistingVPCID: "x"}), "not a VPC id"},
		{"one public subnet", existing(NetworkArgs{ExistingPublicSubnetIDs: []string{"subnet-0aaaaaaaaaaaaaaa1"}}), "ExistingPublicSubnetIDs 1 subnet(s) given"},
		{"bad subnet id", existing(NetworkArgs{ExistingPrivateSubnetIDs: []string{"subnet-0ccccccccccccccc1", "sg-1"}}), `ExistingPrivateSubnetIDs "sg-1" is not a subnet id`},
		{"duplicate subnet", existing(NetworkArgs{ExistingPrivateSubnetIDs: []string{"subnet-0ccccccccccccccc1", "subnet-0ccccccccccccccc1"}}), "ExistingPrivateSubnetIDs subnet-0ccccccccccccccc1 is listed twice"},
		{"shared subnet", existing(NetworkArgs{ExistingPrivateSubnetIDs: []string{"subnet-0aaaaaaaaaaaaaaa1", "subnet-0ddddddddddddddd1"}}), "subnet-0aaaaaaaaaaaaaaa1 is listed as both public and private"},
		{"endpoints on existing", existing(NetworkArgs{VPCEndpoints: true}), "apply only to a VPC this stack creates"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := runNetDouble(func(ctx *pulumi.Context) error {
				_, err := NewNetwork(ctx, netNameUnderTest, tc.args)
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

// Security Hub EC2.2 and EC2.6: a new VPC's default security group is taken over with no rules,
// and its traffic goes to a flow log that keeps FlowLogRetentionDays.
func TestNetworkClosesDefaultSGAndLogsFlows(t *testing.T) {
	d, _ := runNetwork(t, &NetworkArgs{FlowLogRetentionDays: 7})
	sg := d.Named(t, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "web-default-sg")
	if got := clouddouble.DottedPath(sg.Inputs, "vpcId").StringValue(); got != "vpc-double" {
		t.Errorf("default security group vpcId = %q, want the new VPC", got)
	}
	for _, k := range []string{"ingress", "egress"} {
		if v := clouddouble.DottedPath(sg.Inputs, k); v.IsArray() && len(v.ArrayValue()) > 0 {
			t.Errorf("default security group %s = %v, want no rules", k, v)
		}
	}
	flow := d.Named(t, "aws:ec2/flowLog:FlowLog", "web-flow-log")
	for k, want := range map[string]any{"vpcId": "vpc-double", "trafficType": "ALL", "logDestinationType": "cloud-watch-logs",
		"logDestination": "arn:aws:double:us-east-1:123456789012:web-flow-logs", "iamRoleArn": "arn:aws:double:us-east-1:123456789012:web-flow-logs"} {
		if got := clouddouble.DottedPath(flow.Inputs, k).V; got != want {
			t.Errorf("flow log %s = %v, want %v", k, got, want)
		}
	}
	group := d.Named(t, "aws:cloudwatch/logGroup:LogGroup", "web-flow-logs")
	if got := clouddouble.DottedPath(group.Inputs, "retentionInDays").NumberValue(); got != 7 {
		t.Errorf("flow log retention = %v days, want 7", got)
	}
	role := d.Named(t, "aws:iam/role:Role", "web-flow-logs")
	if !strings.Contains(clouddouble.DottedPath(role.Inputs, "assumeRolePolicy").StringValue(), `"vpc-flow-logs.amazonaws.com"`) {
		t.Errorf("flow log role trust = %v, want the vpc-flow-logs service", clouddouble.DottedPath(role.Inputs, "assumeRolePolicy"))
	}
	policy := clouddouble.DottedPath(d.Named(t, "aws:iam/rolePolicy:RolePolicy", "web-flow-logs").Inputs, "policy").StringValue()
	if !strings.Contains(policy, `"arn:aws:double:us-east-1:123456789012:web-flow-logs:*"`) || strings.Contains(policy, "kms:") {
		t.Errorf("flow log role policy = %s, want writes scoped to its log group", policy)
	}
}

// An existing VPC is not this stack's: no default security group takeover, no flow log.
func TestNetworkExistingVPCLeavesVPCSettingsAlone(t *testing.T) {
	d, _ := runNetwork(t, &NetworkArgs{ExistingVPCID: "vpc-0abc12345678def0",
		ExistingPublicSubnetIDs: []string{"subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb1"}, ExistingPrivateSubnetIDs: []string{"subnet-0ccccccccccccccc1", "subnet-0ddddddddddddddd1"}})
	for _, typ := range []string{"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "aws:ec2/flowLog:FlowLog"} {
		if n := len(d.OfType(typ)); n != 0 {
			t.Errorf("existing VPC: %d %s registered, want none", n, typ)
		}
	}
}

// Security Hub EC2.15: the transform on the awsx VPC turns mapPublicIpOnLaunch off on the subnets
// awsx registers (awsx v2.22.0 awsx/ec2/vpc.ts sets it true on public ones) and leaves other
// resources alone.
func TestNoPublicIPOnLaunchTransform(t *testing.T) {
	subnet := &pulumi.ResourceTransformArgs{Custom: true, Type: "aws:ec2/subnet:Subnet", Name: "web-public-1",
		Props: pulumi.Map{"mapPublicIpOnLaunch": pulumi.Bool(true), "cidrBlock": pulumi.String("10.0.0.0/18")}}
	res := noPublicIPOnLaunch(context.Background(), subnet)
	if res == nil || res.Props["mapPublicIpOnLaunch"] != pulumi.Bool(false) || res.Props["cidrBlock"] != pulumi.String("10.0.0.0/18") {
		t.Fatalf("subnet transformed to %+v, want mapPublicIpOnLaunch false and the rest kept", res)
	}
	if res := noPublicIPOnLaunch(context.Background(), &pulumi.ResourceTransformArgs{Type: "aws:ec2/vpc:Vpc", Props: pulumi.Map{}}); res != nil {
		t.Errorf("a VPC was transformed: %+v", res)
	}
}
