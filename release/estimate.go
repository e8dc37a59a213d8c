package release

import (
	"time"

	"example.com/webstack/components"
)

// Timing is what decides how long a release of a healthy task takes. Every field is a setting of
// the target group, the ECS service, CodeDeploy or the API; TaskStart (placement, image pull,
// process start) is the same whatever the settings and is taken as given.
type Timing struct {
	TaskStart           time.Duration
	HealthCheckInterval time.Duration
	HealthyThreshold    int
	DeregistrationDelay time.Duration
	// ShutdownDrain is how long a task takes to exit after SIGTERM: the API's drain delay plus
	// shutdown, or the ECS stopTimeout (SIGKILL) for an app that ignores SIGTERM.
	ShutdownDrain time.Duration
	// Blue-green only: how long CodeDeploy takes to move all traffic (0 for all-at-once), and how
	// long the blue task set is kept after that.
	TrafficShift    time.Duration
	TerminationWait time.Duration
	// Rolling only: the bake time, during which ECS keeps watching the deployment alarms after the
	// old tasks are gone and before the deployment is COMPLETED (ECS Developer Guide, "How CloudWatch
	// alarms detect Amazon ECS deployment failures": "Amazon ECS computes this time period based on
	// the alarm configuration"). ECS publishes no formula; callers pass one evaluation window of the
	// alarms (their evaluation periods times the period), which is our assumption.
	AlarmBakeTime time.Duration
}

// Estimate is when the new version serves all traffic and when the old tasks are gone, measured
// from the moment the new tasks are requested.
type Estimate struct {
	NewServing time.Duration
	OldDrained time.Duration
	// Done is when the controller reports the deployment finished and the deploy command can exit:
	// after the bake time under rolling, when blue is terminated under blue-green.
	Done time.Duration
}

// EstimateReleaseTime models a release of one batch of tasks (ECS starts all replacement tasks at
// once with maximumPercent 200): a new target serves after HealthyThreshold passing checks one
// HealthCheckInterval apart; under rolling, ECS then deregisters the old targets, waits the
// deregistration delay and stops them; under blue-green, CodeDeploy shifts traffic, waits the
// termination wait, then removes the blue task set the same way. Under rolling with deployment alarms
// ECS then bakes (AlarmBakeTime) before the deployment is COMPLETED.
func EstimateReleaseTime(t Timing, s Strategy) Estimate {
	healthy := t.TaskStart + time.Duration(t.HealthyThreshold)*t.HealthCheckInterval
	stop := t.DeregistrationDelay + t.ShutdownDrain
	if s == BlueGreen {
		serving := healthy + t.TrafficShift
		drained := serving + t.TerminationWait + stop
		return Estimate{NewServing: serving, OldDrained: drained, Done: drained}
	}
	return Estimate{NewServing: healthy, OldDrained: healthy + stop, Done: healthy + stop + t.AlarmBakeTime}
}

// AWSDefaultTiming is a release with the AWS API defaults: target group health check every 30 s,
// healthy after 5, deregistration delay 300 s, ECS stopTimeout 30 s, and CodeDeploy's default
// configuration CodeDeployDefault.ECSAllAtOnce with no termination wait.
func AWSDefaultTiming(taskStart time.Duration) Timing {
	return Timing{TaskStart: taskStart, HealthCheckInterval: 30 * time.Second, HealthyThreshold: 5,
		DeregistrationDelay: 300 * time.Second, ShutdownDrain: 30 * time.Second}
}

// WebstackTiming is a release with our settings: the LoadBalancer component's target group health
// check (components.HealthCheckIntervalSeconds, components.HealthyThreshold), the stack's
// deregistrationDelaySeconds, and the API's DRAIN_DELAY (components.DrainDelaySeconds) before it
// exits on SIGTERM.
func WebstackTiming(taskStart, deregistrationDelay time.Duration) Timing {
	return Timing{TaskStart: taskStart, HealthCheckInterval: components.HealthCheckIntervalSeconds * time.Second,
		HealthyThreshold: components.HealthyThreshold, DeregistrationDelay: deregistrationDelay,
		ShutdownDrain: components.DrainDelaySeconds * time.Second}
}
