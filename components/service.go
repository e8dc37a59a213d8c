package components

import (
	"errors"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Shutdown timing of a task. When ECS stops a task it deregisters it from the target group; the ALB
// then drains it for the deregistration delay (30 s) while the container gets SIGTERM. The API turns
// readiness red, keeps serving for DRAIN_DELAY (10 s) so the ALB stops routing to it, then shuts
// down within SHUTDOWN_TIMEOUT (15 s): 10 + 15 = 25 s < StopTimeoutSeconds (45 s), so ECS never
// has to SIGKILL a clean shutdown; and a request accepted at the last moment of draining (30 s)
// still has StopTimeoutSeconds - DrainDelaySeconds = 35 s > 30 s to finish. Validation keeps the
// deregistration delay below that bound.
const (
	DrainDelaySeconds      = 10
	ShutdownTimeoutSeconds = 15
	StopTimeoutSeconds     = 45
)

// KeepAliveMarginSeconds is how much longer the container keeps an idle connection open than the
// load balancer (IDLE_TIMEOUT = the ALB's idle timeout + this): the ALB then always closes first,
// and never sends a request on a connection the server is closing (which it answers with a 502).
const KeepAliveMarginSeconds = 15

// ContainerUser is the non-root uid:gid every container runs as (distroless "nonroot").
const ContainerUser = "65532:65532"

// Service is an ECS cluster, a task definition and an ECS service (Fargate, or an EC2Capacity of
// the cluster), with least-privilege roles and a task security group that admits only the load
// balancer.
type Service struct {
	pulumi.ResourceState

	ClusterName          pulumi.StringOutput `pulumi:"clusterName"`
	ServiceName          pulumi.StringOutput `pulumi:"serviceName"`
	LogGroupName         pulumi.StringOutput `pulumi:"logGroupName"`
	TaskDefinitionARN    pulumi.StringOutput `pulumi:"taskDefinitionArn"`
	TaskDefinitionFamily pulumi.StringOutput `pulumi:"taskDefinitionFamily"`
	SecurityGroupID      pulumi.StringOutput `pulumi:"securityGroupId"`
	// The tasks' subnets and capacity provider strategy: under CODE_DEPLOY `pulumi up` leaves them
	// (and the security group) alone on the service, and the next release's AppSpec carries them.
	SubnetIDs                pulumi.StringArrayOutput                       `pulumi:"subnetIds"`
	CapacityProviderStrategy ecs.ServiceCapacityProviderStrategyArrayOutput `pulumi:"capacityProviderStrategy"`
}

// NewService creates the cluster, roles, log group, task definition, security group rules and service.
func NewService(ctx *pulumi.Context, name string, args *ServiceArgs, opts ...pulumi.ResourceOption) (*Service, error) {
	if args == nil {
		args = &ServiceArgs{}
	}
	a := args.withDefaults(name)
	if err := errors.Join(args.wiring(), a.validate(name)); err != nil {
		return nil, err
	}
	s := &Service{}
	if err := ctx.RegisterComponentResource("webstack:components:Service", name, s, opts...); err != nil {
		return nil, err
	}
	acct, err := lookupAccount(ctx, s)
	if err != nil {
		return nil, err
	}
	parent := pulumi.Parent(s)

	cluster, err := ecs.NewCluster(ctx, name+"-cluster", &ecs.ClusterArgs{
		Name: optionalName(a.ClusterName),
		Settings: ecs.ClusterSettingArray{&ecs.ClusterSettingArgs{
			Name: pulumi.String("containerInsights"), Value: pulumi.String("enabled"),
		}},
	}, parent, createFirst)
	if err != nil {
		return nil, err
	}
	// The cluster's capacity: one owner of its capacity provider list, and the service's strategy.
	var capacity pulumi.Resource
	var strategy ecs.ServiceCapacityProviderStrategyArray
	var placement ecs.ServiceOrderedPlacementStrategyArray // Fargate refuses placement strategies
	compatibility := "FARGATE"
	if a.EC2 != nil {
		ec2Capacity, err := NewEC2Capacity(ctx, name+"-ec2", a.ec2Args(cluster.Name), parent)
		if err != nil {
			return nil, err
		}
		capacity, compatibility = ec2Capacity, "EC2"
		strategy, placement = ec2Capacity.ServiceCapacityProviderStrategies(), EC2PlacementStrategies()
	} else {
		if capacity, err = ecs.NewClusterCapacityProviders(ctx, name+"-capacity", &ecs.ClusterCapacityProvidersArgs{
			ClusterName:       cluster.Name,
			CapacityProviders: pulumi.ToStringArray([]string{CapacityProviderFargate, CapacityProviderFargateSpot}),
		}, parent); err != nil {
			return nil, err
		}
		for _, cp := range a.CapacityProviders {
			strategy = append(strategy, ecs.ServiceCapacityProviderStrategyArgs{
				CapacityProvider: pulumi.String(cp.Name), Base: pulumi.Int(cp.Base), Weight: pulumi.Int(cp.Weight),
			})
		}
	}

	logGroup, err := cloudwatch.NewLogGroup(ctx, name+"-logs", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String(a.LogGroupName),
		RetentionInDays: pulumi.Int(a.LogRetentionDays),
	}, parent, createFirst)
	if err != nil {
		return nil, err
	}

	roles, err := newServiceRoles(ctx, name, acct, a, parent)
	if err != nil {
		return nil, err
	}

	taskDef, err := newTaskDefinition(ctx, name, acct.Region, a, compatibility, roles, parent)
	if err != nil {
		return nil, err
	}

	sg, err := newTaskSecurityGroup(ctx, name, a, parent)
	if err != nil {
		return nil, err
	}

	svcArgs := &ecs.ServiceArgs{
		Name:                       optionalName(a.ServiceName),
		Cluster:                    cluster.Arn,
		TaskDefinition:             taskDef.Arn,
		DesiredCount:               pulumi.Int(a.DesiredCount),
		CapacityProviderStrategies: strategy,
		OrderedPlacementStrategies: placement,
		NetworkConfiguration: &ecs.ServiceNetworkConfigurationArgs{
			Subnets:        a.SubnetIDs,
			SecurityGroups: pulumi.StringArray{sg.ID()},
			AssignPublicIp: pulumi.Bool(false),
		},
		LoadBalancers: ecs.ServiceLoadBalancerArray{&ecs.ServiceLoadBalancerArgs{
			TargetGroupArn: a.TargetGroupARN,
			ContainerName:  pulumi.String(a.ContainerName),
			ContainerPort:  pulumi.Int(a.ContainerPort),
		}},
		DeploymentController:            &ecs.ServiceDeploymentControllerArgs{Type: pulumi.String(a.DeploymentController)},
		DeploymentMinimumHealthyPercent: pulumi.Int(100),
		DeploymentMaximumPercent:        pulumi.Int(200),
		HealthCheckGracePeriodSeconds:   pulumi.Int(*a.HealthCheckGracePeriodSeconds),
		EnableExecuteCommand:            pulumi.Bool(a.EnableExecuteCommand),
		PropagateTags:                   pulumi.String("SERVICE"),
		EnableEcsManagedTags:            pulumi.Bool(true),
	}
	// AZ rebalancing: the provider sends DISABLED when the input is unset (its schema default in
	// internal/service/ecs/service.go), so ECS's own create-time default never applies: it is set
	// explicitly either way. Rolling services get it (Fargate, and EC2 whose first placement
	// strategy spreads across AZs). A CODE_DEPLOY service keeps DISABLED: UpdateService accepts only
	// desired count, deployment configuration, health-check grace period, placement and tag
	// settings on it (UpdateService API reference), so it could not be switched on for a running
	// service, and we found no AWS statement that blue-green services support it.
	svcArgs.AvailabilityZoneRebalancing = pulumi.String(AZRebalancing(a.DeploymentController))
	if a.DeploymentController == ControllerECS {
		// ECS refuses the circuit breaker and deployment alarms under CODE_DEPLOY.
		svcArgs.DeploymentCircuitBreaker = &ecs.ServiceDeploymentCircuitBreakerArgs{Enable: pulumi.Bool(true), Rollback: pulumi.Bool(true)}
		// With forceNewDeployment the provider changes the capacity provider strategy in place
		// (a new deployment) instead of replacing the service (capacityProviderStrategyCustomizeDiff
		// in internal/service/ecs/service.go; the strategy never goes from 0 entries to more or
		// back here). The cost: any in-place update of the service also starts a deployment.
		svcArgs.ForceNewDeployment = pulumi.Bool(true)
		if a.DeploymentAlarmNames != nil {
			svcArgs.Alarms = &ecs.ServiceAlarmsArgs{AlarmNames: a.DeploymentAlarmNames, Enable: pulumi.Bool(true), Rollback: pulumi.Bool(true)}
		}
	}
	svc, err := ecs.NewService(ctx, name+"-service", svcArgs, parent, createFirst,
		pulumi.DependsOn(append(slices.Clone(a.Listeners), capacity)),
		pulumi.IgnoreChanges(ServiceIgnoreChanges(a.Autoscaling, a.DeploymentController)),
		// The controller cannot change in place: the plan shows a replacement, not a failing update.
		pulumi.ReplaceOnChanges([]string{"deploymentController"}))
	if err != nil {
		return nil, err
	}

	s.ClusterName = cluster.Name
	s.ServiceName = svc.Name
	s.LogGroupName = logGroup.Name
	s.TaskDefinitionARN = taskDef.Arn
	s.TaskDefinitionFamily = taskDef.Family
	s.SecurityGroupID = sg.ID().ToStringOutput()
	s.SubnetIDs = a.SubnetIDs.ToStringArrayOutput()
	s.CapacityProviderStrategy = strategy.ToServiceCapacityProviderStrategyArrayOutput()
	return s, ctx.RegisterResourceOutputs(s, pulumi.Map{
		"subnetIds":                s.SubnetIDs,
		"capacityProviderStrategy": s.CapacityProviderStrategy,
		"clusterName":              s.ClusterName,
		"serviceName":              s.ServiceName,
		"logGroupName":             s.LogGroupName,
		"taskDefinitionArn":        s.TaskDefinitionARN,
		"taskDefinitionFamily":     s.TaskDefinitionFamily,
		"securityGroupId":          s.SecurityGroupID,
	})
}

// ServiceIgnoreChanges is what `pulumi up` must leave alone on the ECS service: with autoscaling
// the scaler owns desiredCount, and resetting it on every deploy would scale a busy service in;
// under CODE_DEPLOY each release's CodeDeploy deployment moves the service to the task definition
// `pulumi up` registered, and between the target groups. UpdateService on a CODE_DEPLOY service
// accepts only desired count, deployment configuration, health-check grace period, placement and
// tag settings (UpdateService API reference; hashicorp/terraform-provider-aws#8005): a changed
// network configuration (subnets, security group) or capacity provider strategy would fail
// `pulumi up` with InvalidParameterException, so they are left alone too and the next release's
// AppSpec carries them (its NetworkConfiguration and CapacityProviderStrategy; the stack exports
// them). enableExecuteCommand cannot change either: validation keeps it off under CODE_DEPLOY.
func ServiceIgnoreChanges(autoscaling bool, controller string) []string {
	var ignore []string
	if autoscaling {
		ignore = append(ignore, "desiredCount")
	}
	if controller == ControllerCodeDeploy {
		ignore = append(ignore, "taskDefinition", "loadBalancers", "networkConfiguration", "capacityProviderStrategies", "enableExecuteCommand")
	}
	return ignore
}

// AZRebalancing is the service's availabilityZoneRebalancing under a deployment controller.
func AZRebalancing(controller string) string {
	if controller == ControllerCodeDeploy {
		return "DISABLED"
	}
	return "ENABLED"
}

// createFirst is every explicitly named resource's replacement order. The bridge makes any
// replacement of a resource whose auto-nameable name is set explicitly delete-before-replace
// (nameRequiresDeleteBeforeReplace, pulumi-terraform-bridge pkg/tfbridge/schema.go; the engine
// lets an explicit option override the provider, pulumi pkg/resource/deploy/step_generator.go).
// Deleting first takes down what serves traffic; so the option is false, and every input that
// forces a replacement of such a resource is folded into its name (the service name carries the
// deployment strategy; the others are replaced only when their name changes), so the replacement
// can exist beside the old one.
var createFirst = pulumi.DeleteBeforeReplace(false)

// optionalName is a physical name, or nil to let Pulumi name the resource.
func optionalName(n string) pulumi.StringPtrInput {
	if n == "" {
		return nil
	}
	return pulumi.String(n)
}
