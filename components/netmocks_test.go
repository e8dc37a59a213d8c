package components

import (
	"fmt"
	"strings"

	awsec2 "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"example.com/webstack/internal/clouddouble"
)

const (
	netDoubleStack  = "test"
	netDoubleRegion = "us-east-1"
	// netDoubleExistingCIDR is what the getVpc invoke double answers for an existing VPC.
	netDoubleExistingCIDR = "172.31.0.0/16"
)

// runNetDouble runs program against the shared cloud double as the network, load balancer and
// firewall tests need it: answering in us-east-1, only the getRegion and getVpc invokes
// (anything else fails the run), S3 buckets whose physical id is their bucket name, Route 53
// records with their fqdn, and awsx:ec2:Vpc (a remote component, so the double decides its
// outputs) returning the route table associations the test registered before it.
func runNetDouble(program pulumi.RunFunc) (*clouddouble.Double, error) {
	return clouddouble.RunWith(clouddouble.Options{
		Region: netDoubleRegion,
		Invokes: map[string]clouddouble.Invoke{
			"aws:index/getRegion:getRegion": nil,
			"aws:ec2/getVpc:getVpc": func(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
				return resource.NewPropertyMapFromMap(map[string]any{"id": args.Args["id"].StringValue(), "cidrBlock": netDoubleExistingCIDR}), nil
			},
		},
		Outputs: map[string]clouddouble.OutputHook{
			"awsx:ec2:Vpc": func(d *clouddouble.Double, _ pulumi.MockResourceArgs, out resource.PropertyMap) string {
				// The real component returns references to its route table associations;
				// the tests register stand-ins for them first (see registerRouteTableAssociationDoubles).
				var refs []resource.PropertyValue
				for _, r := range d.OfType("aws:ec2/routeTableAssociation:RouteTableAssociation") {
					refs = append(refs, resource.MakeCustomResourceReference(d.URN(r), resource.ID(r.Name+"-id"), ""))
				}
				out["routeTableAssociations"] = resource.NewArrayProperty(refs)
				return ""
			},
			"aws:s3/bucketV2:BucketV2": func(_ *clouddouble.Double, args pulumi.MockResourceArgs, out resource.PropertyMap) string {
				out["region"] = resource.NewStringProperty(netDoubleRegion)
				return args.Name + "-bucket"
			},
			"aws:route53/record:Record": func(_ *clouddouble.Double, args pulumi.MockResourceArgs, out resource.PropertyMap) string {
				out["fqdn"] = resource.NewStringProperty(strings.TrimSuffix(args.Inputs["name"].StringValue(), "."))
				return ""
			},
		},
	}, netDoubleStack, nil, program)
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
