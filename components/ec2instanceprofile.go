package components

import (
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The EC2 instances' identity: an instance profile whose role EC2 alone may assume.

// newInstanceProfile creates the instances' role, assumable by EC2 only, with exactly the
// given managed policies.
func newInstanceProfile(ctx *pulumi.Context, name string, policyARNs []string, parent pulumi.ResourceOrInvokeOption) (*iam.InstanceProfile, error) {
	trust, err := assumedBy("ec2.amazonaws.com").JSON()
	if err != nil {
		return nil, err
	}
	role, err := iam.NewRole(ctx, name+"-instance", &iam.RoleArgs{
		Description:      pulumi.String("ECS container instances"),
		AssumeRolePolicy: pulumi.String(trust),
	}, parent)
	if err != nil {
		return nil, err
	}
	var attachments []pulumi.Resource
	for _, arn := range policyARNs {
		policy := arn[strings.LastIndex(arn, "/")+1:]
		attachment, err := iam.NewRolePolicyAttachment(ctx, name+"-"+policy, &iam.RolePolicyAttachmentArgs{
			Role:      role.Name,
			PolicyArn: pulumi.String(arn),
		}, parent)
		if err != nil {
			return nil, err
		}
		attachments = append(attachments, attachment)
	}
	// After the attachments, so the first instances can register with the cluster at once.
	return iam.NewInstanceProfile(ctx, name+"-instance", &iam.InstanceProfileArgs{Role: role.Name}, parent, pulumi.DependsOn(attachments))
}
