package components

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The settings of a Service: their defaults (withDefaults), the inputs other components supply
// (wiring) and the checks of every setting.

// The Fargate capacity providers ECS makes available to every cluster.
const (
	CapacityProviderFargate     = "FARGATE"
	CapacityProviderFargateSpot = "FARGATE_SPOT"
)

// CapacityProvider is one entry of the service's capacity provider strategy.
type CapacityProvider struct {
	Name   string // CapacityProviderFargate or CapacityProviderFargateSpot
	Base   int    // tasks always placed on this provider first
	Weight int    // share of the tasks beyond the base
}

// ServiceArgs configures an ECS service behind an existing load balancer target group, on Fargate
// or, with EC2, on EC2 capacity.
type ServiceArgs struct {
	VPCID                       pulumi.StringInput
	SubnetIDs                   pulumi.StringArrayInput // private subnets, in >= 2 Availability Zones
	LoadBalancerSecurityGroupID pulumi.StringInput
	TargetGroupARN              pulumi.StringInput
	Listeners                   []pulumi.Resource // the service registers only after they exist

	Image              string            // image reference known at preview (ContainerImage.Ref)
	ImageRepositoryARN string            // ECR repository the execution role may pull from (ContainerImage.RepositoryARN)
	ImageDependsOn     []pulumi.Resource // the push of Image (ContainerImage.Image)

	ContainerName   string            // default DefaultContainerName
	ContainerPort   int               // default DefaultContainerPort; CheckContainerPort
	CPU             int               // task CPU units, default DefaultCPU
	Memory          int               // task memory MiB, default DefaultMemory; the pair must be in the Fargate table
	CPUArchitecture string            // "X86_64" (default) or "ARM64"
	Environment     map[string]string // plain values only
	Secrets         map[string]string // variable name -> SSM parameter or Secrets Manager secret ARN
	// SecretKMSKeys: variable name (a key of Secrets) -> ARN of the customer managed KMS key that
	// encrypts that secret; the execution role may then decrypt with it, through that secret's
	// service only. Secrets under the AWS managed key need no entry.
	SecretKMSKeys map[string]string

	TaskFamily       string // default name
	LogGroupName     string // default "/ecs/" + name
	LogRetentionDays int    // default DefaultLogRetentionDays; CheckLogRetentionDays

	DesiredCount      int                // default DefaultDesiredCount; CheckDesiredCount
	CapacityProviders []CapacityProvider // Fargate only; default FARGATE weight DefaultFargateWeight
	// HealthCheckGracePeriodSeconds, 0..MaxHealthCheckGracePeriodSeconds; nil means
	// DefaultHealthCheckGracePeriodSeconds (0 is a valid period: pulumi.IntRef(0)).
	HealthCheckGracePeriodSeconds *int
	EnableExecuteCommand          bool
	// LoadBalancerIdleTimeoutSeconds is the ALB's idle timeout (default DefaultIdleTimeoutSeconds);
	// the container's IDLE_TIMEOUT is KeepAliveMarginSeconds longer.
	LoadBalancerIdleTimeoutSeconds int
	// Autoscaling hands desiredCount to an autoscaler: `pulumi up` then leaves it alone.
	Autoscaling bool
	// EC2 runs the tasks on EC2 capacity instead of Fargate (nil: Fargate). The service fills in
	// its ClusterName, VPCID, SubnetIDs, ContainerStopTimeoutSeconds and, with a fixed
	// ClusterName, Name (ClusterName + "-ec2"); the task must fit the instance types
	// (EC2TasksPerInstance) and share their CPU architecture.
	EC2 *EC2CapacityArgs

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

// withDefaults fills in the documented defaults (name names the task family and log group).
func (a *ServiceArgs) withDefaults(name string) ServiceArgs {
	d := *a
	if d.ContainerName == "" {
		d.ContainerName = DefaultContainerName
	}
	d.ContainerPort = d.containerPort()
	if d.CPU == 0 && d.Memory == 0 {
		d.CPU, d.Memory = DefaultCPU, DefaultMemory
	}
	if d.CPUArchitecture == "" {
		d.CPUArchitecture = CPUArchitectureX86
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
	if len(d.CapacityProviders) == 0 && d.EC2 == nil {
		d.CapacityProviders = []CapacityProvider{{Name: CapacityProviderFargate, Weight: DefaultFargateWeight}}
	}
	if d.HealthCheckGracePeriodSeconds == nil {
		d.HealthCheckGracePeriodSeconds = pulumi.IntRef(DefaultHealthCheckGracePeriodSeconds)
	}
	if d.DeploymentController == "" {
		d.DeploymentController = ControllerECS
	}
	return d
}

// validate reports every problem of the settings of d (withDefaults applied), not the wiring.
func (d ServiceArgs) validate(name string) error {
	var errs []error
	if d.EC2 != nil {
		if err := d.validateEC2(name); err != nil {
			errs = append(errs, fmt.Errorf("Service: %w", err))
		}
	} else if err := ValidateFargateSize(d.CPU, d.Memory); err != nil {
		errs = append(errs, fmt.Errorf("Service: %w", err))
	}
	if err := CheckContainerPort(d.ContainerPort).For("ContainerPort"); err != nil {
		errs = append(errs, fmt.Errorf("Service: %w", err))
	}
	if d.CPUArchitecture != CPUArchitectureX86 && d.CPUArchitecture != CPUArchitectureARM64 {
		errs = append(errs, fmt.Errorf("Service: CPUArchitecture %q must be X86_64 or ARM64", d.CPUArchitecture))
	}
	settings := []error{
		CheckDesiredCount(d.DesiredCount).For("DesiredCount"),
		CheckLogRetentionDays(d.LogRetentionDays).For("LogRetentionDays"),
		CheckHealthCheckGracePeriod(*d.HealthCheckGracePeriodSeconds).For("HealthCheckGracePeriodSeconds"),
	}
	var weights []int
	for i, cp := range d.CapacityProviders {
		if cp.Name != CapacityProviderFargate && cp.Name != CapacityProviderFargateSpot {
			errs = append(errs, fmt.Errorf("Service: capacity provider %q must be FARGATE or FARGATE_SPOT", cp.Name))
		}
		field := fmt.Sprintf("CapacityProviders[%d]", i)
		settings = append(settings, CheckFargateBase(cp.Base).For(field+".Base"), CheckFargateWeight(cp.Weight).For(field+".Weight"))
		if cp.Name == CapacityProviderFargateSpot {
			settings = append(settings, CheckFargateSpotArchitecture(d.CPUArchitecture, cp.Weight).For(field))
		}
		weights = append(weights, cp.Weight)
	}
	if len(d.CapacityProviders) > 0 {
		settings = append(settings, CheckFargateWeights(weights...).For("CapacityProviders"))
	}
	for _, err := range settings {
		if err != nil {
			errs = append(errs, fmt.Errorf("Service: %w", err))
		}
	}
	if d.DeploymentController != ControllerECS && d.DeploymentController != ControllerCodeDeploy {
		errs = append(errs, fmt.Errorf("Service: DeploymentController %q must be ECS or CODE_DEPLOY", d.DeploymentController))
	}
	if err := CheckExecuteCommand(d.EnableExecuteCommand, d.DeploymentController == ControllerCodeDeploy).For("EnableExecuteCommand"); err != nil {
		errs = append(errs, fmt.Errorf("Service: %w", err))
	}
	if d.DeploymentController == ControllerCodeDeploy && d.DeploymentAlarmNames != nil {
		errs = append(errs, fmt.Errorf("Service: DeploymentAlarmNames work with the ECS controller only; under CODE_DEPLOY give the alarms to the deployment group"))
	}
	for _, n := range []string{d.ClusterName, d.ServiceName} {
		if n != "" && !ecsNameRe.MatchString(n) {
			errs = append(errs, fmt.Errorf("Service: name %q must be 1-255 letters, digits, hyphens and underscores", n))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(d.Environment)) {
		if err := CheckEnvironmentName(k).For("Environment"); err != nil {
			errs = append(errs, fmt.Errorf("Service: %w", err))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(d.Secrets)) {
		if err := CheckSecret(k, d.Secrets[k]).For("Secrets"); err != nil {
			errs = append(errs, fmt.Errorf("Service: %w", err))
		}
		if _, env := d.Environment[k]; env {
			errs = append(errs, fmt.Errorf("Service: %s is both in Environment and in Secrets, which share the container's one namespace: keep one", k))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(d.SecretKMSKeys)) {
		key := d.SecretKMSKeys[k]
		if _, ok := d.Secrets[k]; !ok {
			errs = append(errs, fmt.Errorf("Service: SecretKMSKeys names %s, which is not a secret: give the key of an entry of Secrets", k))
		} else if err := CheckSecretKMSKey(k, key).For("SecretKMSKeys"); err != nil {
			errs = append(errs, fmt.Errorf("Service: %w", err))
		}
	}
	return errors.Join(errs...)
}

// wiring checks the inputs that come from the network, the load balancer and the image.
func (a *ServiceArgs) wiring() error {
	if a.VPCID == nil || a.SubnetIDs == nil || a.LoadBalancerSecurityGroupID == nil || a.TargetGroupARN == nil {
		return fmt.Errorf("Service: VPCID, SubnetIDs, LoadBalancerSecurityGroupID and TargetGroupARN are required")
	}
	if a.Image == "" {
		return fmt.Errorf("Service: Image is required (an image reference known at preview, e.g. ContainerImage.Ref)")
	}
	return nil
}

// ec2Args are the EC2Capacity args of the service's cluster.
func (a *ServiceArgs) ec2Args(clusterName pulumi.StringInput) *EC2CapacityArgs {
	e := *a.EC2
	e.ClusterName, e.VPCID, e.SubnetIDs = clusterName, a.VPCID, a.SubnetIDs
	if a.ClusterName != "" {
		// A fixed provider name, known during preview (see EC2CapacityArgs.Name).
		e.Name = a.ClusterName + "-ec2"
	}
	// The agent's SIGKILL grace for containers is the task's own stop timeout.
	e.ContainerStopTimeoutSeconds = StopTimeoutSeconds
	return &e
}

// validateEC2 checks the EC2 capacity and that the task fits and matches its instances.
func (a *ServiceArgs) validateEC2(name string) error {
	if len(a.CapacityProviders) > 0 {
		return fmt.Errorf("CapacityProviders are Fargate providers; with EC2 the service runs on the EC2 capacity provider: leave them empty")
	}
	e := a.ec2Args(nil).withDefaults() // the cluster is not created yet: check the settings only
	if err := e.validate(name + "-ec2"); err != nil {
		return err
	}
	if _, err := EC2TasksPerInstance(e.InstanceTypes, a.CPU, a.Memory); err != nil {
		return err
	}
	if arch := EC2InstanceArchitecture(e.InstanceTypes[0]); arch != a.CPUArchitecture {
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
