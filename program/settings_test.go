package program

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"example.com/webstack/components"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// An intLimit is a config key's integer range, read from the components' constants.
type intLimit struct {
	key    string
	lo, hi int
	set    func(c *Config, v int)
	// zeroIsDefault: the component reads 0 as "unset" and applies its default, so at 0 only
	// program's refusal is asserted (program passes no zero it refuses).
	zeroIsDefault bool
}

// sharedIntLimits are the integer limits of the settings program maps onto the components.
func sharedIntLimits() []intLimit {
	blueGreenWith := func(f func(c *Config, v int)) func(c *Config, v int) {
		return func(c *Config, v int) { blueGreen(c); f(c, v) }
	}
	ec2With := func(f func(c *Config, v int)) func(c *Config, v int) {
		return func(c *Config, v int) { useEC2(c); f(c, v) }
	}
	wafWith := func(f func(c *Config, v int)) func(c *Config, v int) {
		return func(c *Config, v int) { c.WAF = true; f(c, v) }
	}
	return []intLimit{
		{"serviceName", 2, components.MaxWebServiceNameLength, func(c *Config, n int) { c.ServiceName = "a" + strings.Repeat("b", n-1) }, false},
		{"containerPort", components.MinContainerPort, components.MaxPort, func(c *Config, v int) { c.ContainerPort = v }, true},
		{"availabilityZones", components.MinAvailabilityZones, components.MaxAvailabilityZones, func(c *Config, v int) { c.AvailabilityZones = v }, true},
		{"idleTimeoutSeconds", 1, components.MaxIdleTimeoutSeconds, func(c *Config, v int) { c.IdleTimeoutSeconds = v }, true},
		{"deregistrationDelaySeconds", 1, components.MaxDeregistrationDelaySeconds, func(c *Config, v int) { c.DeregistrationDelaySeconds = v }, true},
		{"accessLogsRetentionDays", 1, components.MaxAccessLogsRetentionDays, func(c *Config, v int) { c.AccessLogsRetentionDays = v }, true},
		{"wafRateLimit", components.MinWAFRateLimit, components.MaxWAFRateLimit, wafWith(func(c *Config, v int) { c.WAFRateLimit = v }), true},
		{"untaggedImageExpiryDays", 1, components.MaxUntaggedExpiryDays, func(c *Config, v int) { c.UntaggedImageExpiryDays = v }, true},
		{"imagesToKeep", 1, components.MaxImagesToKeep, func(c *Config, v int) { c.ImagesToKeep = v }, true},
		{"desiredCount", components.MinTaskCount, components.MaxTaskCount, func(c *Config, v int) {
			c.MinCount, c.MaxCount, c.DesiredCount = components.MinTaskCount, components.MaxTaskCount, v
		}, true},
		{"minCount", components.MinTaskCount, components.MaxTaskCount, func(c *Config, v int) {
			c.MinCount, c.MaxCount, c.DesiredCount = v, components.MaxTaskCount, min(max(v, components.MinTaskCount), components.MaxTaskCount)
		}, true},
		{"maxCount", components.MinTaskCount, components.MaxTaskCount, func(c *Config, v int) {
			c.MinCount, c.MaxCount, c.DesiredCount = components.MinTaskCount, v, components.MinTaskCount
		}, true},
		{"fargateBase", 0, components.MaxFargateBase, func(c *Config, v int) { c.FargateBase = v }, false},
		{"fargateWeight", 0, components.MaxFargateWeight, func(c *Config, v int) { c.FargateWeight, c.FargateSpotWeight = v, 1 }, false},
		{"fargateSpotWeight", 0, components.MaxFargateWeight, func(c *Config, v int) { c.FargateSpotWeight = v }, false},
		{"healthCheckGracePeriodSeconds", 0, components.MaxHealthCheckGracePeriodSeconds, func(c *Config, v int) { c.HealthCheckGracePeriodSeconds = v }, false},
		{"cpuTargetPercent", components.MinTargetPercent, components.MaxTargetPercent, func(c *Config, v int) { c.CPUTargetPercent = v }, true},
		{"memoryTargetPercent", components.MinTargetPercent, components.MaxTargetPercent, func(c *Config, v int) { c.MemoryTargetPercent = v }, true},
		{"requestsPerTarget", 1, components.MaxRequestsPerTarget, func(c *Config, v int) { c.RequestsPerTarget = v }, true},
		{"scaleInCooldownSeconds", 0, components.MaxScaleCooldownSeconds, func(c *Config, v int) { c.ScaleInCooldownSeconds = v }, false},
		{"scaleOutCooldownSeconds", 0, components.MaxScaleCooldownSeconds, func(c *Config, v int) { c.ScaleOutCooldownSeconds = v }, false},
		{"minInstances", components.MinEC2Instances, components.MaxEC2Instances, ec2With(func(c *Config, v int) {
			c.MinInstances, c.MaxInstances = v, components.MaxEC2Instances
		}), true},
		{"maxInstances", components.MinEC2Instances, components.MaxEC2Instances, ec2With(func(c *Config, v int) {
			c.MinInstances, c.MaxInstances = components.MinEC2Instances, v
			c.Autoscaling, c.DesiredCount = false, components.MinTaskCount // so MinEC2Instances hold the tasks
		}), true},
		{"targetCapacityPercent", 1, components.MaxPercent, ec2With(func(c *Config, v int) { c.TargetCapacityPercent = v }), true},
		{"spotInstancePercent", 0, components.MaxPercent, ec2With(func(c *Config, v int) { c.SpotInstancePercent = v }), false},
		{"instanceRootVolumeGiB", components.MinRootVolumeSizeGiB, components.MaxRootVolumeSizeGiB, ec2With(func(c *Config, v int) { c.InstanceRootVolumeGiB = v }), true},
		{"trafficShiftPercent", 1, components.MaxTrafficShiftPercent, blueGreenWith(func(c *Config, v int) { c.TrafficShiftPercent = v }), true},
		{"trafficShiftIntervalMinutes", 1, components.MaxTrafficShiftIntervalMinutes, blueGreenWith(func(c *Config, v int) { c.TrafficShiftIntervalMinutes = v }), true},
		{"blueTerminationWaitMinutes", 1, components.MaxTerminationWaitMinutes, blueGreenWith(func(c *Config, v int) { c.BlueTerminationWaitMinutes = v }), true},
		{"testListenerPort", 1, components.MaxPort, blueGreenWith(func(c *Config, v int) { c.TestListenerPort = v }), true},
		{"alarm5xxRatePercent", 1, components.MaxPercent, func(c *Config, v int) { c.Alarm5xxRatePercent = v }, true},
		{"alarmTarget5xxPerMinute", 1, components.MaxAlarmTarget5xxPerMinute, func(c *Config, v int) { c.AlarmTarget5xxPerMinute = v }, true},
		{"alarmUnhealthyHosts", 1, components.MaxAlarmUnhealthyHosts, func(c *Config, v int) { c.AlarmUnhealthyHosts = v }, true},
		{"alarmP99LatencyMs", 1, components.MaxAlarmP99LatencySeconds * components.MillisecondsPerSecond, func(c *Config, v int) { c.AlarmP99LatencyMs = v }, true},
		{"alarmTasksBelowDesiredMinutes", 1, components.MaxAlarmMinutes, func(c *Config, v int) { c.AlarmTasksBelowDesiredMinutes = v }, true},
		{"alarmCpuPercent", 1, components.MaxPercent, func(c *Config, v int) { c.AlarmCPUPercent = v }, true},
		{"alarmMemoryPercent", 1, components.MaxPercent, func(c *Config, v int) { c.AlarmMemoryPercent = v }, true},
		{"alarmEvaluationMinutes", 1, components.MaxAlarmMinutes, func(c *Config, v int) { c.AlarmEvaluationMinutes, c.AlarmDatapointsToAlarm = v, 1 }, true},
		{"alarmDatapointsToAlarm", 1, components.DefaultEvaluationMinutes, func(c *Config, v int) { c.AlarmDatapointsToAlarm = v }, true},
	}
}

// A setting the program and a component both take has one limit: the program refuses a value
// exactly when the components would (their checks live in components/settings*.go). Each integer
// limit is taken from the components' exported constants and tried just outside and just inside
// both ends, through program's validate and through the WebServiceArgs.Validate that the program's
// mapping feeds; so a limit changed on one side only, or a mapping that loses a value, turns this
// red.
func TestProgramAndComponentsShareLimits(t *testing.T) {
	limits := sharedIntLimits()
	// logRetentionDays is a list, not a range: its ends, and a value between two entries.
	logRetention := func(c *Config, v int) { c.LogRetentionDays = v }
	for _, v := range []int{components.LogRetentionDays[0], components.LogRetentionDays[len(components.LogRetentionDays)-1]} {
		limits = append(limits, intLimit{"logRetentionDays", v, v, logRetention, true})
	}
	for _, l := range limits {
		for _, v := range []int{l.lo - 1, l.lo, l.hi, l.hi + 1} {
			inside := v >= l.lo && v <= l.hi
			if l.key == "logRetentionDays" && !inside && slices.Contains(components.LogRetentionDays, v) {
				continue // the neighbour of one entry may be another
			}
			checkSameVerdict(t, l.key, fmt.Sprint(v), inside, v == 0 && l.zeroIsDefault, func(c *Config) { l.set(c, v) })
		}
	}

	// The string settings: a value each side of a rule that used to be written twice.
	for _, tc := range []struct {
		key, value string
		inside     bool
		set        func(c *Config)
	}{
		{"vpcCidr", "10.0.0.0/22", false, func(c *Config) { c.VPCCIDR = "10.0.0.0/22" }},
		{"vpcCidr", "10.0.0.0/20", true, func(c *Config) { c.VPCCIDR = "10.0.0.0/20" }},
		{"certificateArn", "arn:aws:acm:my-cert", false, func(c *Config) { c.CertificateARN = "arn:aws:acm:my-cert" }},
		{"domainName", "API.example.com", false, func(c *Config) { c.DomainName, c.HostedZoneID = "API.example.com", "Z0123456789ABCDEFGHIJ" }},
		{"hostedZoneId", "zone1", false, func(c *Config) { c.DomainName, c.HostedZoneID = "api.example.com", "zone1" }},
		{"healthCheckPath", "/a%20b", false, func(c *Config) { c.HealthCheckPath = "/a%20b" }},
		{"natGateways", "None", false, func(c *Config) { c.NATGateways = "None" }},
		{"ingressCidrs", "10.0.0.1/8", false, func(c *Config) { c.IngressCIDRs = []string{"10.0.0.1/8"} }},
		{"ingressCidrs", "10.0.0.0/8", true, func(c *Config) { c.IngressCIDRs = []string{"10.0.0.0/8"} }},
		{"testListenerCidrs", "0.0.0.0/0", false, func(c *Config) { blueGreen(c); c.TestListenerCIDRs = []string{"0.0.0.0/0"} }},
		{"existingVpcId", "vpc-0abc", false, func(c *Config) { existingVPC(c); c.ExistingVPCID = "vpc-0abc" }},
		{"existingVpcId", "vpc-0123456789abcdef0", true, existingVPC},
		{"existingPrivateSubnetIds", "a subnet twice", false, func(c *Config) {
			existingVPC(c)
			c.ExistingPrivateSubnetIDs = []string{c.ExistingPrivateSubnetIDs[0], c.ExistingPrivateSubnetIDs[0]}
		}},
		{"existingPublicSubnetIds", "a private subnet", false, func(c *Config) { existingVPC(c); c.ExistingPublicSubnetIDs[0] = c.ExistingPrivateSubnetIDs[0] }},
		{"vpcEndpoints", "true with an existing VPC", false, func(c *Config) { existingVPC(c); c.VPCEndpoints = true }},
		{"imagePlatform", "linux/386", false, func(c *Config) { c.ImagePlatform = "linux/386" }},
		{"hostedZoneId", "empty with a domain", false, func(c *Config) { c.DomainName = "api.example.com" }},
		{"certificateArn", "none, HTTP not allowed", false, func(c *Config) { c.AllowInsecureHTTP = false }},
		{"existingVpcId", "empty with subnets", false, func(c *Config) { existingVPC(c); c.ExistingVPCID = "" }},
		{"natGateways", "None on EC2", false, func(c *Config) { useEC2(c); c.NATGateways, c.VPCEndpoints = "None", true }},
		{"natGateways", "None on Fargate", true, func(c *Config) { c.NATGateways, c.VPCEndpoints = "None", true }},
		{"alarmEmail", "oncall", false, func(c *Config) { c.AlarmEmail = "oncall" }},
		{"enableExecuteCommand", "true with blue-green", false, func(c *Config) { blueGreen(c); c.EnableExecuteCommand = true }},
		{"fargateSpotWeight", "1 with linux/arm64", false, func(c *Config) { c.ImagePlatform, c.FargateSpotWeight = "linux/arm64", 1 }},
		{"fargateSpotWeight", "0 with linux/arm64", true, func(c *Config) { c.ImagePlatform = "linux/arm64" }},
		{"trafficShifting", "instant", false, func(c *Config) { blueGreen(c); c.TrafficShifting = "instant" }},
		{"scaleSchedules", "min 1", false, func(c *Config) { c.ScaleSchedules = []string{"night;cron(0 22 * * ? *);1;2"} }},
		{"scaleSchedules", "min 2", true, func(c *Config) { c.ScaleSchedules = []string{"night;cron(0 22 * * ? *);2;2"} }},
		{"serviceName", "ecsapi on ec2", false, func(c *Config) { useEC2(c); c.ServiceName = "ecsapi" }},
		{"maxInstances", "too few for maxCount", false, func(c *Config) { useEC2(c); c.MaxInstances, c.MaxCount = components.MinEC2Instances, 100 }},
		{"maxInstances", "enough for maxCount", true, func(c *Config) { useEC2(c); c.MaxInstances, c.MaxCount = 50, 100 }},
		{"environment", "API_TOKEN in plain text", false, func(c *Config) { c.Environment = []string{"API_TOKEN=x"} }},
		{"environment", "PORT", false, func(c *Config) { c.Environment = []string{"PORT=9000"} }},
		{"secrets", "not an ARN", false, func(c *Config) { c.Secrets = []string{"DB=hunter2"} }},
		{"secrets", "an alias for a key", false, func(c *Config) {
			c.Secrets = []string{"DB=arn:aws:ssm:us-east-1:123456789012:parameter/db" + secretKMSKeySep + "alias/db"}
		}},
		{"secrets", "a parameter", true, func(c *Config) { c.Secrets = []string{"DB=arn:aws:ssm:us-east-1:123456789012:parameter/db"} }},
		{"instanceTypes", "a type twice", false, func(c *Config) { useEC2(c); c.InstanceTypes = []string{"t3.medium", "t3.medium"} }},
		{"instanceTypes", "arm64 types for an amd64 image", false, func(c *Config) { useEC2(c); c.InstanceTypes = []string{"t4g.medium"} }},
	} {
		checkSameVerdict(t, tc.key, tc.value, tc.inside, false, tc.set)
	}
}

// checkSameVerdict sets one value on a valid config and asserts that program and components
// agree on it: both accept a value inside the limit (program with no problem at all), both refuse
// one outside (program under key).
func checkSameVerdict(t *testing.T, key, value string, inside, zeroIsDefault bool, set func(c *Config)) {
	t.Helper()
	c := Defaults()
	c.AllowInsecureHTTP = true
	set(&c)
	probs := c.validate()
	var programRefuses bool
	for _, p := range probs {
		programRefuses = programRefuses || p.Key == key
	}
	switch {
	case inside && len(probs) > 0:
		t.Errorf("%s = %s is inside the limit, but program refuses it: %v", key, value, probs)
		return
	case !inside && !programRefuses:
		t.Errorf("%s = %s is outside the limit, but program does not refuse it under %s (problems: %v)", key, value, key, probs)
		return
	case zeroIsDefault:
		return // the component reads 0 as its default
	}
	componentErr := c.WebServiceArgs("dev").Validate(c.ServiceName)
	if inside != (componentErr == nil) {
		t.Errorf("%s = %s: program accepts: %v; components: %v", key, value, inside, componentErr)
	}
}

// existingVPC turns a config into a valid one on an existing VPC.
func existingVPC(c *Config) {
	c.ExistingVPCID = "vpc-0123456789abcdef0"
	c.ExistingPublicSubnetIDs = []string{"subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"}
	c.ExistingPrivateSubnetIDs = []string{"subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"}
}

// useEC2 turns a config into a valid one on EC2 capacity.
func useEC2(c *Config) {
	c.ComputeType = "ec2" // the Fargate keys stay at their defaults (refused otherwise)
}

// blueGreen turns a config into a valid blue-green one.
func blueGreen(c *Config) {
	c.DeploymentStrategy, c.EnableExecuteCommand, c.TestListenerCIDRs = "blue-green", false, []string{"203.0.113.0/24"}
}

// A setting whose valid range starts at 0 reaches AWS as 0: the components used to read a zero
// cooldown as "unset" and deploy their default (300 s scale-in) instead of what the stack asked.
func TestZeroSettingsReachAWS(t *testing.T) {
	d, err := runStack(t, "dev", map[string]string{"scaleInCooldownSeconds": "0", "scaleOutCooldownSeconds": "0", "healthCheckGracePeriodSeconds": "0"})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.One(t, "aws:ecs/service:Service").Inputs["healthCheckGracePeriodSeconds"]; !got.IsNumber() || got.NumberValue() != 0 {
		t.Errorf("service healthCheckGracePeriodSeconds = %v, want 0", got)
	}
	for _, p := range d.OfType("aws:appautoscaling/policy:Policy") {
		cfg := p.Inputs["targetTrackingScalingPolicyConfiguration"].ObjectValue()
		for _, k := range []resource.PropertyKey{"scaleInCooldown", "scaleOutCooldown"} {
			if got := cfg[k]; !got.IsNumber() || got.NumberValue() != 0 {
				t.Errorf("policy %s %s = %v, want 0", p.Name, k, got)
			}
		}
	}
}

// A range Pulumi.yaml (and so docs/configuration.md, which TestDocsConfigReference holds to it)
// states for a key is that key's limit in components: "(2-6)", "1 to 100" and "at least 100" in
// a description are read back and compared with the constants.
func TestDocumentedRangesAreTheLimits(t *testing.T) {
	var project struct {
		Config map[string]struct{ Description string }
	}
	readYAML(t, filepath.Join(projectDir, "Pulumi.yaml"), &project)
	rangeRe := regexp.MustCompile(`\b(\d+)\s*(?:-|to)\s*(\d+)\b`)
	atLeastRe := regexp.MustCompile(`\bat least (\d+)\b`)
	stated := 0
	for _, l := range sharedIntLimits() {
		desc := project.Config[Project+":"+l.key].Description
		if m := rangeRe.FindStringSubmatch(desc); m != nil {
			stated++
			if lo, hi := atoi(t, m[1]), atoi(t, m[2]); lo != l.lo || hi != l.hi {
				t.Errorf("%s: Pulumi.yaml states %d-%d, the limit is %d-%d: %q", l.key, lo, hi, l.lo, l.hi, desc)
			}
		} else if m := atLeastRe.FindStringSubmatch(desc); m != nil {
			stated++
			if lo := atoi(t, m[1]); lo != l.lo {
				t.Errorf("%s: Pulumi.yaml states at least %d, the limit is %d-%d: %q", l.key, lo, l.lo, l.hi, desc)
			}
		}
	}
	if stated == 0 {
		t.Fatal("no description states a range: the pattern no longer reads Pulumi.yaml")
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
