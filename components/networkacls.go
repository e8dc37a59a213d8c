package components

import (
	"fmt"

	awsec2 "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Traffic rules of the network: security group ingress per CIDR and port, and the stateless
// network ACLs of a new VPC.

// allowIngress admits TCP on each port from each CIDR, one rule resource per pair so
// other components can add rules to the same group without fighting inline rules.
func allowIngress(ctx *pulumi.Context, name string, securityGroupID pulumi.StringInput, cidrs []string, ports []int, parent pulumi.ResourceOrInvokeOption) error {
	for _, port := range ports {
		for i, cidr := range cidrs {
			if _, err := vpc.NewSecurityGroupIngressRule(ctx, fmt.Sprintf("%s-%d-%d", name, port, i), &vpc.SecurityGroupIngressRuleArgs{
				SecurityGroupId: securityGroupID,
				IpProtocol:      pulumi.String("tcp"),
				FromPort:        pulumi.Int(port),
				ToPort:          pulumi.Int(port),
				CidrIpv4:        pulumi.String(cidr),
			}, parent); err != nil {
				return err
			}
		}
	}
	return nil
}

// naclRule allows one protocol/port range to or from one CIDR. NACLs are stateless,
// so every flow needs its request and its reply allowed in both subnets' lists.
type naclRule struct {
	protocol string // "tcp", or "-1" for all traffic
	from, to int
	cidr     string
}

const (
	anywhere       = "0.0.0.0/0"
	ephemeralFirst = 1024
	ephemeralLast  = 65535
	// rdpPort is left out of the ephemeral range admitted from the internet: Security Hub EC2.21
	// fails any NACL entry from 0.0.0.0/0 whose range covers 22 or 3389, whatever comes before
	// it (awsdocs/aws-config-developer-guide issue 25). 22 is below the range already.
	rdpPort = 3389
)

func (n *Network) createNetworkACLs(ctx *pulumi.Context, name, vpcCIDR string, parent pulumi.ResourceOrInvokeOption) error {
	internal := naclRule{"-1", 0, 0, vpcCIDR}
	// Return traffic from the internet on ephemeral ports, in two entries around 3389. Replies to
	// a NAT gateway connection that happened to use source port 3389 are dropped (NAT gateways
	// use 1024-65535); the client's retry takes another port. Tasks' own ports (Linux
	// 32768-60999) are not affected. docs/fsbp.md has the trade-off.
	ephemeralLow := naclRule{"tcp", ephemeralFirst, rdpPort - 1, anywhere}
	ephemeralHigh := naclRule{"tcp", rdpPort + 1, ephemeralLast, anywhere}
	// Going out, the ephemeral ports are the internet clients' and are not an EC2.21 matter
	// (it checks ingress only), so one entry stays.
	ephemeralOut := naclRule{"tcp", ephemeralFirst, ephemeralLast, anywhere}
	httpsOut := naclRule{"tcp", 443, 443, anywhere}
	lists := []struct {
		suffix          string
		subnets         pulumi.StringArrayOutput
		ingress, egress []naclRule
	}{
		// Public: clients reach the ALB on 80/443; NAT gateways forward the private
		// subnets' HTTPS out and receive the replies on ephemeral ports.
		{"public", n.PublicSubnetIDs,
			[]naclRule{{"tcp", 80, 80, anywhere}, {"tcp", 443, 443, anywhere}, ephemeralLow, internal, ephemeralHigh},
			[]naclRule{ephemeralOut, httpsOut, internal}},
		// Private: tasks take traffic from the ALB and endpoints inside the VPC, and
		// their outbound HTTPS (via NAT or the S3 gateway) gets replies on ephemeral ports.
		{"private", n.PrivateSubnetIDs,
			[]naclRule{internal, ephemeralLow, ephemeralHigh},
			[]naclRule{internal, httpsOut}},
	}
	for _, l := range lists {
		var ingress awsec2.NetworkAclIngressArray
		for i, r := range l.ingress {
			ingress = append(ingress, naclEntry(i, r))
		}
		var egress awsec2.NetworkAclEgressArray
		for i, r := range l.egress {
			egress = append(egress, awsec2.NetworkAclEgressArgs(naclEntry(i, r)))
		}
		if _, err := awsec2.NewNetworkAcl(ctx, name+"-"+l.suffix, &awsec2.NetworkAclArgs{
			VpcId:     n.VPCID,
			SubnetIds: l.subnets,
			Ingress:   ingress,
			Egress:    egress,
		}, parent); err != nil {
			return err
		}
	}
	return nil
}

// naclEntry numbers rules 100, 110, ... in list order. Egress entries have the same
// shape and are converted from it.
func naclEntry(i int, r naclRule) awsec2.NetworkAclIngressArgs {
	return awsec2.NetworkAclIngressArgs{RuleNo: pulumi.Int(100 + 10*i), Action: pulumi.String("allow"),
		Protocol: pulumi.String(r.protocol), FromPort: pulumi.Int(r.from), ToPort: pulumi.Int(r.to), CidrBlock: pulumi.String(r.cidr)}
}
