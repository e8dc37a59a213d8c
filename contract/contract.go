// Package contract is the one home of what the Pulumi program promises the deploy command: the
// names of the stack outputs cmd/deploy (release.ParseOutputs) reads, and the values of two of
// them, the deployment strategy and the compute type. The program exports under these names
// (program.Run), components use the strategy values, and release reads them;
// TestStackOutputsRoundTrip (program/) runs the program and reads its outputs back through
// release.ParseOutputs.
package contract

// Strategy is the stack's deployment strategy: who moves traffic to a new task definition.
type Strategy string

const (
	// Rolling lets the ECS deployment controller replace tasks (circuit breaker + alarm rollback).
	Rolling Strategy = "rolling"
	// BlueGreen hands each release to a CodeDeploy deployment that shifts ALB traffic.
	BlueGreen Strategy = "blue-green"
)

// The compute types, as the stack config (computeType) and OutputComputeType name them.
const (
	ComputeFargate = "fargate"
	ComputeEC2     = "ec2"
)

// The stack outputs the deploy command reads. Every stack exports the first group; a blue-green
// stack also the second.
const (
	OutputURL                = "url"
	OutputClusterName        = "clusterName"
	OutputServiceName        = "serviceName"
	OutputContainerName      = "containerName"
	OutputContainerPort      = "containerPort"
	OutputDeploymentStrategy = "deploymentStrategy"
	OutputTaskDefinitionARN  = "taskDefinitionArn"
	OutputAlarmNames         = "alarmNames"
	// OutputReleaseTimeoutSeconds is the stack's budget for a release's rollout and verification.
	OutputReleaseTimeoutSeconds = "releaseTimeoutSeconds"
	// OutputComputeType is the stack's computeType ("fargate" or "ec2"): the deploy command
	// refuses to switch it on a live stack.
	OutputComputeType = "computeType"
	// OutputAvailabilityZones is the zone count of the VPC the stack creates (availabilityZones);
	// not exported by a stack with existingVpcId, whose subnets are the user's. The deploy command
	// refuses to change it on a live stack (release/edits.go).
	OutputAvailabilityZones = "vpcAvailabilityZones"

	OutputCodeDeployApplication = "codeDeployApplicationName"
	OutputCodeDeployGroup       = "codeDeployDeploymentGroupName"
	OutputTestListenerURL       = "testListenerUrl"
	// OutputServiceNetwork is {"subnets": [ids], "securityGroups": [ids], "assignPublicIp": bool}:
	// a CODE_DEPLOY service ignores these on `pulumi up`, so the next release's AppSpec carries them.
	OutputServiceNetwork = "serviceNetworkConfiguration"
	// OutputServicePlatformVersion is the Fargate platform version ("LATEST", "1.4.0"); absent on EC2.
	OutputServicePlatformVersion = "servicePlatformVersion"
	// OutputServiceCapacityProviders is [{"capacityProvider": name, "base": n, "weight": n}].
	OutputServiceCapacityProviders = "serviceCapacityProviderStrategy"
)
