package program

import (
	"fmt"
	"maps"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"example.com/webstack/components"
	"example.com/webstack/contract"
)

// Run is the whole program: `pulumi up` runs it through main.go, Automation API inline programs
// and the tests call it directly. An invalid stack config fails before any resource is registered.
func Run(ctx *pulumi.Context) error {
	keys, ok := configKeys(ctx)
	if !ok {
		return fmt.Errorf("cannot list the stack's config keys with this Pulumi Go SDK, so misspelt keys would go unnoticed: update configKeys in program/keys.go")
	}
	cfg, err := Load(ctx.Stack(), ctx.GetConfig, keys...)
	if err != nil {
		return err
	}
	if err := cfg.refuseExampleValues(ctx.Stack(), ctx.DryRun()); err != nil {
		return err
	}
	if err := cfg.refuseBelowPolicyZones(ctx.Stack()); err != nil {
		return err
	}
	for _, w := range cfg.Warnings() {
		if err := ctx.Log.Warn(w, nil); err != nil {
			return err
		}
	}
	ws, err := components.NewWebService(ctx, cfg.ServiceName, cfg.WebServiceArgs(ctx.Stack()))
	if err != nil {
		return err
	}
	region, err := aws.GetRegion(ctx, &aws.GetRegionArgs{})
	if err != nil {
		return fmt.Errorf("looking up the AWS region: %w", err)
	}
	for k, v := range cfg.stackOutputs(ws, region.Name) {
		ctx.Export(k, v)
	}
	return nil
}

// stackOutputs are everything Run exports. The names the deploy command reads come from package
// contract (TestStackOutputsRoundTrip reads them back through release.ParseOutputs); the others
// are for people and scripts.
func (c *Config) stackOutputs(ws *components.WebService, region string) map[string]pulumi.Input {
	out := map[string]pulumi.Input{
		contract.OutputURL:               ws.URL,
		"albDnsName":                     ws.ALBDNSName,
		"repositoryUrl":                  ws.RepositoryURL,
		"imageRef":                       ws.ImageRef,
		contract.OutputClusterName:       ws.ClusterName,
		contract.OutputServiceName:       ws.ServiceName,
		"logGroupName":                   ws.LogGroupName,
		"vpcId":                          ws.VPCID,
		contract.OutputContainerName:     pulumi.String(ContainerName),
		contract.OutputContainerPort:     pulumi.Int(c.ContainerPort),
		"region":                         pulumi.String(region),
		contract.OutputTaskDefinitionARN: ws.TaskDefinitionARN,
		"taskDefinitionFamily":           ws.TaskDefinitionFamily,
		// What the deploy command compares before an update.
		contract.OutputComputeType: pulumi.String(c.ComputeType),
	}
	if c.ExistingVPCID == "" { // the zone count of the VPC the program carves; an existing VPC's subnets are the user's
		out[contract.OutputAvailabilityZones] = pulumi.Int(c.AvailabilityZones)
	}
	c.addReleaseOutputs(out, ws)
	if c.DeploymentStrategy == components.StrategyBlueGreen {
		maps.Copy(out, c.AppSpecOutputs(ws.Service))
	}
	return out
}

// Warnings are the valid but risky choices of a stack config, printed on every preview and update.
func (c *Config) Warnings() []string {
	var w []string
	if !c.HasCertificate() {
		// allowInsecureHttp is set: Load refuses a config without a certificate otherwise.
		w = append(w, "webstack:allowInsecureHttp: no certificateArn or domainName, so the load balancer serves plain HTTP. Never put real traffic on this stack.")
	}
	if c.AlarmEmail == "" {
		// Both strategies roll a release back on the rollback alarms, which also notify the topic.
		w = append(w, fmt.Sprintf("webstack:alarmEmail is empty: the alarms that stop and roll back %s releases notify an SNS topic nobody subscribes to, so they page no one. "+
			"Set alarmEmail to your on-call address, or subscribe to the stack output alarmTopicArn another way.", c.DeploymentStrategy))
	}
	return w
}

// ContainerName is the name of the API's container in the task definition.
const ContainerName = components.DefaultContainerName

// PhysicalName is the per-stack name of the ECR repository, log group and task family: two
// stacks in one account never share them.
func (c *Config) PhysicalName(stack string) string {
	return c.ServiceName + "-" + strings.ToLower(stack)
}

// WebServiceArgs maps the stack config onto the components.
func (c *Config) WebServiceArgs(stack string) *components.WebServiceArgs {
	physical := c.PhysicalName(stack)
	secrets, secretKeys := map[string]string{}, map[string]string{}
	for name, value := range pairs(c.Secrets) {
		arn, key, hasKey := splitSecret(value)
		secrets[name] = arn
		if hasKey {
			secretKeys[name] = key
		}
	}
	var providers []components.CapacityProvider
	if c.FargateWeight != 0 || c.FargateBase != 0 { // a FARGATE entry, even an invalid one, for the service to check
		providers = append(providers, components.CapacityProvider{Name: components.CapacityProviderFargate, Base: c.FargateBase, Weight: c.FargateWeight})
	}
	if c.FargateSpotWeight != 0 {
		providers = append(providers, components.CapacityProvider{Name: components.CapacityProviderFargateSpot, Weight: c.FargateSpotWeight})
	}
	args := &components.WebServiceArgs{
		Network: components.NetworkArgs{
			CIDRBlock:                 c.VPCCIDR,
			NumberOfAvailabilityZones: c.AvailabilityZones,
			NATGateways:               c.NATGateways,
			VPCEndpoints:              c.VPCEndpoints,
			NetworkACLs:               c.NetworkACLs,
			FlowLogRetentionDays:      c.LogRetentionDays,
			ExistingVPCID:             c.ExistingVPCID,
			ExistingPublicSubnetIDs:   c.ExistingPublicSubnetIDs,
			ExistingPrivateSubnetIDs:  c.ExistingPrivateSubnetIDs,
		},
		Image: components.ContainerImageArgs{
			RepositoryName:     physical,
			Context:            c.BuildContext,
			Dockerfile:         c.Dockerfile,
			Platform:           c.ImagePlatform,
			Encryption:         c.ECREncryption,
			UntaggedExpiryDays: c.UntaggedImageExpiryDays,
			ImagesToKeep:       c.ImagesToKeep,
			ForceDelete:        !c.DeletionProtection,
		},
		LoadBalancer: components.LoadBalancerArgs{
			IngressCIDRBlocks:          c.IngressCIDRs,
			HealthCheckPath:            c.HealthCheckPath,
			CertificateARN:             c.CertificateARN,
			DomainName:                 c.DomainName,
			HostedZoneID:               c.HostedZoneID,
			AllowHTTP:                  c.AllowInsecureHTTP,
			SSLPolicy:                  c.SSLPolicy,
			IdleTimeoutSeconds:         c.IdleTimeoutSeconds,
			DeregistrationDelaySeconds: c.DeregistrationDelaySeconds,
			DesyncMitigationMode:       c.DesyncMitigationMode,
			DeletionProtection:         c.DeletionProtection,
			AccessLogs:                 c.AccessLogs,
			AccessLogsRetentionDays:    c.AccessLogsRetentionDays,
		},
		Service: components.ServiceArgs{
			ContainerName:                 ContainerName,
			ContainerPort:                 c.ContainerPort,
			CPU:                           c.CPU,
			Memory:                        c.Memory,
			CPUArchitecture:               c.cpuArchitecture(),
			Environment:                   pairs(c.Environment),
			Secrets:                       secrets,
			SecretKMSKeys:                 secretKeys,
			TaskFamily:                    physical,
			LogGroupName:                  "/ecs/" + physical,
			LogRetentionDays:              c.LogRetentionDays,
			DesiredCount:                  c.DesiredCount,
			CapacityProviders:             providers,
			HealthCheckGracePeriodSeconds: pulumi.IntRef(c.HealthCheckGracePeriodSeconds),
			EnableExecuteCommand:          c.EnableExecuteCommand,
		},
	}
	if c.ComputeType == contract.ComputeEC2 {
		// Fargate keys are refused with ec2 (Load), so the Fargate default strategy goes too.
		args.Service.CapacityProviders = nil
		args.Service.EC2 = c.ec2CapacityArgs()
	}
	if c.WAF {
		args.Firewall = &components.FirewallArgs{RateLimit: c.WAFRateLimit}
	}
	c.addReleaseArgs(args)
	if c.Autoscaling {
		args.Autoscaling = &components.AutoscalingArgs{
			MinCount:                c.MinCount,
			MaxCount:                c.MaxCount,
			CPUTargetPercent:        c.CPUTargetPercent,
			MemoryTargetPercent:     c.MemoryTargetPercent,
			RequestsPerTarget:       c.RequestsPerTarget,
			ScaleInCooldownSeconds:  pulumi.IntRef(c.ScaleInCooldownSeconds),
			ScaleOutCooldownSeconds: pulumi.IntRef(c.ScaleOutCooldownSeconds),
		}
		for _, s := range c.ScaleSchedules {
			sched, _ := ParseSchedule(s) // validated by Load
			args.Autoscaling.Schedules = append(args.Autoscaling.Schedules, sched)
		}
	}
	return args
}

// pairs turns validated NAME=value entries into a map.
func pairs(entries []string) map[string]string {
	m := make(map[string]string, len(entries))
	for _, e := range entries {
		k, v, _ := strings.Cut(e, "=")
		m[k] = v
	}
	return m
}

// AppSpecOutputs are the outputs of a blue-green stack that the deploy command puts into the next
// release's AppSpec (names and shapes: package contract). `pulumi up` leaves a CodeDeploy
// service's network configuration and capacity provider strategy alone
// (components.ServiceIgnoreChanges), so a release is what applies an edit of them. On Fargate the
// platform version is exported as what ECS runs: the service sets none, and "If one isn't
// specified, the LATEST platform version is used" (ECS API reference, CreateService
// platformVersion); on EC2 there is none ("only specified for tasks that are hosted on Fargate").
func (c *Config) AppSpecOutputs(svc *components.Service) map[string]pulumi.Input {
	outs := map[string]pulumi.Input{
		contract.OutputServiceNetwork: pulumi.Map{
			"subnets":        svc.SubnetIDs,
			"securityGroups": pulumi.StringArray{svc.SecurityGroupID},
			"assignPublicIp": pulumi.Bool(false),
		},
		contract.OutputServiceCapacityProviders: svc.CapacityProviderStrategy.ApplyT(func(strategy []ecs.ServiceCapacityProviderStrategy) []map[string]any {
			out := []map[string]any{}
			for _, cp := range strategy {
				out = append(out, map[string]any{"capacityProvider": cp.CapacityProvider, "base": deref(cp.Base), "weight": deref(cp.Weight)})
			}
			return out
		}),
	}
	if c.ComputeType == contract.ComputeFargate {
		outs[contract.OutputServicePlatformVersion] = pulumi.String(fargatePlatformVersion)
	}
	return outs
}

// fargatePlatformVersion is the platform version of a Fargate service that sets none.
const fargatePlatformVersion = "LATEST"

func deref(n *int) int {
	if n == nil {
		return 0
	}
	return *n
}
