package components

import (
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// accessLogPrefix is where the ALB writes inside the access-log bucket; serverAccessLogPrefix is
// where S3 writes the access-log bucket's own server access logs, inside a second bucket.
const (
	accessLogPrefix       = "alb"
	serverAccessLogPrefix = "s3/"
)

// accessLogBucket creates the private, encrypted, expiring bucket the ALB logs to and
// returns it with the resources that must exist before the ALB writes to it. S3 records who reads
// or changes those logs (server access logging, Security Hub S3.9) in a second bucket of the same
// kind; that bucket logs nowhere, since logging it would need a third (docs/fsbp.md, S3.9).
func accessLogBucket(ctx *pulumi.Context, name string, a LoadBalancerArgs, parent pulumi.ResourceOption) (*s3.BucketV2, []pulumi.Resource, error) {
	bucket, block, encryption, err := privateLogBucket(ctx, name+"-logs", a, "expire-access-logs", parent)
	if err != nil {
		return nil, nil, err
	}
	policy, err := s3.NewBucketPolicy(ctx, name+"-logs", &s3.BucketPolicyArgs{
		Bucket: bucket.ID(),
		Policy: pulumi.All(bucket.Arn, bucket.Region).ApplyT(func(v []any) (string, error) {
			return accessLogBucketPolicy(v[0].(string), v[1].(string))
		}),
	}, parent, pulumi.DependsOn([]pulumi.Resource{block}))
	if err != nil {
		return nil, nil, err
	}

	target, targetBlock, _, err := privateLogBucket(ctx, name+"-logs-access", a, "expire-server-access-logs", parent)
	if err != nil {
		return nil, nil, err
	}
	targetPolicy, err := s3.NewBucketPolicy(ctx, name+"-logs-access", &s3.BucketPolicyArgs{
		Bucket: target.ID(),
		Policy: pulumi.All(target.Arn, bucket.Arn).ApplyT(func(v []any) (string, error) {
			return serverAccessLogBucketPolicy(v[0].(string), v[1].(string))
		}),
	}, parent, pulumi.DependsOn([]pulumi.Resource{targetBlock}))
	if err != nil {
		return nil, nil, err
	}
	if _, err := s3.NewBucketLoggingV2(ctx, name+"-logs", &s3.BucketLoggingV2Args{
		Bucket:       bucket.ID(),
		TargetBucket: target.ID(),
		TargetPrefix: pulumi.String(serverAccessLogPrefix),
	}, parent, pulumi.DependsOn([]pulumi.Resource{targetPolicy})); err != nil {
		return nil, nil, err
	}
	return bucket, []pulumi.Resource{policy, encryption}, nil
}

// privateLogBucket is a log bucket: owner-enforced objects (no ACLs), all public access blocked,
// SSE-S3 (ALB access logs support SSE-S3 only, not SSE-KMS), objects expiring after
// AccessLogsRetentionDays. It returns the bucket, its public access block and its encryption.
func privateLogBucket(ctx *pulumi.Context, name string, a LoadBalancerArgs, ruleID string, parent pulumi.ResourceOption) (*s3.BucketV2, pulumi.Resource, pulumi.Resource, error) {
	bucket, err := s3.NewBucketV2(ctx, name, &s3.BucketV2Args{
		// Without deletion protection (dev) the stack can be torn down with its logs.
		ForceDestroy: pulumi.Bool(!a.DeletionProtection),
	}, parent)
	if err != nil {
		return nil, nil, nil, err
	}
	if _, err := s3.NewBucketOwnershipControls(ctx, name, &s3.BucketOwnershipControlsArgs{
		Bucket: bucket.ID(),
		Rule:   s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, parent); err != nil {
		return nil, nil, nil, err
	}
	block, err := s3.NewBucketPublicAccessBlock(ctx, name, &s3.BucketPublicAccessBlockArgs{
		Bucket:                bucket.ID(),
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, parent)
	if err != nil {
		return nil, nil, nil, err
	}
	encryption, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, name, &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
				SseAlgorithm: pulumi.String("AES256"),
			},
		}},
	}, parent)
	if err != nil {
		return nil, nil, nil, err
	}
	if _, err := s3.NewBucketLifecycleConfigurationV2(ctx, name, &s3.BucketLifecycleConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketLifecycleConfigurationV2RuleArray{s3.BucketLifecycleConfigurationV2RuleArgs{
			Id:         pulumi.String(ruleID),
			Status:     pulumi.String("Enabled"),
			Filter:     s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
			Expiration: s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(a.AccessLogsRetentionDays)},
			AbortIncompleteMultipartUpload: s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{
				DaysAfterInitiation: pulumi.Int(1),
			},
		}},
	}, parent); err != nil {
		return nil, nil, nil, err
	}
	return bucket, block, encryption, nil
}

// serverAccessLogBucketPolicy lets the S3 logging service write the source bucket's server access
// logs under serverAccessLogPrefix, and refuses requests made without TLS. With BucketOwnerEnforced
// a bucket policy (not the log-delivery ACL) is how the permission is given. Source: S3 User
// Guide, "Permissions for log delivery" (principal logging.s3.amazonaws.com, aws:SourceArn).
func serverAccessLogBucketPolicy(targetARN, sourceARN string) (string, error) {
	return policy(
		statement{
			Sid:       "AllowS3ServerAccessLogDelivery",
			Effect:    "Allow",
			Principal: servicePrincipal("logging.s3.amazonaws.com"),
			Action:    []string{"s3:PutObject"},
			Resource:  []string{targetARN + "/" + serverAccessLogPrefix + "*"},
			Condition: map[string]map[string]any{"ArnLike": {"aws:SourceArn": sourceARN}},
		},
		denyInsecureTransport(targetARN),
	).JSON()
}

// denyInsecureTransport refuses any request to the bucket made without TLS (Security Hub S3.5).
func denyInsecureTransport(bucketARN string) statement {
	return statement{
		Sid:       "DenyInsecureTransport",
		Effect:    "Deny",
		Principal: "*",
		Action:    []string{"s3:*"},
		Resource:  []string{bucketARN, bucketARN + "/*"},
		Condition: map[string]map[string]any{"Bool": {"aws:SecureTransport": "false"}},
	}
}

// elbLogDeliveryAccounts are the ELB accounts that deliver access logs in the regions
// opened before August 2022; there AWS documents the account as the bucket policy
// principal, elsewhere the logdelivery.elasticloadbalancing.amazonaws.com service.
// Source: ELB user guide, "Enable access logs for your Application Load Balancer".
var elbLogDeliveryAccounts = map[string]string{
	"us-east-1": "127311923021", "us-east-2": "033677994240", "us-west-1": "027434742980", "us-west-2": "797873946194",
	"af-south-1": "098369216593", "ap-east-1": "754344448648", "ap-south-1": "718504428378",
	"ap-northeast-1": "582318560864", "ap-northeast-2": "600734575887", "ap-northeast-3": "383597477331",
	"ap-southeast-1": "114774131450", "ap-southeast-2": "783225319266", "ap-southeast-3": "589379963580",
	"ca-central-1": "985666609251", "eu-central-1": "054676820928", "eu-west-1": "156460612806",
	"eu-west-2": "652711504416", "eu-west-3": "009996457667", "eu-south-1": "635631232127",
	"eu-north-1": "897822967062", "me-south-1": "076674570225", "sa-east-1": "507241528517",
	"us-gov-west-1": "048591011584", "us-gov-east-1": "190560391635",
	"cn-north-1": "638102146993", "cn-northwest-1": "037604701340",
}

// accessLogBucketPolicy lets ELB log delivery write under the log prefix and refuses
// any request made without TLS. The bucket's region (an output, so no invoke) picks
// the principal; its ARN gives the partition.
func accessLogBucketPolicy(bucketARN, region string) (string, error) {
	principal := servicePrincipal("logdelivery.elasticloadbalancing.amazonaws.com")
	if account, ok := elbLogDeliveryAccounts[region]; ok {
		partition := strings.Split(bucketARN, ":")[1]
		principal = map[string]string{"AWS": "arn:" + partition + ":iam::" + account + ":root"}
	}
	return policy(
		statement{
			Sid:       "AllowElbLogDelivery",
			Effect:    "Allow",
			Principal: principal,
			Action:    []string{"s3:PutObject"},
			Resource:  []string{bucketARN + "/" + accessLogPrefix + "/AWSLogs/*"},
		},
		denyInsecureTransport(bucketARN),
	).JSON()
}
