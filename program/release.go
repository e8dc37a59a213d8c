package program

import (
	"fmt"
	"net/netip"
	"time"

	"example.com/webstack/components"
	"example.com/webstack/contract"
	"example.com/webstack/release"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// releaseMargin is the deploy command's budget for all of a release but CodeDeploy's traffic
// shifting: task start, health checks, the test listener check and verification from every AZ.
const releaseMargin = 15 * time.Minute

// ReleaseTimeout is how long the deploy command may take from `pulumi up` to a verified release
// (exported as releaseTimeoutSeconds): the margin, plus the traffic shift under blue-green. The
// blue termination wait is not in it: the command verifies while blue waits.
func (c *Config) ReleaseTimeout() time.Duration {
	if c.DeploymentStrategy != components.StrategyBlueGreen {
		return releaseMargin
	}
	return releaseMargin + c.trafficShifting().Duration()
}

func (c *Config) trafficShifting() components.TrafficShifting {
	return components.TrafficShifting{Type: c.TrafficShifting, Percentage: c.TrafficShiftPercent, IntervalMinutes: c.TrafficShiftIntervalMinutes}
}

// releaseTaskStart is the time a new Fargate task takes from placement to a started process (image
// pull included): an assumption, the only part of a release's duration no setting decides
// (release.Timing). The same figure as the release-time comparison in release/estimate_test.go.
const releaseTaskStart = 30 * time.Second

// NextStack is what the deploy command compares with the live stack before `pulumi up`
// (release/edits.go), with the expected duration of a blue-green release under this config:
// EstimateReleaseTime with our target group, drain and CodeDeploy settings.
func (c *Config) NextStack() *release.NextStack {
	timing := release.WebstackTiming(releaseTaskStart, time.Duration(c.DeregistrationDelaySeconds)*time.Second)
	timing.TrafficShift = c.trafficShifting().Duration()
	timing.TerminationWait = time.Duration(c.BlueTerminationWaitMinutes) * time.Minute
	next := &release.NextStack{Strategy: release.Strategy(c.DeploymentStrategy), ComputeType: c.ComputeType, ContainerPort: c.ContainerPort,
		ReleaseTime: release.EstimateReleaseTime(timing, release.BlueGreen).Done}
	if c.ExistingVpcID == "" { // as deployCommandOutputs exports it
		next.AvailabilityZones = c.AvailabilityZones
	}
	return next
}

// validateRelease checks the deployment strategy and alarm keys.
func (c *Config) validateRelease(p *Problems, intRange func(key string, v, lo, hi int), oneOf func(key, v string, allowed ...string)) {
	oneOf("deploymentStrategy", c.DeploymentStrategy, components.StrategyRolling, components.StrategyBlueGreen)
	oneOf("trafficShifting", c.TrafficShifting, "canary", "linear", "all-at-once")
	p.check("trafficShiftPercent", components.CheckTrafficShiftPercent(c.TrafficShiftPercent))
	p.check("trafficShiftIntervalMinutes", components.CheckTrafficShiftInterval(c.TrafficShiftIntervalMinutes))
	p.check("blueTerminationWaitMinutes", components.CheckTerminationWait(c.BlueTerminationWaitMinutes))
	p.check("testListenerPort", components.CheckTestListenerPort(c.TestListenerPort))
	if c.DeploymentStrategy == components.StrategyBlueGreen && len(c.TestListenerCidrs) == 0 {
		p.add("testListenerCidrs", "empty: blue-green opens a test listener to the machines that run the release checks, and only to them",
			`list their IPv4 CIDRs, e.g. ["203.0.113.0/24"]`)
	}
	for _, s := range c.TestListenerCidrs {
		switch pfx, err := netip.ParsePrefix(s); {
		case err != nil || !pfx.Addr().Is4() || pfx.Masked() != pfx:
			p.add("testListenerCidrs", fmt.Sprintf("%q is not an IPv4 CIDR block", s), "use blocks like 203.0.113.0/24 (host bits zero)")
		case pfx.Bits() == 0:
			p.add("testListenerCidrs", fmt.Sprintf("%q opens the test listener, which serves unreleased versions, to the internet", s),
				"list only the CIDRs of the machines that run the release checks")
		}
	}

	if c.AlarmEmail != "" && !components.ValidEmail(c.AlarmEmail) {
		p.add("alarmEmail", fmt.Sprintf("%q is not an email address", c.AlarmEmail), "use an address like oncall@example.com, or leave it empty")
	}
	intRange("alarm5xxRatePercent", c.Alarm5xxRatePercent, 1, 100)
	intRange("alarmTarget5xxPerMinute", c.AlarmTarget5xxPerMinute, 1, 1000000)
	intRange("alarmUnhealthyHosts", c.AlarmUnhealthyHosts, 1, 1000)
	intRange("alarmP99LatencyMs", c.AlarmP99LatencyMs, 1, 600000)
	// CloudWatch evaluates at most one day of one-minute periods.
	intRange("alarmTasksBelowDesiredMinutes", c.AlarmTasksBelowDesiredMinutes, 1, 1440)
	intRange("alarmCpuPercent", c.AlarmCPUPercent, 1, 100)
	intRange("alarmMemoryPercent", c.AlarmMemoryPercent, 1, 100)
	intRange("alarmEvaluationMinutes", c.AlarmEvaluationMinutes, 1, 1440)
	if c.AlarmDatapointsToAlarm < 1 || c.AlarmDatapointsToAlarm > c.AlarmEvaluationMinutes {
		p.add("alarmDatapointsToAlarm", fmt.Sprintf("%d is outside 1..alarmEvaluationMinutes (%d)", c.AlarmDatapointsToAlarm, c.AlarmEvaluationMinutes),
			"use at most alarmEvaluationMinutes breaching minutes")
	}
}

// addReleaseArgs maps the strategy and alarm keys onto the WebService args.
func (c *Config) addReleaseArgs(args *components.WebServiceArgs) {
	args.Monitoring = &components.MonitoringArgs{
		AlarmEmail: c.AlarmEmail,
		Thresholds: components.AlarmThresholds{
			Alb5xxRatePercent:       float64(c.Alarm5xxRatePercent),
			Target5xxPerMinute:      float64(c.AlarmTarget5xxPerMinute),
			UnhealthyHosts:          float64(c.AlarmUnhealthyHosts),
			P99LatencySeconds:       float64(c.AlarmP99LatencyMs) / 1000,
			TasksBelowDesiredPeriod: c.AlarmTasksBelowDesiredMinutes,
			CPUPercent:              float64(c.AlarmCPUPercent),
			MemoryPercent:           float64(c.AlarmMemoryPercent),
			EvaluationMinutes:       c.AlarmEvaluationMinutes,
			DatapointsToAlarm:       c.AlarmDatapointsToAlarm,
		},
	}
	if c.DeploymentStrategy == components.StrategyBlueGreen {
		args.LoadBalancer.TestListener = &components.TestListenerArgs{Port: c.TestListenerPort, CidrBlocks: c.TestListenerCidrs}
		args.BlueGreen = &components.BlueGreenArgs{TrafficShifting: c.trafficShifting(), TerminationWaitMinutes: c.BlueTerminationWaitMinutes}
	}
}

// addReleaseOutputs adds the release-related stack outputs cmd/deploy reads (names: package
// contract); the blue-green ones only under blue-green.
func (c *Config) addReleaseOutputs(out map[string]pulumi.Input, ws *components.WebService) {
	out[contract.OutputDeploymentStrategy] = pulumi.String(c.DeploymentStrategy)
	out[contract.OutputReleaseTimeoutSeconds] = pulumi.Int(int(c.ReleaseTimeout().Seconds()))
	out[contract.OutputAlarmNames] = ws.AlarmNames
	out["dashboardName"] = ws.DashboardName
	out["alarmTopicArn"] = ws.AlarmTopicArn
	if c.DeploymentStrategy == components.StrategyBlueGreen {
		out[contract.OutputCodeDeployApplication] = ws.CodeDeployApplicationName
		out[contract.OutputCodeDeployGroup] = ws.CodeDeployDeploymentGroupName
		out[contract.OutputTestListenerURL] = ws.TestListenerURL
	}
}
