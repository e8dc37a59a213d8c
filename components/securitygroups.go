package components

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// newTaskSecurityGroup creates the tasks' security group and its rules (securityGroupRules).
func newTaskSecurityGroup(ctx *pulumi.Context, name string, a ServiceArgs, parent pulumi.ResourceOption) (*ec2.SecurityGroup, error) {
	sg, err := ec2.NewSecurityGroup(ctx, name+"-tasks", &ec2.SecurityGroupArgs{
		VpcId:       a.VPCID,
		Description: pulumi.String("ECS tasks: traffic from the load balancer only"),
	}, parent)
	if err != nil {
		return nil, err
	}
	if err := securityGroupRules(ctx, name, sg.ID(), a.LoadBalancerSecurityGroupID, a.ContainerPort, parent); err != nil {
		return nil, err
	}
	return sg, nil
}

// securityGroupRules: the tasks accept the container port from the load balancer only and reach
// out on 443 only (ECR, CloudWatch Logs, Secrets Manager/SSM, through NAT or VPC endpoints); the
// load balancer's only egress is the container port on the tasks.
func securityGroupRules(ctx *pulumi.Context, name string, taskSG pulumi.IDOutput, albSG pulumi.StringInput, port int, parent pulumi.ResourceOption) error {
	if _, err := vpc.NewSecurityGroupIngressRule(ctx, name+"-tasks-from-alb", &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId:           taskSG,
		ReferencedSecurityGroupId: albSG,
		IpProtocol:                pulumi.String("tcp"),
		FromPort:                  pulumi.Int(port),
		ToPort:                    pulumi.Int(port),
		Description:               pulumi.String("container port from the load balancer"),
	}, parent); err != nil {
		return err
	}
	if _, err := vpc.NewSecurityGroupEgressRule(ctx, name+"-tasks-https-out", &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId: taskSG,
		CidrIpv4:        pulumi.String("0.0.0.0/0"),
		IpProtocol:      pulumi.String("tcp"),
		FromPort:        pulumi.Int(443),
		ToPort:          pulumi.Int(443),
		Description:     pulumi.String("HTTPS to ECR, CloudWatch Logs and secrets"),
	}, parent); err != nil {
		return err
	}
	_, err := vpc.NewSecurityGroupEgressRule(ctx, name+"-alb-to-tasks", &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId:           albSG,
		ReferencedSecurityGroupId: taskSG,
		IpProtocol:                pulumi.String("tcp"),
		FromPort:                  pulumi.Int(port),
		ToPort:                    pulumi.Int(port),
		Description:               pulumi.String("load balancer to the container port of the tasks"),
	}, parent)
	return err
}
