// Package program is the body of the webstack Pulumi program: typed stack config, its validation,
// and Run, which `pulumi up` (through main.go) and Automation API inline programs both call.
package program

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"example.com/webstack/components"
	"example.com/webstack/contract"
)

// Project is the Pulumi project name; every config key is "webstack:<key>".
const Project = "webstack"

// Config is the typed stack configuration. Each field's key and default are in Pulumi.yaml, which a
// test (TestPulumiYamlMatchesConfig) keeps equal to Defaults(), whose values are the components'
// Default* constants wherever a component has a default: those constants are the source.
type Config struct {
	ServiceName string

	AvailabilityZones        int
	VPCCIDR                  string
	NATGateways              string
	VPCEndpoints             bool
	NetworkACLs              bool
	ExistingVPCID            string
	ExistingPublicSubnetIDs  []string
	ExistingPrivateSubnetIDs []string

	BuildContext            string
	Dockerfile              string
	ImagePlatform           string
	ECREncryption           string
	UntaggedImageExpiryDays int
	ImagesToKeep            int

	IngressCIDRs               []string
	ContainerPort              int
	HealthCheckPath            string
	CertificateARN             string
	DomainName                 string
	HostedZoneID               string
	AllowInsecureHTTP          bool
	SSLPolicy                  string
	IdleTimeoutSeconds         int
	DeregistrationDelaySeconds int
	DesyncMitigationMode       string
	DeletionProtection         bool
	AccessLogs                 bool
	AccessLogsRetentionDays    int

	WAF          bool
	WAFRateLimit int

	CPU                           int
	Memory                        int
	DesiredCount                  int
	MinCount                      int
	MaxCount                      int
	FargateBase                   int
	FargateWeight                 int
	FargateSpotWeight             int
	HealthCheckGracePeriodSeconds int
	LogRetentionDays              int
	EnableExecuteCommand          bool
	Environment                   []string
	Secrets                       []string

	ComputeType            string
	InstanceTypes          []string
	MinInstances           int
	MaxInstances           int
	TargetCapacityPercent  int
	SpotInstancePercent    int
	InstanceRootVolumeGiB  int
	InstanceSessionManager bool

	Autoscaling             bool
	CPUTargetPercent        int
	MemoryTargetPercent     int
	RequestsPerTarget       int
	ScaleInCooldownSeconds  int
	ScaleOutCooldownSeconds int
	ScaleSchedules          []string

	DeploymentStrategy          string
	TrafficShifting             string
	TrafficShiftPercent         int
	TrafficShiftIntervalMinutes int
	BlueTerminationWaitMinutes  int
	TestListenerPort            int
	TestListenerCIDRs           []string

	AlarmEmail                    string
	Alarm5xxRatePercent           int
	AlarmTarget5xxPerMinute       int
	AlarmUnhealthyHosts           int
	AlarmP99LatencyMs             int
	AlarmTasksBelowDesiredMinutes int
	AlarmCPUPercent               int
	AlarmMemoryPercent            int
	AlarmEvaluationMinutes        int
	AlarmDatapointsToAlarm        int
}

// field binds a config key to its Config field; one table drives loading, defaults and the
// Pulumi.yaml consistency test, so a key cannot be read under one name and documented under another.
type field struct {
	key string
	ptr any // *string, *int, *bool or *[]string
}

func (c *Config) fields() []field {
	return []field{
		{"serviceName", &c.ServiceName},
		{"availabilityZones", &c.AvailabilityZones},
		{"vpcCidr", &c.VPCCIDR},
		{"natGateways", &c.NATGateways},
		{"vpcEndpoints", &c.VPCEndpoints},
		{"networkAcls", &c.NetworkACLs},
		{"existingVpcId", &c.ExistingVPCID},
		{"existingPublicSubnetIds", &c.ExistingPublicSubnetIDs},
		{"existingPrivateSubnetIds", &c.ExistingPrivateSubnetIDs},
		{"buildContext", &c.BuildContext},
		{"dockerfile", &c.Dockerfile},
		{"imagePlatform", &c.ImagePlatform},
		{"ecrEncryption", &c.ECREncryption},
		{"untaggedImageExpiryDays", &c.UntaggedImageExpiryDays},
		{"imagesToKeep", &c.ImagesToKeep},
		{"ingressCidrs", &c.IngressCIDRs},
		{"containerPort", &c.ContainerPort},
		{"healthCheckPath", &c.HealthCheckPath},
		{"certificateArn", &c.CertificateARN},
		{"domainName", &c.DomainName},
		{"hostedZoneId", &c.HostedZoneID},
		{"allowInsecureHttp", &c.AllowInsecureHTTP},
		{"sslPolicy", &c.SSLPolicy},
		{"idleTimeoutSeconds", &c.IdleTimeoutSeconds},
		{"deregistrationDelaySeconds", &c.DeregistrationDelaySeconds},
		{"desyncMitigationMode", &c.DesyncMitigationMode},
		{"deletionProtection", &c.DeletionProtection},
		{"accessLogs", &c.AccessLogs},
		{"accessLogsRetentionDays", &c.AccessLogsRetentionDays},
		{"waf", &c.WAF},
		{"wafRateLimit", &c.WAFRateLimit},
		{"cpu", &c.CPU},
		{"memory", &c.Memory},
		{"desiredCount", &c.DesiredCount},
		{"minCount", &c.MinCount},
		{"maxCount", &c.MaxCount},
		{"fargateBase", &c.FargateBase},
		{"fargateWeight", &c.FargateWeight},
		{"fargateSpotWeight", &c.FargateSpotWeight},
		{"healthCheckGracePeriodSeconds", &c.HealthCheckGracePeriodSeconds},
		{"logRetentionDays", &c.LogRetentionDays},
		{"enableExecuteCommand", &c.EnableExecuteCommand},
		{"environment", &c.Environment},
		{"secrets", &c.Secrets},
		{"computeType", &c.ComputeType},
		{"instanceTypes", &c.InstanceTypes},
		{"minInstances", &c.MinInstances},
		{"maxInstances", &c.MaxInstances},
		{"targetCapacityPercent", &c.TargetCapacityPercent},
		{"spotInstancePercent", &c.SpotInstancePercent},
		{"instanceRootVolumeGiB", &c.InstanceRootVolumeGiB},
		{"instanceSessionManager", &c.InstanceSessionManager},
		{"autoscaling", &c.Autoscaling},
		{"cpuTargetPercent", &c.CPUTargetPercent},
		{"memoryTargetPercent", &c.MemoryTargetPercent},
		{"requestsPerTarget", &c.RequestsPerTarget},
		{"scaleInCooldownSeconds", &c.ScaleInCooldownSeconds},
		{"scaleOutCooldownSeconds", &c.ScaleOutCooldownSeconds},
		{"scaleSchedules", &c.ScaleSchedules},
		{"deploymentStrategy", &c.DeploymentStrategy},
		{"trafficShifting", &c.TrafficShifting},
		{"trafficShiftPercent", &c.TrafficShiftPercent},
		{"trafficShiftIntervalMinutes", &c.TrafficShiftIntervalMinutes},
		{"blueTerminationWaitMinutes", &c.BlueTerminationWaitMinutes},
		{"testListenerPort", &c.TestListenerPort},
		{"testListenerCidrs", &c.TestListenerCIDRs},
		{"alarmEmail", &c.AlarmEmail},
		{"alarm5xxRatePercent", &c.Alarm5xxRatePercent},
		{"alarmTarget5xxPerMinute", &c.AlarmTarget5xxPerMinute},
		{"alarmUnhealthyHosts", &c.AlarmUnhealthyHosts},
		{"alarmP99LatencyMs", &c.AlarmP99LatencyMs},
		{"alarmTasksBelowDesiredMinutes", &c.AlarmTasksBelowDesiredMinutes},
		{"alarmCpuPercent", &c.AlarmCPUPercent},
		{"alarmMemoryPercent", &c.AlarmMemoryPercent},
		{"alarmEvaluationMinutes", &c.AlarmEvaluationMinutes},
		{"alarmDatapointsToAlarm", &c.AlarmDatapointsToAlarm},
	}
}

// Defaults is the configuration of a stack that sets nothing: secure, small, HTTPS required.
func Defaults() Config {
	return Config{
		ServiceName:                   "webstack",
		AvailabilityZones:             components.DefaultAvailabilityZones,
		VPCCIDR:                       components.DefaultVPCCIDR,
		NATGateways:                   components.DefaultNATGateways,
		ExistingPublicSubnetIDs:       []string{},
		ExistingPrivateSubnetIDs:      []string{},
		BuildContext:                  components.DefaultBuildContext,
		Dockerfile:                    components.DefaultDockerfile,
		ImagePlatform:                 components.DefaultImagePlatform,
		ECREncryption:                 components.DefaultECREncryption,
		UntaggedImageExpiryDays:       components.DefaultUntaggedExpiryDays,
		ImagesToKeep:                  components.DefaultImagesToKeep,
		IngressCIDRs:                  []string{components.DefaultIngressCIDR},
		ContainerPort:                 components.DefaultContainerPort,
		HealthCheckPath:               components.DefaultHealthCheckPath,
		SSLPolicy:                     components.DefaultSSLPolicy,
		IdleTimeoutSeconds:            components.DefaultIdleTimeoutSeconds,
		DeregistrationDelaySeconds:    components.DefaultDeregistrationDelaySeconds,
		DesyncMitigationMode:          components.DefaultDesyncMitigationMode,
		AccessLogsRetentionDays:       components.DefaultAccessLogsRetentionDays,
		WAFRateLimit:                  components.DefaultWAFRateLimit,
		CPU:                           components.DefaultCPU,
		Memory:                        components.DefaultMemory,
		DesiredCount:                  components.DefaultDesiredCount,
		MinCount:                      components.DefaultMinCount,
		MaxCount:                      components.DefaultMaxCount,
		FargateWeight:                 components.DefaultFargateWeight,
		HealthCheckGracePeriodSeconds: components.DefaultHealthCheckGracePeriodSeconds,
		LogRetentionDays:              components.DefaultLogRetentionDays,
		Environment:                   []string{},
		Secrets:                       []string{},
		ComputeType:                   contract.ComputeFargate,
		InstanceTypes:                 []string{components.DefaultInstanceType},
		MinInstances:                  components.DefaultMinInstances,
		MaxInstances:                  components.DefaultMaxInstances(components.DefaultMinInstances),
		TargetCapacityPercent:         components.DefaultTargetCapacityPercent,
		InstanceRootVolumeGiB:         components.DefaultRootVolumeSizeGiB,
		Autoscaling:                   true,
		CPUTargetPercent:              components.DefaultCPUTargetPercent,
		MemoryTargetPercent:           components.DefaultMemoryTargetPercent,
		RequestsPerTarget:             components.DefaultRequestsPerTarget,
		ScaleInCooldownSeconds:        components.DefaultScaleInCooldownSeconds,
		ScaleOutCooldownSeconds:       components.DefaultScaleOutCooldownSeconds,
		ScaleSchedules:                []string{},
		DeploymentStrategy:            components.StrategyRolling,
		TrafficShifting:               components.DefaultTrafficShifting,
		TrafficShiftPercent:           components.DefaultTrafficShiftPercent,
		TrafficShiftIntervalMinutes:   components.DefaultTrafficShiftIntervalMinutes,
		BlueTerminationWaitMinutes:    components.DefaultTerminationWaitMinutes,
		TestListenerPort:              components.DefaultTestListenerPort,
		TestListenerCIDRs:             []string{},
		Alarm5xxRatePercent:           components.DefaultALB5xxRatePercent,
		AlarmTarget5xxPerMinute:       components.DefaultTarget5xxPerMinute,
		AlarmUnhealthyHosts:           components.DefaultUnhealthyHosts,
		AlarmP99LatencyMs:             components.DefaultP99LatencySeconds * components.MillisecondsPerSecond,
		AlarmTasksBelowDesiredMinutes: components.DefaultTasksBelowDesiredPeriod,
		AlarmCPUPercent:               components.DefaultAlarmCPUPercent,
		AlarmMemoryPercent:            components.DefaultAlarmMemoryPercent,
		AlarmEvaluationMinutes:        components.DefaultEvaluationMinutes,
		AlarmDatapointsToAlarm:        components.DefaultDatapointsToAlarm,
	}
}

// Keys lists every config key the program reads, without the project prefix.
func Keys() []string {
	var c Config
	fs := c.fields()
	keys := make([]string, len(fs))
	for i, f := range fs {
		keys[i] = f.key
	}
	return keys
}

// Load reads the config of stack through get (which answers for a full key such as
// "webstack:cpu"), starting from Defaults, then validates it with the stack's aws:region. keys
// are the full keys the stack sets, in any namespace (Run passes all of them): a key in the
// project's namespace that the program does not read is refused, naming the nearest key it does
// read. It returns one *ConfigError listing every problem, type errors and invalid values alike.
func Load(stack string, get func(key string) (string, bool), keys ...string) (Config, error) {
	c := Defaults()
	probs := unknownKeys(keys)
	region, _ := get(RegionKey)
	probs = append(probs, validateRegion(stack, region)...)
	for _, f := range c.fields() {
		raw, ok := get(Project + ":" + f.key)
		if !ok {
			continue
		}
		if err := parseInto(f.ptr, raw); err != nil {
			probs.add(f.key, err.Error(), "set it with `pulumi config set "+f.key+" <value>` (see Pulumi.yaml for the type)")
		}
	}
	probs = append(probs, c.validate()...)
	// Only a valid serviceName can be blamed on the stack name.
	if name := c.PhysicalName(stack); components.CheckWebServiceName(c.ServiceName) == nil && !components.ValidRepositoryName(name) {
		probs.add("serviceName", fmt.Sprintf("the per-stack name %q (serviceName-stack) is not a valid ECR repository name", name),
			"use a stack name of lowercase letters and digits separated by single - . or _")
	}
	if len(probs) > 0 {
		return c, &ConfigError{Problems: probs}
	}
	return c, nil
}

func parseInto(ptr any, raw string) error {
	switch p := ptr.(type) {
	case *string:
		*p = raw
	case *int:
		n, err := strconv.Atoi(strings.TrimSpace(raw))
		if err != nil {
			return fmt.Errorf("%q is not an integer", raw)
		}
		*p = n
	case *bool:
		b, err := strconv.ParseBool(strings.TrimSpace(raw))
		if err != nil {
			return fmt.Errorf("%q is not a boolean (true or false)", raw)
		}
		*p = b
	case *[]string:
		// The CLI passes arrays as JSON text.
		var v []string
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			return fmt.Errorf("%q is not a list of strings", raw)
		}
		*p = v
	default:
		panic(fmt.Sprintf("config field of unsupported type %T", ptr))
	}
	return nil
}
