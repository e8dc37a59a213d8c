package components

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const (
	typeNetwork      = "webstack:components:Network"
	typeAwsxVpc      = "awsx:ec2:Vpc"
	typeVpcEndpoint  = "aws:ec2/vpcEndpoint:VpcEndpoint"
	typeSecGroup     = "aws:ec2/securityGroup:SecurityGroup"
	typeIngressRule  = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	typeNetworkAcl   = "aws:ec2/networkAcl:NetworkAcl"
	networkUnderTest = "web"
)

// runNetwork builds a Network named "web" (after the route table association stand-ins
// awsx would own) and returns the double and the resolved outputs
// [vpcId, vpcCidrBlock, publicSubnetIds, privateSubnetIds].
func runNetwork(t *testing.T, args *NetworkArgs) (*netCloudDouble, []any) {
	t.Helper()
	var outputs []any
	d, err := runNetDouble(func(ctx *pulumi.Context) error {
		azs := args.withDefaults().NumberOfAvailabilityZones
		assocs, err := registerRouteTableAssociationDoubles(ctx, azs)
		if err != nil {
			return err
		}
		n, err := NewNetwork(ctx, networkUnderTest, args, pulumi.DependsOn(assocs))
		if err != nil {
			return err
		}
		awaitOutputs(ctx, "network", func(v []any) { outputs = v }, n.VpcID, n.VpcCidrBlock, n.PublicSubnetIDs, n.PrivateSubnetIDs)
		return nil
	})
	if err != nil {
		t.Fatalf("NewNetwork: %v", err)
	}
	return d, outputs
}

func stringList(v resource.PropertyValue) []string {
	if !v.IsArray() {
		return nil
	}
	var out []string
	for _, e := range v.ArrayValue() {
		out = append(out, e.StringValue())
	}
	return out
}

func TestNetworkNewVpcDefaults(t *testing.T) {
	d, out := runNetwork(t, &NetworkArgs{})

	vpcs := d.ofType(typeAwsxVpc)
	if len(vpcs) != 1 {
		t.Fatalf("want one awsx:ec2:Vpc, got %d", len(vpcs))
	}
	v := vpcs[0]
	if !strings.Contains(v.Parent, typeNetwork) {
		t.Errorf("awsx Vpc parent = %q, want the Network component", v.Parent)
	}
	for path, want := range map[string]any{
		"cidrBlock":                 "10.0.0.0/16",
		"numberOfAvailabilityZones": 2.0,
		"natGateways.strategy":      "OnePerAz",
		"enableDnsHostnames":        true,
		"subnetStrategy":            "Auto",
	} {
		if got := prop(v.Inputs, path).V; got != want {
			t.Errorf("awsx Vpc %s = %v, want %v", path, got, want)
		}
	}
	var types []string
	for _, s := range prop(v.Inputs, "subnetSpecs").ArrayValue() {
		types = append(types, s.ObjectValue()["type"].StringValue())
	}
	if !reflect.DeepEqual(types, []string{"Public", "Private"}) {
		t.Errorf("subnet specs = %v, want [Public Private]", types)
	}
	for _, typ := range []string{typeVpcEndpoint, typeSecGroup, typeNetworkAcl} {
		if n := len(d.ofType(typ)); n != 0 {
			t.Errorf("defaults registered %d %s, want none (endpoints and NACLs are opt-in)", n, typ)
		}
	}
	want := []any{"vpc-double", "10.0.0.0/16", []string{"subnet-public-1", "subnet-public-2"}, []string{"subnet-private-1", "subnet-private-2"}}
	if !reflect.DeepEqual(out, want) {
		t.Errorf("outputs = %v, want %v", out, want)
	}
}

func TestNetworkVpcEndpointsWiredToPrivateSubnets(t *testing.T) {
	for _, tc := range []struct {
		nat      string
		services []string
	}{
		// sorted: registration order is not deterministic
		{NatGatewaysNone, []string{"ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssm"}},
		{NatGatewaysSingle, []string{"ecr.api", "ecr.dkr", "logs"}},
	} {
		t.Run(tc.nat, func(t *testing.T) {
			d, _ := runNetwork(t, &NetworkArgs{NumberOfAvailabilityZones: 3, NatGateways: tc.nat, VpcEndpoints: true, CidrBlock: "10.20.0.0/16"})
			privateSubnets := []string{"subnet-private-1", "subnet-private-2", "subnet-private-3"}

			s3 := d.named(t, typeVpcEndpoint, "web-s3")
			if got := prop(s3.Inputs, "serviceName").StringValue(); got != "com.amazonaws.us-east-1.s3" {
				t.Errorf("S3 endpoint service = %q", got)
			}
			if got := prop(s3.Inputs, "vpcEndpointType").StringValue(); got != "Gateway" {
				t.Errorf("S3 endpoint type = %q, want Gateway", got)
			}
			if got := stringList(prop(s3.Inputs, "routeTableIds")); !reflect.DeepEqual(got, []string{"rtb-private-1", "rtb-private-2", "rtb-private-3"}) {
				t.Errorf("S3 endpoint route tables = %v, want exactly the private ones", got)
			}

			sg := d.named(t, typeSecGroup, "web-endpoints")
			if e := prop(sg.Inputs, "egress"); e.IsArray() && len(e.ArrayValue()) > 0 {
				t.Errorf("endpoint security group has egress rules %v, want none", e)
			}
			if i := prop(sg.Inputs, "ingress"); i.IsArray() && len(i.ArrayValue()) > 0 {
				t.Errorf("endpoint security group has inline ingress %v, want separate rules", i)
			}
			rules := d.ofType(typeIngressRule)
			if len(rules) != 1 {
				t.Fatalf("want exactly one ingress rule (443 from the VPC), got %d", len(rules))
			}
			assertIngressRule(t, rules[0], "web-endpoints-id", 443, "10.20.0.0/16")

			var got []string
			for _, e := range d.ofType(typeVpcEndpoint) {
				if e.Name == "web-s3" {
					continue
				}
				svc := strings.TrimPrefix(prop(e.Inputs, "serviceName").StringValue(), "com.amazonaws.us-east-1.")
				got = append(got, svc)
				if prop(e.Inputs, "vpcEndpointType").StringValue() != "Interface" || !prop(e.Inputs, "privateDnsEnabled").BoolValue() {
					t.Errorf("%s: want an Interface endpoint with private DNS, got %v", svc, e.Inputs)
				}
				if s := stringList(prop(e.Inputs, "subnetIds")); !reflect.DeepEqual(s, privateSubnets) {
					t.Errorf("%s subnets = %v, want the private subnets", svc, s)
				}
				if s := stringList(prop(e.Inputs, "securityGroupIds")); !reflect.DeepEqual(s, []string{"web-endpoints-id"}) {
					t.Errorf("%s security groups = %v", svc, s)
				}
				if !strings.Contains(e.Parent, typeNetwork) {
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

func assertIngressRule(t *testing.T, r netRecorded, sgID string, port int, cidr string) {
	t.Helper()
	want := map[string]any{"securityGroupId": sgID, "ipProtocol": "tcp", "fromPort": float64(port), "toPort": float64(port), "cidrIpv4": cidr}
	for k, v := range want {
		if got := prop(r.Inputs, k).V; got != v {
			t.Errorf("rule %s: %s = %v, want %v", r.Name, k, got, v)
		}
	}
}

type naclEntryWant struct {
	protocol string
	from, to float64
	cidr     string
}

func naclEntries(t *testing.T, v resource.PropertyValue) []naclEntryWant {
	t.Helper()
	var out []naclEntryWant
	for i, e := range v.ArrayValue() {
		o := e.ObjectValue()
		if o["action"].StringValue() != "allow" || o["ruleNo"].NumberValue() != float64(100+10*i) {
			t.Errorf("entry %d: action %v rule %v, want allow rules numbered 100, 110, ...", i, o["action"], o["ruleNo"])
		}
		out = append(out, naclEntryWant{o["protocol"].StringValue(), o["fromPort"].NumberValue(), o["toPort"].NumberValue(), o["cidrBlock"].StringValue()})
	}
	return out
}

func TestNetworkAclsKeepEphemeralReturnTraffic(t *testing.T) {
	d, _ := runNetwork(t, &NetworkArgs{NetworkAcls: true})
	vpc := naclEntryWant{"-1", 0, 0, "10.0.0.0/16"}
	ephemeral := naclEntryWant{"tcp", 1024, 65535, "0.0.0.0/0"}
	https := naclEntryWant{"tcp", 443, 443, "0.0.0.0/0"}
	for _, tc := range []struct {
		name            string
		subnets         []string
		ingress, egress []naclEntryWant
	}{
		{"web-public", []string{"subnet-public-1", "subnet-public-2"},
			[]naclEntryWant{{"tcp", 80, 80, "0.0.0.0/0"}, https, ephemeral, vpc},
			[]naclEntryWant{ephemeral, https, vpc}},
		{"web-private", []string{"subnet-private-1", "subnet-private-2"},
			[]naclEntryWant{vpc, ephemeral},
			[]naclEntryWant{vpc, https}},
	} {
		acl := d.named(t, typeNetworkAcl, tc.name)
		if got := stringList(prop(acl.Inputs, "subnetIds")); !reflect.DeepEqual(got, tc.subnets) {
			t.Errorf("%s subnets = %v, want %v", tc.name, got, tc.subnets)
		}
		if got := prop(acl.Inputs, "vpcId").StringValue(); got != "vpc-double" {
			t.Errorf("%s vpcId = %q", tc.name, got)
		}
		if got := naclEntries(t, prop(acl.Inputs, "ingress")); !reflect.DeepEqual(got, tc.ingress) {
			t.Errorf("%s ingress = %v, want %v", tc.name, got, tc.ingress)
		}
		if got := naclEntries(t, prop(acl.Inputs, "egress")); !reflect.DeepEqual(got, tc.egress) {
			t.Errorf("%s egress = %v, want %v", tc.name, got, tc.egress)
		}
	}
}

func TestNetworkExistingVpc(t *testing.T) {
	args := &NetworkArgs{
		ExistingVpcID:            "vpc-0abc",
		ExistingPublicSubnetIDs:  []string{"subnet-a", "subnet-b"},
		ExistingPrivateSubnetIDs: []string{"subnet-c", "subnet-d"},
	}
	d, out := runNetwork(t, args)
	if n := len(d.ofType(typeAwsxVpc)); n != 0 {
		t.Errorf("an existing VPC must not create a VPC, got %d", n)
	}
	want := []any{"vpc-0abc", netDoubleExistingCidr, []string{"subnet-a", "subnet-b"}, []string{"subnet-c", "subnet-d"}}
	if !reflect.DeepEqual(out, want) {
		t.Errorf("outputs = %v, want %v", out, want)
	}
}

func TestNetworkInvalidArgs(t *testing.T) {
	existing := func(a NetworkArgs) *NetworkArgs {
		if a.ExistingVpcID == "" {
			a.ExistingVpcID = "vpc-0abc"
		}
		if a.ExistingPublicSubnetIDs == nil {
			a.ExistingPublicSubnetIDs = []string{"subnet-a", "subnet-b"}
		}
		if a.ExistingPrivateSubnetIDs == nil {
			a.ExistingPrivateSubnetIDs = []string{"subnet-c", "subnet-d"}
		}
		return &a
	}
	for _, tc := range []struct {
		name string
		args *NetworkArgs
		want string
	}{
		{"one AZ", &NetworkArgs{NumberOfAvailabilityZones: 1}, "NumberOfAvailabilityZones is 1: use 2 to 6"},
		{"bad CIDR", &NetworkArgs{CidrBlock: "10.0.0/16"}, `CidrBlock "10.0.0/16" is not an IPv4 CIDR block`},
		{"host bits", &NetworkArgs{CidrBlock: "10.0.0.1/16"}, "use the network address 10.0.0.0/16"},
		{"IPv6", &NetworkArgs{CidrBlock: "fd00::/48"}, "is not an IPv4 CIDR block"},
		{"too small", &NetworkArgs{CidrBlock: "10.0.0.0/28"}, "must be /16 to /24"},
		{"NAT typo", &NetworkArgs{NatGateways: "single"}, `NatGateways "single" is not one of`},
		{"no NAT no endpoints", &NetworkArgs{NatGateways: "None"}, `NatGateways "None" needs VpcEndpoints`},
		{"subnets without VPC", &NetworkArgs{ExistingPublicSubnetIDs: []string{"subnet-a"}}, "need ExistingVpcID"},
		{"bad VPC id", existing(NetworkArgs{ExistingVpcID: "x"}), "not a VPC id"},
		{"one public subnet", existing(NetworkArgs{ExistingPublicSubnetIDs: []string{"subnet-a"}}), "ExistingPublicSubnetIDs has 1 subnet(s): give at least 2"},
		{"bad subnet id", existing(NetworkArgs{ExistingPrivateSubnetIDs: []string{"subnet-c", "sg-1"}}), `ExistingPrivateSubnetIDs[1] "sg-1" is not a subnet id`},
		{"duplicate subnet", existing(NetworkArgs{ExistingPrivateSubnetIDs: []string{"subnet-c", "subnet-c"}}), "lists subnet-c twice"},
		{"shared subnet", existing(NetworkArgs{ExistingPrivateSubnetIDs: []string{"subnet-a", "subnet-d"}}), "subnet-a is listed as both public and private"},
		{"endpoints on existing", existing(NetworkArgs{VpcEndpoints: true}), "apply only to a VPC this stack creates"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := runNetDouble(func(ctx *pulumi.Context) error {
				_, err := NewNetwork(ctx, networkUnderTest, tc.args)
				return err
			})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.want)
			}
			if names := d.names(); len(names) != 0 {
				t.Errorf("invalid args registered %v, want nothing", names)
			}
		})
	}
}
