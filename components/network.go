package components

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	awsec2 "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-awsx/sdk/v2/go/awsx/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// NAT gateway strategies accepted by NetworkArgs.NATGateways (awsx's names).
const (
	NATGatewaysSingle   = "Single"
	NATGatewaysOnePerAZ = "OnePerAz"
	NATGatewaysNone     = "None"
)

// NetworkArgs configures a Network. The zero value is a new DefaultVPCCIDR VPC over
// DefaultAvailabilityZones AZs with DefaultNATGateways, no VPC endpoints and no network ACLs.
type NetworkArgs struct {
	// CIDRBlock of a new VPC, /MinVPCPrefixBits to /MaxVPCPrefixBits. Default DefaultVPCCIDR.
	CIDRBlock string
	// NumberOfAvailabilityZones of a new VPC, 2 to 6. Default DefaultAvailabilityZones.
	NumberOfAvailabilityZones int
	// NATGateways is "Single" (DefaultNATGateways), "OnePerAz" or "None". None is only valid with
	// VPCEndpoints: tasks in private subnets must still reach ECR, S3 and CloudWatch Logs.
	NATGateways string
	// VPCEndpoints adds an S3 gateway endpoint on the private route tables and ECR api,
	// ECR dkr, CloudWatch Logs and SSM interface endpoints (private DNS) in the private
	// subnets, plus a Secrets Manager one when NATGateways is None (with a NAT gateway those
	// few secret reads cost less through NAT than one more endpoint per AZ). SSM is there in
	// both cases: the tasks read SSM parameters, and Security Hub control EC2.57 asks for it.
	VPCEndpoints bool
	// NetworkACLs adds stateless NACLs to the public and private subnets that admit
	// 80/443 to the public subnets, VPC-internal traffic, HTTPS out to the internet
	// and TCP ephemeral-port return traffic, and deny everything else.
	NetworkACLs bool
	// FlowLogRetentionDays keeps the new VPC's flow logs (all traffic, to a CloudWatch log
	// group) this many days. Default DefaultFlowLogRetentionDays. Ignored with ExistingVPCID.
	FlowLogRetentionDays int
	// ExistingVPCID uses an existing VPC instead of creating one. The subnet lists
	// below are then required (>= 2 each); CIDRBlock, NumberOfAvailabilityZones and
	// NATGateways describe a new VPC and are ignored, and VPCEndpoints and NetworkACLs
	// are refused (this stack does not own that VPC's route tables or subnets).
	ExistingVPCID            string
	ExistingPublicSubnetIDs  []string
	ExistingPrivateSubnetIDs []string
}

// Network is the VPC the service runs in: public subnets for the load balancer and
// NAT gateways, private subnets for the tasks.
type Network struct {
	pulumi.ResourceState

	VPCID            pulumi.StringOutput      `pulumi:"vpcId"`
	VPCCIDRBlock     pulumi.StringOutput      `pulumi:"vpcCidrBlock"`
	PublicSubnetIDs  pulumi.StringArrayOutput `pulumi:"publicSubnetIds"`
	PrivateSubnetIDs pulumi.StringArrayOutput `pulumi:"privateSubnetIds"`
}

func (a NetworkArgs) withDefaults() NetworkArgs {
	if a.CIDRBlock == "" {
		a.CIDRBlock = DefaultVPCCIDR
	}
	if a.NumberOfAvailabilityZones == 0 {
		a.NumberOfAvailabilityZones = DefaultAvailabilityZones
	}
	if a.NATGateways == "" {
		a.NATGateways = DefaultNATGateways
	}
	if a.FlowLogRetentionDays == 0 {
		a.FlowLogRetentionDays = DefaultFlowLogRetentionDays
	}
	return a
}

func (a NetworkArgs) validate() error {
	var errs []error
	if a.ExistingVPCID != "" {
		errs = append(errs, CheckVPCID(a.ExistingVPCID).For("ExistingVPCID"),
			validateSubnetIDs("ExistingPublicSubnetIDs", a.ExistingPublicSubnetIDs),
			validateSubnetIDs("ExistingPrivateSubnetIDs", a.ExistingPrivateSubnetIDs),
			CheckSubnetsDisjoint(a.ExistingPublicSubnetIDs, a.ExistingPrivateSubnetIDs).For("ExistingPublicSubnetIDs"),
			CheckExistingVPCOptions(a.VPCEndpoints, a.NetworkACLs).For("VPCEndpoints/NetworkACLs"))
		return errors.Join(errs...)
	}
	errs = append(errs,
		CheckSubnetsNeedVPC(a.ExistingVPCID, a.ExistingPublicSubnetIDs, a.ExistingPrivateSubnetIDs).For("ExistingVPCID"),
		CheckLogRetentionDays(a.FlowLogRetentionDays).For("FlowLogRetentionDays"),
		CheckVPCCIDR(a.CIDRBlock).For("CIDRBlock"),
		CheckAvailabilityZones(a.NumberOfAvailabilityZones).For("NumberOfAvailabilityZones"),
		CheckNATGateways(a.NATGateways, a.VPCEndpoints).For("NATGateways"),
	)
	return errors.Join(errs...)
}

// validateSubnetIDs reports every problem of one subnet list under its field.
func validateSubnetIDs(field string, ids []string) error {
	return joinFor(field, CheckSubnetIDs(ids))
}

// joinFor reports each of a list's problems under its field.
func joinFor(field string, problems []*SettingError) error {
	errs := make([]error, len(problems))
	for i, p := range problems {
		errs[i] = p.For(field)
	}
	return errors.Join(errs...)
}

// NewNetwork creates (or adopts) the VPC. Invalid args fail before anything is registered.
func NewNetwork(ctx *pulumi.Context, name string, args *NetworkArgs, opts ...pulumi.ResourceOption) (*Network, error) {
	if args == nil {
		args = &NetworkArgs{}
	}
	a := args.withDefaults()
	if err := a.validate(); err != nil {
		return nil, fmt.Errorf("network %q: %w", name, err)
	}
	comp := &Network{}
	if err := ctx.RegisterComponentResource("webstack:components:Network", name, comp, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(comp)
	if a.ExistingVPCID != "" {
		comp.VPCID = pulumi.String(a.ExistingVPCID).ToStringOutput()
		comp.VPCCIDRBlock = awsec2.LookupVpcOutput(ctx, awsec2.LookupVpcOutputArgs{Id: pulumi.String(a.ExistingVPCID)}, parent).CidrBlock()
		comp.PublicSubnetIDs = pulumi.ToStringArray(a.ExistingPublicSubnetIDs).ToStringArrayOutput()
		comp.PrivateSubnetIDs = pulumi.ToStringArray(a.ExistingPrivateSubnetIDs).ToStringArrayOutput()
	} else if err := comp.createVPC(ctx, name, a, parent); err != nil {
		return nil, err
	}
	if err := ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"vpcId":            comp.VPCID,
		"vpcCidrBlock":     comp.VPCCIDRBlock,
		"publicSubnetIds":  comp.PublicSubnetIDs,
		"privateSubnetIds": comp.PrivateSubnetIDs,
	}); err != nil {
		return nil, err
	}
	return comp, nil
}

func (n *Network) createVPC(ctx *pulumi.Context, name string, a NetworkArgs, parent pulumi.ResourceOrInvokeOption) error {
	azs, strategy := a.NumberOfAvailabilityZones, ec2.SubnetAllocationStrategyAuto
	v, err := ec2.NewVpc(ctx, name, &ec2.VpcArgs{
		CidrBlock:                 &a.CIDRBlock,
		NumberOfAvailabilityZones: &azs,
		// Interface endpoints with private DNS need DNS hostnames on.
		EnableDnsHostnames: pulumi.Bool(true),
		EnableDnsSupport:   pulumi.Bool(true),
		SubnetStrategy:     &strategy,
		SubnetSpecs: []ec2.SubnetSpecArgs{
			{Type: ec2.SubnetTypePublic},
			{Type: ec2.SubnetTypePrivate},
		},
		NatGateways: &ec2.NatGatewayConfigurationArgs{Strategy: ec2.NatGatewayStrategy(a.NATGateways)},
	}, parent, pulumi.Transforms([]pulumi.ResourceTransform{noPublicIPOnLaunch}))
	if err != nil {
		return err
	}
	n.VPCID = v.VpcId
	// Security Hub EC2.2: take over the VPC's default security group and leave it with no rules,
	// so nothing placed in it by default can talk to anything.
	if _, err := awsec2.NewDefaultSecurityGroup(ctx, name+"-default-sg", &awsec2.DefaultSecurityGroupArgs{
		VpcId: v.VpcId,
	}, parent); err != nil {
		return err
	}
	if err := newFlowLog(ctx, name, v.VpcId, a.FlowLogRetentionDays, parent); err != nil {
		return err
	}
	n.VPCCIDRBlock = pulumi.String(a.CIDRBlock).ToStringOutput()
	n.PublicSubnetIDs = v.PublicSubnetIds
	n.PrivateSubnetIDs = v.PrivateSubnetIds
	if a.VPCEndpoints {
		if err := n.createEndpoints(ctx, name, a, v, parent); err != nil {
			return err
		}
	}
	if a.NetworkACLs {
		return n.createNetworkACLs(ctx, name, a.CIDRBlock, parent)
	}
	return nil
}

// noPublicIPOnLaunch turns off mapPublicIpOnLaunch on the subnets the awsx VPC creates (awsx
// v2.22.0 awsx/ec2/vpc.ts sets it true on public subnets; Security Hub EC2.15 fails that). Nothing
// here needs it: the ALB and the NAT gateways get their public addresses from AWS, not from the
// subnet setting, and tasks and instances run in the private subnets.
func noPublicIPOnLaunch(_ context.Context, args *pulumi.ResourceTransformArgs) *pulumi.ResourceTransformResult {
	if args.Type != "aws:ec2/subnet:Subnet" {
		return nil
	}
	args.Props["mapPublicIpOnLaunch"] = pulumi.Bool(false)
	return &pulumi.ResourceTransformResult{Props: args.Props, Opts: args.Opts}
}

// privateRouteTableIDs picks the route tables associated with the private subnets.
// awsx does not wire endpoint specs to its own subnets (pulumi-awsx 1373), so we do.
func privateRouteTableIDs(v *ec2.Vpc) pulumi.StringArrayOutput {
	return pulumi.All(v.RouteTableAssociations, v.PrivateSubnetIds).ApplyT(func(all []any) pulumi.StringArrayOutput {
		assocs, private := all[0].([]*awsec2.RouteTableAssociation), all[1].([]string)
		pairs := make([]any, 0, len(assocs))
		for _, assoc := range assocs {
			pairs = append(pairs, pulumi.All(assoc.SubnetId, assoc.RouteTableId))
		}
		return pulumi.All(pairs...).ApplyT(func(pairs []any) []string {
			var ids []string
			for _, p := range pairs {
				pair := p.([]any)
				subnet, table := pair[0].(*string), pair[1].(string)
				if subnet != nil && slices.Contains(private, *subnet) && !slices.Contains(ids, table) {
					ids = append(ids, table)
				}
			}
			slices.Sort(ids) // a stable order: no diff when the associations arrive differently
			return ids
		}).(pulumi.StringArrayOutput)
	}).(pulumi.StringArrayOutput)
}

func (n *Network) createEndpoints(ctx *pulumi.Context, name string, a NetworkArgs, v *ec2.Vpc, parent pulumi.ResourceOrInvokeOption) error {
	region, err := aws.GetRegion(ctx, nil, parent)
	if err != nil {
		return fmt.Errorf("network %q: looking up the region for VPC endpoint names: %w", name, err)
	}
	service := func(s string) pulumi.String { return pulumi.String("com.amazonaws." + region.Name + "." + s) }
	if _, err := awsec2.NewVpcEndpoint(ctx, name+"-s3", &awsec2.VpcEndpointArgs{
		VpcId:           n.VPCID,
		ServiceName:     service("s3"),
		VpcEndpointType: pulumi.String("Gateway"),
		RouteTableIds:   privateRouteTableIDs(v),
	}, parent); err != nil {
		return err
	}
	sg, err := awsec2.NewSecurityGroup(ctx, name+"-endpoints", &awsec2.SecurityGroupArgs{
		VpcId:       n.VPCID,
		Description: pulumi.String("VPC interface endpoints: HTTPS from inside the VPC only"),
	}, parent)
	if err != nil {
		return err
	}
	if err := allowIngress(ctx, name+"-endpoints", sg.ID(), []string{a.CIDRBlock}, []int{443}, parent); err != nil {
		return err
	}
	services := []string{"ecr.api", "ecr.dkr", "logs", "ssm"}
	if a.NATGateways == NATGatewaysNone {
		services = append(services, "secretsmanager")
	}
	for _, s := range services {
		if _, err := awsec2.NewVpcEndpoint(ctx, name+"-"+strings.ReplaceAll(s, ".", "-"), &awsec2.VpcEndpointArgs{
			VpcId:             n.VPCID,
			ServiceName:       service(s),
			VpcEndpointType:   pulumi.String("Interface"),
			PrivateDnsEnabled: pulumi.Bool(true),
			SubnetIds:         n.PrivateSubnetIDs,
			SecurityGroupIds:  pulumi.StringArray{sg.ID()},
		}, parent); err != nil {
			return err
		}
	}
	return nil
}
