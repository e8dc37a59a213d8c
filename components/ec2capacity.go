package components

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/autoscaling"
	awsec2 "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ec2CapacityType is the component's type token. It keeps the spelling it had before the Go type
// became EC2Capacity: it is part of the URN of the component and of every child in existing
// stacks, so changing it would replace the instances, the Auto Scaling group and the capacity
// provider on the next up.
const ec2CapacityType = "webstack:components:Ec2Capacity"

// Public SSM parameters holding the latest ECS-optimized Amazon Linux 2023 AMI id, per CPU
// architecture.
const (
	ECSAMIParameterX86   = "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"
	ECSAMIParameterArm64 = "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id"
)

// Launch timing shared by the group's health checks, ECS managed scaling and instance refresh:
// an instance must boot, start the agent and register before it is judged or counted; 300 s is
// the AWS default for both the grace period and the warmup.
const ec2InstanceWarmupSeconds = 300

// EC2CapacityArgs configures an EC2Capacity. Zero values take the defaults documented per field.
type EC2CapacityArgs struct {
	// ClusterName is the ECS cluster the instances join. Required.
	ClusterName pulumi.StringInput
	// VPCID is the VPC of the instances' security group. Required.
	VPCID pulumi.StringInput
	// SubnetIDs are the private subnets of the Auto Scaling group, in at least 2 AZs. Required;
	// the count is checked here when given as a plain pulumi.StringArray (outputs of the Network
	// component already guarantee >= 2).
	SubnetIDs pulumi.StringArrayInput
	// InstanceTypes the group may launch, in priority order, all of one CPU architecture and
	// best of similar size (ECS managed scaling assumes interchangeable instances).
	// Default ["t3.medium"]. Graviton types (t4g, m7g, ...) select the arm64 AMI.
	InstanceTypes []string
	// MinInstances, CheckMinInstances (the instances span AZs). Default DefaultMinInstances.
	MinInstances int
	// MaxInstances, CheckMaxInstances. Default DefaultMaxInstances(MinInstances).
	MaxInstances int
	// TargetCapacityPercent is ECS managed scaling's target utilization of the group, 1..100.
	// 100 runs instances full; lower keeps spare room so new tasks start without waiting for an
	// instance. Default 100.
	TargetCapacityPercent int
	// SpotInstancePercent is the share of Spot instances, 0..100 (capacity-optimized allocation;
	// instances get ECS Spot draining). Default 0: all On-Demand.
	SpotInstancePercent int
	// RootVolumeSizeGiB of the encrypted gp3 root volume, MinRootVolumeSizeGiB..MaxRootVolumeSizeGiB.
	// Default 30.
	RootVolumeSizeGiB int
	// AMIParameterName is the SSM parameter EC2 resolves to the AMI id at each launch. Default
	// ECSAMIParameterX86 or ECSAMIParameterArm64 by the instance types' architecture. A custom AMI
	// must use /dev/xvda as its root device, as Amazon Linux does.
	AMIParameterName string
	// ContainerStopTimeoutSeconds is the agent's default grace between SIGTERM and SIGKILL for
	// containers without their own stopTimeout; give the task definition's stopTimeout here.
	// 2..120 (Spot gives two minutes' notice). Default 30 (the ECS default).
	ContainerStopTimeoutSeconds int
	// SessionManagerAccess also attaches AmazonSSMManagedInstanceCore so operators can open
	// Session Manager shells (the instances accept no inbound traffic). Default false.
	SessionManagerAccess bool
	// Name is the capacity provider's physical name (1-255 letters, digits, - and _; not starting
	// with aws, ecs or fargate). Default: Pulumi names it from the component name. A fixed name is
	// known during preview, so policies can tell a service on it from a Fargate service.
	Name string
	// AdditionalCapacityProviders are other providers the cluster keeps, such as "FARGATE" or
	// "FARGATE_SPOT": this component owns the cluster's capacity provider list, so any provider
	// a service names must be listed here.
	AdditionalCapacityProviders []string
}

// EC2Capacity is EC2 capacity for an ECS cluster: a launch template, an Auto Scaling group
// across the private subnets and an ECS capacity provider with managed scaling, set as the
// cluster's default capacity provider strategy.
type EC2Capacity struct {
	pulumi.ResourceState

	// CapacityProviderName is read from the cluster association, so a service that names it is
	// created after the association; it is known during preview when the provider's name is.
	CapacityProviderName pulumi.StringOutput `pulumi:"capacityProviderName"`
	AutoScalingGroupName pulumi.StringOutput `pulumi:"autoScalingGroupName"`
	AutoScalingGroupARN  pulumi.StringOutput `pulumi:"autoScalingGroupArn"`
	LaunchTemplateID     pulumi.StringOutput `pulumi:"launchTemplateId"`
	SecurityGroupID      pulumi.StringOutput `pulumi:"securityGroupId"`
}

// EC2PlacementStrategies is the placement for a service on EC2 capacity: spread tasks across
// Availability Zones first (a zone outage takes at most its share), then pack each zone's
// instances by memory so managed scaling can empty and remove spare instances. Pass it as the
// service's OrderedPlacementStrategies.
func EC2PlacementStrategies() ecs.ServiceOrderedPlacementStrategyArray {
	return ecs.ServiceOrderedPlacementStrategyArray{
		ecs.ServiceOrderedPlacementStrategyArgs{Type: pulumi.String("spread"), Field: pulumi.String("attribute:ecs.availability-zone")},
		ecs.ServiceOrderedPlacementStrategyArgs{Type: pulumi.String("binpack"), Field: pulumi.String("memory")},
	}
}

// ServiceCapacityProviderStrategies is the strategy for a service running on this capacity.
// Naming the provider explicitly (rather than relying on the cluster default) keeps the service
// on it if the cluster default changes; the service must not also set a launch type.
func (c *EC2Capacity) ServiceCapacityProviderStrategies() ecs.ServiceCapacityProviderStrategyArray {
	return ecs.ServiceCapacityProviderStrategyArray{
		ecs.ServiceCapacityProviderStrategyArgs{CapacityProvider: c.CapacityProviderName, Weight: pulumi.Int(1)},
	}
}

// ec2UserData is the instances' boot script (base64, as launch templates take it): the agent
// settings are written to /etc/ecs/ecs.config before the agent starts.
func ec2UserData(clusterName string, stopTimeoutSeconds int, spot bool) string {
	settings := []string{
		"ECS_CLUSTER=" + clusterName,
		"ECS_ENABLE_TASK_IAM_ROLE=true",
		// awsvpc tasks have their own network namespace; the agent blocks their route to IMDS
		// so a task cannot read the instance role's credentials (task roles come from the
		// agent's credential endpoint instead).
		"ECS_AWSVPC_BLOCK_IMDS=true",
		fmt.Sprintf("ECS_CONTAINER_STOP_TIMEOUT=%ds", stopTimeoutSeconds),
	}
	if spot {
		// Drain the instance on the two-minute Spot interruption notice.
		settings = append(settings, "ECS_ENABLE_SPOT_INSTANCE_DRAINING=true")
	}
	script := "#!/bin/bash\ncat >> /etc/ecs/ecs.config <<'EOF'\n" + strings.Join(settings, "\n") + "\nEOF\n"
	return base64.StdEncoding.EncodeToString([]byte(script))
}

// ec2InstancePolicies are the managed policies of the instance role: the ECS container
// instance permissions, plus Session Manager when asked for.
func ec2InstancePolicies(sessionManagerAccess bool) []string {
	policies := []string{string(iam.ManagedPolicyAmazonEC2ContainerServiceforEC2Role)}
	if sessionManagerAccess {
		policies = append(policies, string(iam.ManagedPolicyAmazonSSMManagedInstanceCore))
	}
	return policies
}

// NewEC2Capacity creates the launch template, Auto Scaling group and ECS capacity provider, and
// makes the provider the cluster's default strategy.
func NewEC2Capacity(ctx *pulumi.Context, name string, args *EC2CapacityArgs, opts ...pulumi.ResourceOption) (*EC2Capacity, error) {
	if args == nil {
		args = &EC2CapacityArgs{}
	}
	a := args.withDefaults()
	if err := errors.Join(a.wiring(), a.validate(name)); err != nil {
		return nil, fmt.Errorf("EC2Capacity %s: %w", name, err)
	}
	c := &EC2Capacity{}
	if err := ctx.RegisterComponentResource(ec2CapacityType, name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)

	// No ingress: awsvpc tasks receive traffic on their own ENIs and security groups. The host
	// only calls AWS APIs over HTTPS (ECS, ECR and S3 image layers, CloudWatch Logs, SSM); DNS
	// and the time service are link-local and not filtered by security groups.
	sg, err := awsec2.NewSecurityGroup(ctx, name+"-instances", &awsec2.SecurityGroupArgs{
		VpcId:       a.VPCID,
		Description: pulumi.String("ECS container instances: no inbound, HTTPS out"),
		// Explicitly empty: the provider then also removes ingress rules added out of band.
		Ingress: awsec2.SecurityGroupIngressArray{},
		Egress: awsec2.SecurityGroupEgressArray{awsec2.SecurityGroupEgressArgs{
			Description: pulumi.String("HTTPS to AWS APIs"),
			Protocol:    pulumi.String("tcp"),
			FromPort:    pulumi.Int(443),
			ToPort:      pulumi.Int(443),
			CidrBlocks:  pulumi.StringArray{pulumi.String("0.0.0.0/0")},
		}},
		Tags: pulumi.StringMap{"Name": pulumi.String(name + "-instances")},
	}, parent)
	if err != nil {
		return nil, err
	}

	profile, err := newInstanceProfile(ctx, name, ec2InstancePolicies(a.SessionManagerAccess), parent)
	if err != nil {
		return nil, err
	}

	userData := a.ClusterName.ToStringOutput().ApplyT(func(cluster string) string {
		return ec2UserData(cluster, a.ContainerStopTimeoutSeconds, a.SpotInstancePercent > 0)
	}).(pulumi.StringOutput)
	nameTags := pulumi.StringMap{"Name": pulumi.String(name)}
	var tagSpecs awsec2.LaunchTemplateTagSpecificationArray
	for _, rt := range []string{"instance", "volume", "network-interface"} {
		tagSpecs = append(tagSpecs, awsec2.LaunchTemplateTagSpecificationArgs{ResourceType: pulumi.String(rt), Tags: nameTags})
	}
	lt, err := awsec2.NewLaunchTemplate(ctx, name, &awsec2.LaunchTemplateArgs{
		Description: pulumi.String("ECS container instances"),
		// EC2 resolves the public parameter at each launch: no lookup at deploy time, and every
		// new instance (scale-out, refresh, rebalance) starts on the latest ECS AMI.
		ImageId:            pulumi.String("resolve:ssm:" + a.AMIParameterName),
		IamInstanceProfile: awsec2.LaunchTemplateIamInstanceProfileArgs{Arn: profile.Arn},
		// IMDSv2 only. Hop limit 1: a token response cannot cross the extra hop into a container
		// network (bridge or docker build), while the agent, which runs in the host's network
		// namespace, still reaches IMDS; awsvpc tasks are cut off by ECS_AWSVPC_BLOCK_IMDS.
		MetadataOptions: awsec2.LaunchTemplateMetadataOptionsArgs{
			HttpEndpoint:            pulumi.String("enabled"),
			HttpTokens:              pulumi.String("required"),
			HttpPutResponseHopLimit: pulumi.Int(1),
		},
		NetworkInterfaces: awsec2.LaunchTemplateNetworkInterfaceArray{awsec2.LaunchTemplateNetworkInterfaceArgs{
			DeviceIndex:              pulumi.Int(0),
			AssociatePublicIpAddress: pulumi.String("false"),
			DeleteOnTermination:      pulumi.String("true"),
			SecurityGroups:           pulumi.StringArray{sg.ID()},
		}},
		BlockDeviceMappings: awsec2.LaunchTemplateBlockDeviceMappingArray{awsec2.LaunchTemplateBlockDeviceMappingArgs{
			DeviceName: pulumi.String("/dev/xvda"),
			Ebs: awsec2.LaunchTemplateBlockDeviceMappingEbsArgs{
				VolumeSize:          pulumi.Int(a.RootVolumeSizeGiB),
				VolumeType:          pulumi.String("gp3"),
				Encrypted:           pulumi.String("true"),
				DeleteOnTermination: pulumi.String("true"),
			},
		}},
		Monitoring:           awsec2.LaunchTemplateMonitoringArgs{Enabled: pulumi.Bool(true)},
		UserData:             userData,
		UpdateDefaultVersion: pulumi.Bool(true),
		TagSpecifications:    tagSpecs,
	}, parent)
	if err != nil {
		return nil, err
	}

	var overrides autoscaling.GroupMixedInstancesPolicyLaunchTemplateOverrideArray
	for _, t := range a.InstanceTypes {
		overrides = append(overrides, autoscaling.GroupMixedInstancesPolicyLaunchTemplateOverrideArgs{InstanceType: pulumi.String(t)})
	}
	asg, err := autoscaling.NewGroup(ctx, name, &autoscaling.GroupArgs{
		VpcZoneIdentifiers: a.SubnetIDs,
		MinSize:            pulumi.Int(a.MinInstances),
		MaxSize:            pulumi.Int(a.MaxInstances),
		// The initial size only: ECS managed scaling owns it afterwards (ignoreChanges below).
		DesiredCapacity:        pulumi.Int(a.MinInstances),
		HealthCheckType:        pulumi.String("EC2"),
		HealthCheckGracePeriod: pulumi.Int(ec2InstanceWarmupSeconds),
		// Replace Spot instances on a rebalance recommendation, before the interruption.
		CapacityRebalance: pulumi.Bool(true),
		// Managed termination protection: ECS lifts the protection only from instances
		// without running tasks, so scale-in never kills a task.
		ProtectFromScaleIn: pulumi.Bool(true),
		// One mixed instances policy serves On-Demand only, Spot, and several instance types.
		MixedInstancesPolicy: autoscaling.GroupMixedInstancesPolicyArgs{
			InstancesDistribution: autoscaling.GroupMixedInstancesPolicyInstancesDistributionArgs{
				OnDemandBaseCapacity:                pulumi.Int(0),
				OnDemandPercentageAboveBaseCapacity: pulumi.Int(100 - a.SpotInstancePercent),
				OnDemandAllocationStrategy:          pulumi.String("prioritized"),
				SpotAllocationStrategy:              pulumi.String("capacity-optimized"),
			},
			LaunchTemplate: autoscaling.GroupMixedInstancesPolicyLaunchTemplateArgs{
				LaunchTemplateSpecification: autoscaling.GroupMixedInstancesPolicyLaunchTemplateLaunchTemplateSpecificationArgs{
					LaunchTemplateId: lt.ID(),
					// A concrete version (not $Latest) so each template change is a group
					// change, which starts the instance refresh.
					Version: lt.LatestVersion.ApplyT(strconv.Itoa).(pulumi.StringOutput),
				},
				Overrides: overrides,
			},
		},
		InstanceRefresh: autoscaling.GroupInstanceRefreshArgs{
			Strategy: pulumi.String("Rolling"),
			Preferences: autoscaling.GroupInstanceRefreshPreferencesArgs{
				// 90..150 %: with few instances, replacements launch before old ones stop.
				MinHealthyPercentage: pulumi.Int(90),
				MaxHealthyPercentage: pulumi.Int(150),
				// Every instance is scale-in protected; the default ("Wait") would stall the
				// refresh for an hour and fail. ECS managed draining moves tasks off first.
				ScaleInProtectedInstances: pulumi.String("Refresh"),
			},
		},
		Tags: autoscaling.GroupTagArray{
			// ECS adds this tag when managed scaling is on; declaring it avoids a diff.
			autoscaling.GroupTagArgs{Key: pulumi.String("AmazonECSManaged"), Value: pulumi.String("true"), PropagateAtLaunch: pulumi.Bool(true)},
			autoscaling.GroupTagArgs{Key: pulumi.String("Name"), Value: pulumi.String(name), PropagateAtLaunch: pulumi.Bool(true)},
		},
	}, parent, pulumi.IgnoreChanges([]string{"desiredCapacity"}))
	if err != nil {
		return nil, err
	}

	provider, err := ecs.NewCapacityProvider(ctx, name, &ecs.CapacityProviderArgs{
		Name: optionalName(a.Name),
		AutoScalingGroupProvider: ecs.CapacityProviderAutoScalingGroupProviderArgs{
			AutoScalingGroupArn:          asg.Arn,
			ManagedTerminationProtection: pulumi.String("ENABLED"),
			ManagedDraining:              pulumi.String("ENABLED"),
			ManagedScaling: ecs.CapacityProviderAutoScalingGroupProviderManagedScalingArgs{
				Status:                 pulumi.String("ENABLED"),
				TargetCapacity:         pulumi.Int(a.TargetCapacityPercent),
				MinimumScalingStepSize: pulumi.Int(1),
				// One step may go all the way to the group's maximum (ECS caps a step at 10000):
				// a burst of pending tasks gets its instances at once.
				MaximumScalingStepSize: pulumi.Int(min(a.MaxInstances, 10000)),
				InstanceWarmupPeriod:   pulumi.Int(ec2InstanceWarmupSeconds),
			},
		},
	}, parent, createFirst)
	if err != nil {
		return nil, err
	}

	providers := pulumi.StringArray{provider.Name}
	for _, p := range a.AdditionalCapacityProviders {
		providers = append(providers, pulumi.String(p))
	}
	association, err := ecs.NewClusterCapacityProviders(ctx, name, &ecs.ClusterCapacityProvidersArgs{
		ClusterName:       a.ClusterName,
		CapacityProviders: providers,
		DefaultCapacityProviderStrategies: ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArray{
			ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArgs{CapacityProvider: provider.Name, Weight: pulumi.Int(1)},
		},
	}, parent)
	if err != nil {
		return nil, err
	}

	// The association's own input, not its id (unknown until it exists): the dependency on the
	// association without hiding a known name from preview.
	c.CapacityProviderName = association.CapacityProviders.Index(pulumi.Int(0))
	c.AutoScalingGroupName = asg.Name
	c.AutoScalingGroupARN = asg.Arn
	c.LaunchTemplateID = lt.ID().ToStringOutput()
	c.SecurityGroupID = sg.ID().ToStringOutput()
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"capacityProviderName": c.CapacityProviderName,
		"autoScalingGroupName": c.AutoScalingGroupName,
		"autoScalingGroupArn":  c.AutoScalingGroupARN,
		"launchTemplateId":     c.LaunchTemplateID,
		"securityGroupId":      c.SecurityGroupID,
	}); err != nil {
		return nil, err
	}
	return c, nil
}
