package components

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	awsec2 "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// flowLogAggregationSeconds is how long VPC Flow Logs aggregates before writing a record: 600 (the
// longer of the two values AWS accepts, 60 or 600) keeps the CloudWatch cost per flow low.
const flowLogAggregationSeconds = 600

// newFlowLog records all of the VPC's traffic (accepted and rejected) to a CloudWatch log group
// that keeps it retentionDays (Security Hub EC2.6). Flow Logs writes through an IAM role it
// assumes; the role may write only to this group. Sources: VPC User Guide, "IAM role for
// publishing flow logs to CloudWatch Logs" (trust policy and the five logs actions).
func newFlowLog(ctx *pulumi.Context, name string, vpcID pulumi.StringInput, retentionDays int, parent pulumi.ResourceOrInvokeOption) error {
	group, err := cloudwatch.NewLogGroup(ctx, name+"-flow-logs", &cloudwatch.LogGroupArgs{
		RetentionInDays: pulumi.Int(retentionDays),
	}, parent)
	if err != nil {
		return err
	}
	trust, err := assumedBy("vpc-flow-logs.amazonaws.com").JSON()
	if err != nil {
		return err
	}
	role, err := iam.NewRole(ctx, name+"-flow-logs", &iam.RoleArgs{
		Description:      pulumi.String("Lets VPC Flow Logs write this VPC's flow records to its log group"),
		AssumeRolePolicy: pulumi.String(trust),
	}, parent)
	if err != nil {
		return err
	}
	policy, err := iam.NewRolePolicy(ctx, name+"-flow-logs", &iam.RolePolicyArgs{
		Role: role.ID(),
		Policy: group.Arn.ApplyT(func(arn string) (string, error) {
			return policy(
				statement{Effect: "Allow", Action: []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"},
					Resource: []string{arn, arn + ":*"}},
				// DescribeLogGroups takes no log group resource; it lists names only.
				statement{Effect: "Allow", Action: []string{"logs:DescribeLogGroups"}, Resource: []string{"*"}},
			).JSON()
		}).(pulumi.StringOutput),
	}, parent)
	if err != nil {
		return err
	}
	_, err = awsec2.NewFlowLog(ctx, name+"-flow-log", &awsec2.FlowLogArgs{
		VpcId:                  vpcID,
		TrafficType:            pulumi.String("ALL"),
		LogDestinationType:     pulumi.String("cloud-watch-logs"),
		LogDestination:         group.Arn,
		IamRoleArn:             role.Arn,
		MaxAggregationInterval: pulumi.Int(flowLogAggregationSeconds),
		// Flow Logs checks the role can write when the flow log is created.
	}, parent, pulumi.DependsOn([]pulumi.Resource{policy}))
	return err
}
