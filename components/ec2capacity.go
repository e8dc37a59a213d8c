package components

import (
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/autoscaling"
	awsec2 "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Public SSM parameters holding the latest ECS-optimized Amazon Linux 2023 AMI id, per CPU
// architecture.
const (
	EcsAmiParameterX86   = "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"
	EcsAmiParameterArm64 = "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id"
)

// Launch timing shared by the group's health checks, ECS managed scaling and instance refresh:
// an instance must boot, start the agent and register before it is judged or counted; 300 s is
// the AWS default for both the grace period and the warmup.
const ec2InstanceWarmupSeconds = 300

// Ec2CapacityArgs configures an Ec2Capacity. Zero values take the defaults documented per field.
type Ec2CapacityArgs struct {
	// ClusterName is the ECS cluster the instances join. Required.
	ClusterName pulumi.StringInput
	// VpcID is the VPC of the instances' security group. Required.
	VpcID pulumi.StringInput
	// SubnetIDs are the private subnets of the Auto Scaling group, in at least 2 AZs. Required;
	// the count is checked here when given as a plain pulumi.StringArray (outputs of the Network
	// component already guarantee >= 2).
	SubnetIDs pulumi.StringArrayInput
	// InstanceTypes the group may launch, in priority order, all of one CPU architecture and
	// best of similar size (ECS managed scaling assumes interchangeable instances).
	// Default ["t3.medium"]. Graviton types (t4g, m7g, ...) select the arm64 AMI.
	InstanceTypes []string
	// MinInstances, >= 2 so the instances span AZs. Default 2.
	MinInstances int
	// MaxInstances, >= MinInstances. Default 2 x MinInstances.
	MaxInstances int
	// TargetCapacityPercent is ECS managed scaling's target utilization of the group, 1..100.
	// 100 runs instances full; lower keeps spare room so new tasks start without waiting for an
	// instance. Default 100.
	TargetCapacityPercent int
	// SpotInstancePercent is the share of Spot instances, 0..100 (capacity-optimized allocation;
	// instances get ECS Spot draining). Default 0: all On-Demand.
	SpotInstancePercent int
	// RootVolumeSizeGiB of the encrypted gp3 root volume, >= 30 (the ECS AMI's snapshot size).
	// Default 30.
	RootVolumeSizeGiB int
	// AmiParameterName is the SSM parameter EC2 resolves to the AMI id at each launch. Default
	// EcsAmiParameterX86 or EcsAmiParameterArm64 by the instance types' architecture. A custom AMI
	// must use /dev/xvda as its root device, as Amazon Linux does.
	AmiParameterName string
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

// Ec2Capacity is EC2 capacity for an ECS cluster: a launch template, an Auto Scaling group
// across the private subnets and an ECS capacity provider with managed scaling, set as the
// cluster's default capacity provider strategy.
type Ec2Capacity struct {
	pulumi.ResourceState

	// CapacityProviderName is read from the cluster association, so a service that names it is
	// created after the association; it is known during preview when the provider's name is.
	CapacityProviderName pulumi.StringOutput `pulumi:"capacityProviderName"`
	AutoScalingGroupName pulumi.StringOutput `pulumi:"autoScalingGroupName"`
	AutoScalingGroupArn  pulumi.StringOutput `pulumi:"autoScalingGroupArn"`
	LaunchTemplateID     pulumi.StringOutput `pulumi:"launchTemplateId"`
	SecurityGroupID      pulumi.StringOutput `pulumi:"securityGroupId"`
}

// Ec2PlacementStrategies is the placement for a service on EC2 capacity: spread tasks across
// Availability Zones first (a zone outage takes at most its share), then pack each zone's
// instances by memory so managed scaling can empty and remove spare instances. Pass it as the
// service's OrderedPlacementStrategies.
func Ec2PlacementStrategies() ecs.ServiceOrderedPlacementStrategyArray {
	return ecs.ServiceOrderedPlacementStrategyArray{
		ecs.ServiceOrderedPlacementStrategyArgs{Type: pulumi.String("spread"), Field: pulumi.String("attribute:ecs.availability-zone")},
		ecs.ServiceOrderedPlacementStrategyArgs{Type: pulumi.String("binpack"), Field: pulumi.String("memory")},
	}
}

// ServiceCapacityProviderStrategies is the strategy for a service running on this capacity.
// Naming the provider explicitly (rather than relying on the cluster default) keeps the service
// on it if the cluster default changes; the service must not also set a launch type.
func (c *Ec2Capacity) ServiceCapacityProviderStrategies() ecs.ServiceCapacityProviderStrategyArray {
	return ecs.ServiceCapacityProviderStrategyArray{
		ecs.ServiceCapacityProviderStrategyArgs{CapacityProvider: c.CapacityProviderName, Weight: pulumi.Int(1)},
	}
}

var capacityProviderNamePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)

// instanceTypePattern is family.size, e.g. t3.medium, m7gd.2xlarge, u-6tb1.metal.
var instanceTypePattern = regexp.MustCompile(`^([a-z][a-z0-9-]*?)([0-9]+)([a-z-]*)\.[a-z0-9-]+$`)

// Ec2InstanceArchitecture is the CPU architecture of an instance type in ECS runtimePlatform
// terms, "ARM64" or "X86_64", for checking that a task definition's cpuArchitecture matches the
// instances. It follows EC2's naming: a "g" among the attributes after the generation digit
// (t4g, m7gd, c7gn, g5g) marks an AWS Graviton processor; the one family named otherwise is the
// first Graviton generation, a1.
func Ec2InstanceArchitecture(instanceType string) string {
	m := instanceTypePattern.FindStringSubmatch(instanceType)
	if m != nil && (strings.Contains(m[3], "g") || m[1] == "a" && m[2] == "1") {
		return "ARM64"
	}
	return "X86_64"
}

func (a Ec2CapacityArgs) withDefaults() Ec2CapacityArgs {
	if len(a.InstanceTypes) == 0 {
		a.InstanceTypes = []string{"t3.medium"}
	}
	if a.MinInstances == 0 {
		a.MinInstances = 2
	}
	if a.MaxInstances == 0 {
		a.MaxInstances = 2 * a.MinInstances
	}
	if a.TargetCapacityPercent == 0 {
		a.TargetCapacityPercent = 100
	}
	if a.RootVolumeSizeGiB == 0 {
		a.RootVolumeSizeGiB = 30
	}
	if a.AmiParameterName == "" {
		a.AmiParameterName = EcsAmiParameterX86
		if Ec2InstanceArchitecture(a.InstanceTypes[0]) == "ARM64" {
			a.AmiParameterName = EcsAmiParameterArm64
		}
	}
	if a.ContainerStopTimeoutSeconds == 0 {
		a.ContainerStopTimeoutSeconds = 30
	}
	return a
}

// wiring checks the inputs that come from the service and the network.
func (a Ec2CapacityArgs) wiring() error {
	if a.ClusterName == nil || a.VpcID == nil || a.SubnetIDs == nil {
		return errors.New("ClusterName, VpcID and SubnetIDs are required: pass the cluster's name and the network's VPC id and private subnet ids")
	}
	return nil
}

// validate reports every problem of the settings (plain subnet ids included, when given).
func (a Ec2CapacityArgs) validate(name string) error {
	var errs []error
	for _, prefix := range []string{"aws", "ecs", "fargate"} {
		if strings.HasPrefix(strings.ToLower(name), prefix) && a.Name == "" {
			errs = append(errs, fmt.Errorf("Ec2Capacity name %q starts with %q: ECS capacity provider names (derived from it) cannot start with aws, ecs or fargate; pick another name", name, prefix))
		}
		if strings.HasPrefix(strings.ToLower(a.Name), prefix) {
			errs = append(errs, fmt.Errorf("Name %q starts with %q: ECS capacity provider names cannot start with aws, ecs or fargate; pick another name", a.Name, prefix))
		}
	}
	if a.Name != "" && !capacityProviderNamePattern.MatchString(a.Name) {
		errs = append(errs, fmt.Errorf("Name %q is not a capacity provider name: use 1-255 letters, digits, - and _", a.Name))
	}
	if ids, ok := plainStrings(a.SubnetIDs); ok {
		errs = append(errs, validateSubnetIDs("SubnetIDs", ids))
	}
	for i, t := range a.InstanceTypes {
		if !instanceTypePattern.MatchString(t) {
			errs = append(errs, fmt.Errorf("InstanceTypes[%d] %q is not an EC2 instance type: give one like t3.medium", i, t))
		} else if slices.Index(a.InstanceTypes, t) != i {
			errs = append(errs, fmt.Errorf("InstanceTypes lists %s twice", t))
		}
		if Ec2InstanceArchitecture(t) != Ec2InstanceArchitecture(a.InstanceTypes[0]) {
			errs = append(errs, fmt.Errorf("InstanceTypes mixes arm64 (Graviton) and x86_64 types (%s, %s): one launch template has one AMI, so use one architecture", a.InstanceTypes[0], t))
		}
	}
	if a.MinInstances < 2 {
		errs = append(errs, fmt.Errorf("MinInstances is %d: use at least 2 so the instances span two availability zones", a.MinInstances))
	}
	if a.MaxInstances < a.MinInstances {
		errs = append(errs, fmt.Errorf("MaxInstances %d is below MinInstances %d: raise MaxInstances", a.MaxInstances, a.MinInstances))
	}
	if a.TargetCapacityPercent < 1 || a.TargetCapacityPercent > 100 {
		errs = append(errs, fmt.Errorf("TargetCapacityPercent is %d: use 1 to 100 (100 fills instances, lower keeps spare room)", a.TargetCapacityPercent))
	}
	if a.SpotInstancePercent < 0 || a.SpotInstancePercent > 100 {
		errs = append(errs, fmt.Errorf("SpotInstancePercent is %d: use 0 (all On-Demand) to 100 (all Spot)", a.SpotInstancePercent))
	}
	if a.RootVolumeSizeGiB < 30 {
		errs = append(errs, fmt.Errorf("RootVolumeSizeGiB is %d: the ECS-optimized AMI needs at least 30", a.RootVolumeSizeGiB))
	}
	if strings.HasPrefix(a.AmiParameterName, "resolve:") || strings.HasPrefix(a.AmiParameterName, "ami-") || strings.ContainsAny(a.AmiParameterName, " \t\n") {
		errs = append(errs, fmt.Errorf("AmiParameterName %q is not an SSM parameter name: give one like %s", a.AmiParameterName, EcsAmiParameterX86))
	}
	if a.ContainerStopTimeoutSeconds < 2 || a.ContainerStopTimeoutSeconds > 120 {
		errs = append(errs, fmt.Errorf("ContainerStopTimeoutSeconds is %d: use 2 to 120, the task definition's stopTimeout", a.ContainerStopTimeoutSeconds))
	}
	for i, p := range a.AdditionalCapacityProviders {
		if p == "" || slices.Index(a.AdditionalCapacityProviders, p) != i {
			errs = append(errs, fmt.Errorf("AdditionalCapacityProviders[%d] %q is empty or listed twice", i, p))
		}
	}
	return errors.Join(errs...)
}

// plainStrings returns the values of a pulumi.StringArray of plain strings, the one form of
// StringArrayInput whose length is known before deployment.
func plainStrings(in pulumi.StringArrayInput) ([]string, bool) {
	arr, ok := in.(pulumi.StringArray)
	if !ok {
		return nil, false
	}
	out := make([]string, len(arr))
	for i, v := range arr {
		s, ok := v.(pulumi.String)
		if !ok {
			return nil, false
		}
		out[i] = string(s)
	}
	return out, true
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

// NewEc2Capacity creates the launch template, Auto Scaling group and ECS capacity provider, and
// makes the provider the cluster's default strategy.
func NewEc2Capacity(ctx *pulumi.Context, name string, args *Ec2CapacityArgs, opts ...pulumi.ResourceOption) (*Ec2Capacity, error) {
	if args == nil {
		args = &Ec2CapacityArgs{}
	}
	a := args.withDefaults()
	if err := errors.Join(a.wiring(), a.validate(name)); err != nil {
		return nil, fmt.Errorf("Ec2Capacity %s: %w", name, err)
	}
	c := &Ec2Capacity{}
	if err := ctx.RegisterComponentResource("webstack:components:Ec2Capacity", name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)

	// No ingress: awsvpc tasks receive traffic on their own ENIs and security groups. The host
	// only calls AWS APIs over HTTPS (ECS, ECR and S3 image layers, CloudWatch Logs, SSM); DNS
	// and the time service are link-local and not filtered by security groups.
	sg, err := awsec2.NewSecurityGroup(ctx, name+"-instances", &awsec2.SecurityGroupArgs{
		VpcId:       a.VpcID,
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
		ImageId:            pulumi.String("resolve:ssm:" + a.AmiParameterName),
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
	c.AutoScalingGroupArn = asg.Arn
	c.LaunchTemplateID = lt.ID().ToStringOutput()
	c.SecurityGroupID = sg.ID().ToStringOutput()
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"capacityProviderName": c.CapacityProviderName,
		"autoScalingGroupName": c.AutoScalingGroupName,
		"autoScalingGroupArn":  c.AutoScalingGroupArn,
		"launchTemplateId":     c.LaunchTemplateID,
		"securityGroupId":      c.SecurityGroupID,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// newInstanceProfile creates the instances' role, assumable by EC2 only, with exactly the
// given managed policies.
func newInstanceProfile(ctx *pulumi.Context, name string, policyArns []string, parent pulumi.ResourceOrInvokeOption) (*iam.InstanceProfile, error) {
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
	for _, arn := range policyArns {
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
