package components

import (
	"maps"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The service's IAM roles: the execution role ECS uses to start the task (pull the image, write
// its logs, read its secrets) and the task role the application runs with.

// serviceRoles are the two roles of a task definition, and what the task must wait for.
type serviceRoles struct {
	execution, task *iam.Role
	taskDeps        []pulumi.Resource // the task role's policies
}

// newServiceRoles creates both roles and their inline policies.
func newServiceRoles(ctx *pulumi.Context, name string, acct account, a ServiceArgs, parent pulumi.ResourceOption) (serviceRoles, error) {
	trust, err := ecsTasksTrustPolicy(acct).JSON()
	if err != nil {
		return serviceRoles{}, err
	}
	execRole, err := iam.NewRole(ctx, name+"-execution", &iam.RoleArgs{
		Description:      pulumi.String("Lets ECS pull this service's image, write its logs and read its secrets"),
		AssumeRolePolicy: pulumi.String(trust),
	}, parent)
	if err != nil {
		return serviceRoles{}, err
	}
	execPolicy, err := executionPolicy(acct, a).JSON()
	if err != nil {
		return serviceRoles{}, err
	}
	if _, err := iam.NewRolePolicy(ctx, name+"-execution", &iam.RolePolicyArgs{
		Role:   execRole.ID(),
		Policy: pulumi.String(execPolicy),
	}, parent); err != nil {
		return serviceRoles{}, err
	}
	// The application itself calls no AWS API: its role is empty, except for the channels ECS Exec
	// needs when it is on.
	taskRole, err := iam.NewRole(ctx, name+"-task", &iam.RoleArgs{
		Description:      pulumi.String("The application's own AWS permissions (none)"),
		AssumeRolePolicy: pulumi.String(trust),
	}, parent)
	if err != nil {
		return serviceRoles{}, err
	}
	var taskDeps []pulumi.Resource
	if a.EnableExecuteCommand {
		execCmd, err := policy(statement{
			Effect:   "Allow",
			Action:   []string{"ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"},
			Resource: []string{"*"},
		}).JSON()
		if err != nil {
			return serviceRoles{}, err
		}
		p, err := iam.NewRolePolicy(ctx, name+"-exec-command", &iam.RolePolicyArgs{
			Role: taskRole.ID(), Policy: pulumi.String(execCmd),
		}, parent)
		if err != nil {
			return serviceRoles{}, err
		}
		taskDeps = append(taskDeps, p)
	}
	return serviceRoles{execution: execRole, task: taskRole, taskDeps: taskDeps}, nil
}

// ecsTasksTrustPolicy lets only ECS tasks of this account and region assume the role (the
// conditions stop the confused-deputy problem).
func ecsTasksTrustPolicy(acct account) policyDocument {
	return policy(statement{
		Effect:    "Allow",
		Principal: servicePrincipal("ecs-tasks.amazonaws.com"),
		Action:    []string{"sts:AssumeRole"},
		Condition: map[string]map[string]any{
			"ArnLike":      {"aws:SourceArn": acct.arn("ecs", "*")},
			"StringEquals": {"aws:SourceAccount": acct.ID},
		},
	})
}

// executionPolicy: pull this repository, write this log group, read these secrets; nothing else.
// ecr:GetAuthorizationToken has no resource-level permissions, so it alone takes "*".
func executionPolicy(acct account, a ServiceArgs) policyDocument {
	st := []statement{{
		Effect:   "Allow",
		Action:   []string{"logs:CreateLogStream", "logs:PutLogEvents"},
		Resource: []string{acct.arn("logs", "log-group:"+a.LogGroupName+":*")},
	}}
	if a.ImageRepositoryARN != "" {
		st = append(st,
			statement{Effect: "Allow", Action: []string{"ecr:GetAuthorizationToken"}, Resource: []string{"*"}},
			statement{Effect: "Allow", Action: []string{"ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"}, Resource: []string{a.ImageRepositoryARN}},
		)
	}
	var ssmARNs, smARNs []string
	for _, arn := range slices.Sorted(maps.Values(a.Secrets)) {
		if strings.Contains(arn, ":ssm:") {
			ssmARNs = append(ssmARNs, arn)
		} else {
			smARNs = append(smARNs, SecretResourceARN(arn))
		}
	}
	slices.Sort(smARNs)
	if len(ssmARNs) > 0 {
		st = append(st, statement{Effect: "Allow", Action: []string{"ssm:GetParameters"}, Resource: slices.Compact(ssmARNs)})
	}
	if len(smARNs) > 0 {
		st = append(st, statement{Effect: "Allow", Action: []string{"secretsmanager:GetSecretValue"}, Resource: slices.Compact(smARNs)})
	}
	// A secret under a customer managed key needs kms:Decrypt on that key (ECS developer guide,
	// "Required IAM permissions for Amazon ECS secrets"), and only through the secret's service.
	viaServices := map[string][]string{}
	for name, key := range a.SecretKMSKeys {
		service, region := secretService(a.Secrets[name])
		viaServices[key] = append(viaServices[key], service+"."+region+".amazonaws.com")
	}
	for _, key := range slices.Sorted(maps.Keys(viaServices)) {
		via := slices.Compact(slices.Sorted(slices.Values(viaServices[key])))
		st = append(st, statement{Effect: "Allow", Action: []string{"kms:Decrypt"}, Resource: []string{key},
			Condition: map[string]map[string]any{"StringEquals": {"kms:ViaService": via}}})
	}
	return policy(st...)
}
