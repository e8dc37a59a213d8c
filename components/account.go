package components

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// account is where the stack deploys. It comes from invokes, which resolve during preview, so
// names and ARNs built from it (image reference, log group ARN) are known when policies run.
type account struct {
	ID     string
	Region string
}

func lookupAccount(ctx *pulumi.Context, parent pulumi.Resource) (account, error) {
	id, err := aws.GetCallerIdentity(ctx, &aws.GetCallerIdentityArgs{}, pulumi.Parent(parent))
	if err != nil {
		return account{}, fmt.Errorf("looking up the AWS account: %w", err)
	}
	region, err := aws.GetRegion(ctx, &aws.GetRegionArgs{}, pulumi.Parent(parent))
	if err != nil {
		return account{}, fmt.Errorf("looking up the AWS region: %w", err)
	}
	return account{ID: id.AccountId, Region: region.Name}, nil
}

// arn builds an ARN in the standard partition.
func (a account) arn(service, resource string) string {
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, a.Region, a.ID, resource)
}
