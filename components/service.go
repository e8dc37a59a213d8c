package components

import (
	"fmt"
	"slices"
	"strings"

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

// CapacityProvider is one entry of the service's capacity provider strategy.
type CapacityProvider struct {
	Name   string // "FARGATE" or "FARGATE_SPOT"
	Base   int    // tasks always placed on this provider first
	Weight int    // share of the tasks beyond the base
}

// ServiceArgs configures an ECS service behind an existing load balancer target group, on Fargate
// or, with Ec2, on EC2 capacity.
type ServiceArgs struct {
	VpcID                       pulumi.StringInput
	SubnetIDs                   pulumi.StringArrayInput // private subnets, in >= 2 Availability Zones
	LoadBalancerSecurityGroupID pulumi.StringInput
	TargetGroupArn              pulumi.StringInput
	Listeners                   []pulumi.Resource // the service registers only after they exist

	Image              string            // image reference known at preview (ContainerImage.Ref)
	ImageRepositoryArn string            // ECR repository the execution role may pull from (ContainerImage.RepositoryArn)
	ImageDependsOn     []pulumi.Resource // the push of Image (ContainerImage.Image)

	ContainerName   string            // default "api"
	ContainerPort   int               // default DefaultContainerPort; CheckContainerPort
	CPU             int               // task CPU units, default DefaultCPU
	Memory          int               // task memory MiB, default DefaultMemory; the pair must be in the Fargate table
	CPUArchitecture string            // "X86_64" (default) or "ARM64"
	Environment     map[string]string // plain values only
	Secrets         map[string]string // variable name -> SSM parameter or Secrets Manager secret ARN
	// SecretKmsKeys: variable name (a key of Secrets) -> ARN of the customer managed KMS key that
	// encrypts that secret; the execution role may then decrypt with it, through that secret's
	// service only. Secrets under the AWS managed key need no entry.
	SecretKmsKeys map[string]string

	TaskFamily       string // default name
	LogGroupName     string // default "/ecs/" + name
	LogRetentionDays int    // default DefaultLogRetentionDays

	DesiredCount                  int                // default DefaultDesiredCount
	CapacityProviders             []CapacityProvider // Fargate only; default FARGATE weight 1
	HealthCheckGracePeriodSeconds int
	EnableExecuteCommand          bool
	// LoadBalancerIdleTimeoutSeconds is the ALB's idle timeout (default DefaultIdleTimeoutSeconds);
	// the container's IDLE_TIMEOUT is KeepAliveMarginSeconds longer.
	LoadBalancerIdleTimeoutSeconds int
	// Autoscaling hands desiredCount to an autoscaler: `pulumi up` then leaves it alone.
	Autoscaling bool
	// Ec2 runs the tasks on EC2 capacity instead of Fargate (nil: Fargate). The service fills in
	// its ClusterName, VpcID, SubnetIDs, ContainerStopTimeoutSeconds and, with a fixed
	// ClusterName, Name (ClusterName + "-ec2"); the task must fit the instance types
	// (Ec2TasksPerInstance) and share their CPU architecture.
	Ec2 *Ec2CapacityArgs

	// ClusterName and ServiceName are physical names (1-255 letters, digits, - and _); empty: Pulumi
	// picks them. Fixed names let alarms refer to the service before it exists.
	ClusterName, ServiceName string
	// DeploymentController is "ECS" (default: rolling, circuit breaker with rollback) or
	// "CODE_DEPLOY" (blue-green: CodeDeploy owns the service's task definition and target group).
	DeploymentController string
	// DeploymentAlarmNames roll an ECS deployment back when one of them enters ALARM (ECS only).
	DeploymentAlarmNames pulumi.StringArrayInput
}

// The deployment controllers of ServiceArgs.DeploymentController.
const (
	ControllerECS        = "ECS"
	ControllerCodeDeploy = "CODE_DEPLOY"
)

// Service is an ECS cluster, a task definition and an ECS service (Fargate, or an Ec2Capacity of
// the cluster), with least-privilege roles and a task security group that admits only the load
// balancer.
type Service struct {
	pulumi.ResourceState

	ClusterName          pulumi.StringOutput `pulumi:"clusterName"`
	ServiceName          pulumi.StringOutput `pulumi:"serviceName"`
	LogGroupName         pulumi.StringOutput `pulumi:"logGroupName"`
	TaskDefinitionArn    pulumi.StringOutput `pulumi:"taskDefinitionArn"`
	TaskDefinitionFamily pulumi.StringOutput `pulumi:"taskDefinitionFamily"`
	SecurityGroupID      pulumi.StringOutput `pulumi:"securityGroupId"`
	// The tasks' subnets and capacity provider strategy: under CODE_DEPLOY `pulumi up` leaves them
	// (and the security group) alone on the service, and the next release's AppSpec carries them.
	SubnetIDs                pulumi.StringArrayOutput                       `pulumi:"subnetIds"`
	CapacityProviderStrategy ecs.ServiceCapacityProviderStrategyArrayOutput `pulumi:"capacityProviderStrategy"`
}

func (a *ServiceArgs) withDefaults(name string) (ServiceArgs, error) {
	d := *a
	if d.ContainerName == "" {
		d.ContainerName = "api"
	}
	d.ContainerPort = d.containerPort()
	if d.CPU == 0 && d.Memory == 0 {
		d.CPU, d.Memory = DefaultCPU, DefaultMemory
	}
	if d.CPUArchitecture == "" {
		d.CPUArchitecture = "X86_64"
	}
	if d.TaskFamily == "" {
		d.TaskFamily = name
	}
	if d.LogGroupName == "" {
		d.LogGroupName = "/ecs/" + name
	}
	if d.LogRetentionDays == 0 {
		d.LogRetentionDays = DefaultLogRetentionDays
	}
	if d.DesiredCount == 0 {
		d.DesiredCount = DefaultDesiredCount
	}
	if d.LoadBalancerIdleTimeoutSeconds == 0 {
		d.LoadBalancerIdleTimeoutSeconds = DefaultIdleTimeoutSeconds
	}
	if len(d.CapacityProviders) == 0 && d.Ec2 == nil {
		d.CapacityProviders = []CapacityProvider{{Name: "FARGATE", Weight: 1}}
	}
	if d.DeploymentController == "" {
		d.DeploymentController = ControllerECS
	}
	if d.Ec2 != nil {
		if err := d.validateEc2(name); err != nil {
			return d, fmt.Errorf("Service: %w", err)
		}
	} else if err := ValidateFargateSize(d.CPU, d.Memory); err != nil {
		return d, fmt.Errorf("Service: %w", err)
	}
	if err := CheckContainerPort(d.ContainerPort).For("ContainerPort"); err != nil {
		return d, fmt.Errorf("Service: %w", err)
	}
	if d.CPUArchitecture != "X86_64" && d.CPUArchitecture != "ARM64" {
		return d, fmt.Errorf("Service: CPUArchitecture %q must be X86_64 or ARM64", d.CPUArchitecture)
	}
	if d.DesiredCount < 2 {
		return d, fmt.Errorf("Service: DesiredCount %d must be at least 2 so the service spans Availability Zones", d.DesiredCount)
	}
	for _, cp := range d.CapacityProviders {
		if cp.Name != "FARGATE" && cp.Name != "FARGATE_SPOT" {
			return d, fmt.Errorf("Service: capacity provider %q must be FARGATE or FARGATE_SPOT", cp.Name)
		}
	}
	if d.DeploymentController != ControllerECS && d.DeploymentController != ControllerCodeDeploy {
		return d, fmt.Errorf("Service: DeploymentController %q must be ECS or CODE_DEPLOY", d.DeploymentController)
	}
	if d.DeploymentController == ControllerCodeDeploy && d.EnableExecuteCommand {
		return d, fmt.Errorf("Service: EnableExecuteCommand cannot be used with CODE_DEPLOY: UpdateService refuses enableExecuteCommand on a blue-green service, so it could never be switched; turn it off, or use the ECS (rolling) controller to debug with ECS Exec")
	}
	if d.DeploymentController == ControllerCodeDeploy && d.DeploymentAlarmNames != nil {
		return d, fmt.Errorf("Service: DeploymentAlarmNames work with the ECS controller only; under CODE_DEPLOY give the alarms to the deployment group")
	}
	for _, n := range []string{d.ClusterName, d.ServiceName} {
		if n != "" && !ecsNameRe.MatchString(n) {
			return d, fmt.Errorf("Service: name %q must be 1-255 letters, digits, hyphens and underscores", n)
		}
	}
	for k := range d.Environment {
		if !ValidEnvName(k) {
			return d, fmt.Errorf("Service: environment variable name %q is invalid", k)
		}
	}
	for k, arn := range d.Secrets {
		if !ValidEnvName(k) || !ValidSecretArn(arn) {
			return d, fmt.Errorf("Service: secret %s=%q must name an SSM parameter or Secrets Manager secret ARN", k, arn)
		}
	}
	for k, key := range d.SecretKmsKeys {
		if _, ok := d.Secrets[k]; !ok {
			return d, fmt.Errorf("Service: SecretKmsKeys names %s, which is not a secret: give the key of an entry of Secrets", k)
		}
		if !ValidKmsKeyArn(key) {
			return d, fmt.Errorf("Service: KMS key %q of secret %s is not a key ARN (arn:aws:kms:<region>:<account>:key/<id>; an alias will not do)", key, k)
		}
	}
	return d, nil
}

// wiring checks the inputs that come from the network, the load balancer and the image.
func (a *ServiceArgs) wiring() error {
	if a.VpcID == nil || a.SubnetIDs == nil || a.LoadBalancerSecurityGroupID == nil || a.TargetGroupArn == nil {
		return fmt.Errorf("Service: VpcID, SubnetIDs, LoadBalancerSecurityGroupID and TargetGroupArn are required")
	}
	if a.Image == "" {
		return fmt.Errorf("Service: Image is required (an image reference known at preview, e.g. ContainerImage.Ref)")
	}
	return nil
}

// ec2Args are the Ec2Capacity args of the service's cluster.
func (a *ServiceArgs) ec2Args(clusterName pulumi.StringInput) *Ec2CapacityArgs {
	e := *a.Ec2
	e.ClusterName, e.VpcID, e.SubnetIDs = clusterName, a.VpcID, a.SubnetIDs
	if a.ClusterName != "" {
		// A fixed provider name, known during preview (see Ec2CapacityArgs.Name).
		e.Name = a.ClusterName + "-ec2"
	}
	// The agent's SIGKILL grace for containers is the task's own stop timeout.
	e.ContainerStopTimeoutSeconds = StopTimeoutSeconds
	return &e
}

// validateEc2 checks the EC2 capacity and that the task fits and matches its instances.
func (a *ServiceArgs) validateEc2(name string) error {
	if len(a.CapacityProviders) > 0 {
		return fmt.Errorf("CapacityProviders are Fargate providers; with Ec2 the service runs on the EC2 capacity provider: leave them empty")
	}
	e := a.ec2Args(nil).withDefaults() // the cluster is not created yet: check the settings only
	if err := e.validate(name + "-ec2"); err != nil {
		return err
	}
	if _, err := Ec2TasksPerInstance(e.InstanceTypes, a.CPU, a.Memory); err != nil {
		return err
	}
	if arch := Ec2InstanceArchitecture(e.InstanceTypes[0]); arch != a.CPUArchitecture {
		return fmt.Errorf("CPUArchitecture %s does not match the %s instance types (%s): build the image for that architecture", a.CPUArchitecture, arch, strings.Join(e.InstanceTypes, ", "))
	}
	return nil
}

func (a *ServiceArgs) containerPort() int {
	if a.ContainerPort == 0 {
		return DefaultContainerPort
	}
	return a.ContainerPort
}

// NewService creates the cluster, roles, log group, task definition, security group rules and service.
func NewService(ctx *pulumi.Context, name string, args *ServiceArgs, opts ...pulumi.ResourceOption) (*Service, error) {
	if args == nil {
		args = &ServiceArgs{}
	}
	if err := args.wiring(); err != nil {
		return nil, err
	}
	a, err := args.withDefaults(name)
	if err != nil {
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
	if a.Ec2 != nil {
		ec2Capacity, err := NewEc2Capacity(ctx, name+"-ec2", a.ec2Args(cluster.Name), parent)
		if err != nil {
			return nil, err
		}
		capacity, compatibility = ec2Capacity, "EC2"
		strategy, placement = ec2Capacity.ServiceCapacityProviderStrategies(), Ec2PlacementStrategies()
	} else {
		if capacity, err = ecs.NewClusterCapacityProviders(ctx, name+"-capacity", &ecs.ClusterCapacityProvidersArgs{
			ClusterName:       cluster.Name,
			CapacityProviders: pulumi.ToStringArray([]string{"FARGATE", "FARGATE_SPOT"}),
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
			TargetGroupArn: a.TargetGroupArn,
			ContainerName:  pulumi.String(a.ContainerName),
			ContainerPort:  pulumi.Int(a.ContainerPort),
		}},
		DeploymentController:            &ecs.ServiceDeploymentControllerArgs{Type: pulumi.String(a.DeploymentController)},
		DeploymentMinimumHealthyPercent: pulumi.Int(100),
		DeploymentMaximumPercent:        pulumi.Int(200),
		HealthCheckGracePeriodSeconds:   pulumi.Int(a.HealthCheckGracePeriodSeconds),
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
	s.TaskDefinitionArn = taskDef.Arn
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
		"taskDefinitionArn":        s.TaskDefinitionArn,
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
