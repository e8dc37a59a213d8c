package components

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	awsec2 "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const (
	netDoubleProject = "webstack"
	netDoubleStack   = "test"
	netDoubleRegion  = "us-east-1"
	// netDoubleExistingCidr is what the getVpc invoke double answers for an existing VPC.
	netDoubleExistingCidr = "172.31.0.0/16"
)

// netCloudDouble is a test double for the Pulumi engine and AWS used by the network,
// load balancer and firewall tests. It records every resource registration, answers
// with the inputs echoed back plus fake ids, ARNs and DNS names, and answers only the
// invokes these components are allowed to make (anything else fails the test run).
// awsx:ec2:Vpc is a remote component: the double decides its outputs.
type netCloudDouble struct {
	mu        sync.Mutex
	resources []netRecorded
}

type netRecorded struct {
	Type, Name, URN, Parent string
	Inputs                  resource.PropertyMap
}

func (d *netCloudDouble) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	parent := args.RegisterRPC.GetParent()
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	urn := resource.NewURN(netDoubleStack, netDoubleProject, parentType, tokens.Type(args.TypeToken), args.Name)

	d.mu.Lock()
	defer d.mu.Unlock()
	d.resources = append(d.resources, netRecorded{args.TypeToken, args.Name, string(urn), parent, args.Inputs})

	id := args.Name + "-id"
	out := args.Inputs.Copy()
	set := func(k string, v any) { out[resource.PropertyKey(k)] = resource.NewPropertyValue(v) }
	set("arn", "arn:aws:double:"+netDoubleRegion+":123456789012:"+args.Name)
	switch args.TypeToken {
	case "awsx:ec2:Vpc":
		azs := int(args.Inputs["numberOfAvailabilityZones"].NumberValue())
		var public, private []any
		for i := 1; i <= azs; i++ {
			public = append(public, fmt.Sprintf("subnet-public-%d", i))
			private = append(private, fmt.Sprintf("subnet-private-%d", i))
		}
		set("vpcId", "vpc-double")
		set("publicSubnetIds", public)
		set("privateSubnetIds", private)
		// The real component returns references to its route table associations;
		// the tests register stand-ins for them first (see registerRouteTableAssociationDoubles).
		var refs []resource.PropertyValue
		for _, r := range d.resources {
			if r.Type == "aws:ec2/routeTableAssociation:RouteTableAssociation" {
				refs = append(refs, resource.MakeCustomResourceReference(resource.URN(r.URN), resource.ID(r.Name+"-id"), ""))
			}
		}
		out["routeTableAssociations"] = resource.NewArrayProperty(refs)
	case "aws:lb/loadBalancer:LoadBalancer":
		set("dnsName", args.Name+"-123.us-east-1.elb.amazonaws.com")
		set("zoneId", "Z35SXDOTRQ7X7K")
		set("arnSuffix", "app/"+args.Name+"/0123456789abcdef")
	case "aws:lb/targetGroup:TargetGroup":
		set("arnSuffix", "targetgroup/"+args.Name+"/0123456789abcdef")
	case "aws:s3/bucketV2:BucketV2":
		set("bucket", args.Name+"-bucket")
		set("arn", "arn:aws:s3:::"+args.Name+"-bucket")
		set("region", netDoubleRegion)
		id = args.Name + "-bucket"
	case "aws:acm/certificate:Certificate":
		domain := args.Inputs["domainName"].StringValue()
		set("domainValidationOptions", []any{map[string]any{
			"domainName":          domain,
			"resourceRecordName":  "_x1." + domain + ".",
			"resourceRecordType":  "CNAME",
			"resourceRecordValue": "_x2.acm-validations.aws.",
		}})
	case "aws:route53/record:Record":
		set("fqdn", strings.TrimSuffix(args.Inputs["name"].StringValue(), "."))
	}
	return id, out, nil
}

func (d *netCloudDouble) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	switch args.Token {
	case "aws:index/getRegion:getRegion":
		return resource.NewPropertyMapFromMap(map[string]any{"name": netDoubleRegion, "id": netDoubleRegion}), nil
	case "aws:ec2/getVpc:getVpc":
		return resource.NewPropertyMapFromMap(map[string]any{"id": args.Args["id"].StringValue(), "cidrBlock": netDoubleExistingCidr}), nil
	}
	return nil, fmt.Errorf("netCloudDouble: the components may not call invoke %s (keep contracts.md's invoke list true)", args.Token)
}

// runNetDouble runs program against a fresh double and returns the double and the run's error.
func runNetDouble(program pulumi.RunFunc) (*netCloudDouble, error) {
	d := &netCloudDouble{}
	err := pulumi.RunErr(program, pulumi.WithMocks(netDoubleProject, netDoubleStack, d))
	return d, err
}

// ofType returns the recorded registrations of one type token, in registration order.
func (d *netCloudDouble) ofType(typ string) []netRecorded {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []netRecorded
	for _, r := range d.resources {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// named returns the one registration of typ called name, failing the test otherwise.
func (d *netCloudDouble) named(t *testing.T, typ, name string) netRecorded {
	t.Helper()
	for _, r := range d.ofType(typ) {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no %s named %q was registered; registered: %v", typ, name, d.names())
	return netRecorded{}
}

func (d *netCloudDouble) names() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for _, r := range d.resources {
		out = append(out, r.Type+" "+r.Name)
	}
	return out
}

// registerRouteTableAssociationDoubles stands in for the route table associations the
// real awsx:ec2:Vpc creates inside itself (mocks never see a remote component's
// children): one per public and private subnet, each subnet with its own table.
func registerRouteTableAssociationDoubles(ctx *pulumi.Context, azs int) ([]pulumi.Resource, error) {
	var out []pulumi.Resource
	for _, kind := range []string{"public", "private"} {
		for i := 1; i <= azs; i++ {
			a, err := awsec2.NewRouteTableAssociation(ctx, fmt.Sprintf("vpc-%s-%d", kind, i), &awsec2.RouteTableAssociationArgs{
				SubnetId:     pulumi.Sprintf("subnet-%s-%d", kind, i),
				RouteTableId: pulumi.Sprintf("rtb-%s-%d", kind, i),
			})
			if err != nil {
				return nil, err
			}
			out = append(out, a)
		}
	}
	return out, nil
}

// netAwait hands the resolved values of outputs to check. The combined output is
// exported under key because the run awaits stack outputs before it returns, and an
// apply on plain or invoke outputs alone is not otherwise waited for.
func netAwait(ctx *pulumi.Context, key string, check func(values []any), outputs ...any) {
	ctx.Export(key, pulumi.All(outputs...).ApplyT(func(v []any) int {
		check(v)
		return len(v)
	}))
}

// netProp reads a nested property path such as "healthCheck.path" from recorded inputs.
func netProp(m resource.PropertyMap, path string) resource.PropertyValue {
	keys := strings.Split(path, ".")
	v := resource.NewObjectProperty(m)
	for _, k := range keys {
		if !v.IsObject() {
			return resource.NewNullProperty()
		}
		v = v.ObjectValue()[resource.PropertyKey(k)]
	}
	return v
}
