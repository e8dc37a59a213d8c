package program

import (
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
	if c.ExistingVPCID == "" { // as deployCommandOutputs exports it
		next.AvailabilityZones = c.AvailabilityZones
	}
	return next
}

// validateRelease checks the deployment strategy and alarm keys.
func (c *Config) validateRelease(p *Problems) {
	p.check("deploymentStrategy", components.CheckOneOf(c.DeploymentStrategy, components.StrategyRolling, components.StrategyBlueGreen))
	p.check("trafficShifting", components.CheckTrafficShiftingType(c.TrafficShifting))
	p.check("trafficShiftPercent", components.CheckTrafficShiftPercent(c.TrafficShiftPercent))
	p.check("trafficShiftIntervalMinutes", components.CheckTrafficShiftInterval(c.TrafficShiftIntervalMinutes))
	p.check("blueTerminationWaitMinutes", components.CheckTerminationWait(c.BlueTerminationWaitMinutes))
	p.check("testListenerPort", components.CheckTestListenerPort(c.TestListenerPort))
	if c.DeploymentStrategy == components.StrategyBlueGreen || len(c.TestListenerCIDRs) > 0 {
		p.checkAll("testListenerCidrs", components.CheckTestListenerCIDRs(c.TestListenerCIDRs))
	}

	p.check("alarmEmail", components.CheckAlarmEmail(c.AlarmEmail))
	t := c.alarmThresholds()
	p.check("alarm5xxRatePercent", components.CheckAlarmPercent(t.ALB5xxRatePercent))
	p.check("alarmTarget5xxPerMinute", components.CheckAlarmTarget5xxPerMinute(t.Target5xxPerMinute))
	p.check("alarmUnhealthyHosts", components.CheckAlarmUnhealthyHosts(t.UnhealthyHosts))
	p.check("alarmP99LatencyMs", components.CheckAlarmP99LatencyMs(c.AlarmP99LatencyMs))
	p.check("alarmTasksBelowDesiredMinutes", components.CheckAlarmMinutes(t.TasksBelowDesiredPeriod))
	p.check("alarmCpuPercent", components.CheckAlarmPercent(t.CPUPercent))
	p.check("alarmMemoryPercent", components.CheckAlarmPercent(t.MemoryPercent))
	p.check("alarmEvaluationMinutes", components.CheckAlarmMinutes(t.EvaluationMinutes))
	p.check("alarmDatapointsToAlarm", components.CheckDatapointsToAlarm(t.DatapointsToAlarm, t.EvaluationMinutes))
}

// alarmThresholds maps the alarm keys onto the component's thresholds.
func (c *Config) alarmThresholds() components.AlarmThresholds {
	return components.AlarmThresholds{
		ALB5xxRatePercent:       float64(c.Alarm5xxRatePercent),
		Target5xxPerMinute:      float64(c.AlarmTarget5xxPerMinute),
		UnhealthyHosts:          float64(c.AlarmUnhealthyHosts),
		P99LatencySeconds:       float64(c.AlarmP99LatencyMs) / components.MillisecondsPerSecond,
		TasksBelowDesiredPeriod: c.AlarmTasksBelowDesiredMinutes,
		CPUPercent:              float64(c.AlarmCPUPercent),
		MemoryPercent:           float64(c.AlarmMemoryPercent),
		EvaluationMinutes:       c.AlarmEvaluationMinutes,
		DatapointsToAlarm:       c.AlarmDatapointsToAlarm,
	}
}

// addReleaseArgs maps the strategy and alarm keys onto the WebService args.
func (c *Config) addReleaseArgs(args *components.WebServiceArgs) {
	args.Monitoring = &components.MonitoringArgs{
		AlarmEmail: c.AlarmEmail,
		Thresholds: c.alarmThresholds(),
	}
	if c.DeploymentStrategy == components.StrategyBlueGreen {
		args.LoadBalancer.TestListener = &components.TestListenerArgs{Port: c.TestListenerPort, CIDRBlocks: c.TestListenerCIDRs}
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
	out["alarmTopicArn"] = ws.AlarmTopicARN
	if c.DeploymentStrategy == components.StrategyBlueGreen {
		out[contract.OutputCodeDeployApplication] = ws.CodeDeployApplicationName
		out[contract.OutputCodeDeployGroup] = ws.CodeDeployDeploymentGroupName
		out[contract.OutputTestListenerURL] = ws.TestListenerURL
	}
}
