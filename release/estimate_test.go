package release

import (
	"testing"
	"time"
)

func TestEstimateReleaseTimeModel(t *testing.T) {
	tm := Timing{TaskStart: 20 * time.Second, HealthCheckInterval: 10 * time.Second, HealthyThreshold: 3,
		DeregistrationDelay: 60 * time.Second, ShutdownDrain: 5 * time.Second,
		TrafficShift: 5 * time.Minute, TerminationWait: 2 * time.Minute}
	rolling := EstimateReleaseTime(tm, Rolling)
	if want := (Estimate{NewServing: 50 * time.Second, OldDrained: 115 * time.Second}); rolling != want {
		t.Errorf("rolling = %+v, want %+v", rolling, want)
	}
	bg := EstimateReleaseTime(tm, BlueGreen)
	if want := (Estimate{NewServing: 350 * time.Second, OldDrained: 535 * time.Second}); bg != want {
		t.Errorf("blue-green = %+v, want %+v", bg, want)
	}
}

// TestReleaseTimeOursVersusAWSDefaults holds the README's "Release time" table: it logs the figures
// (go test -run ReleaseTime -v ./release) and holds our target, old tasks drained in at most 1/5 of
// the time AWS defaults take, for a rolling release.
func TestReleaseTimeOursVersusAWSDefaults(t *testing.T) {
	const taskStart = 30 * time.Second // Fargate placement + image pull + start, same on both sides
	ours := WebstackTiming(taskStart, 30*time.Second)
	defaults := AWSDefaultTiming(taskStart)
	o, d := EstimateReleaseTime(ours, Rolling), EstimateReleaseTime(defaults, Rolling)
	t.Logf("rolling: ours new serving %s, old drained %s; AWS defaults %s, %s; ratio %.2f",
		o.NewServing, o.OldDrained, d.NewServing, d.OldDrained, o.OldDrained.Seconds()/d.OldDrained.Seconds())
	if o.OldDrained*5 > d.OldDrained {
		t.Errorf("rolling release with our settings takes %s, more than 1/5 of %s with AWS defaults", o.OldDrained, d.OldDrained)
	}
	// Blue-green: the same canary (10 % for 5 minutes) and termination wait on both sides, so the
	// difference is only the health check, deregistration and drain settings.
	ours.TrafficShift, defaults.TrafficShift = 5*time.Minute, 5*time.Minute
	ours.TerminationWait, defaults.TerminationWait = 5*time.Minute, 5*time.Minute
	o, d = EstimateReleaseTime(ours, BlueGreen), EstimateReleaseTime(defaults, BlueGreen)
	t.Logf("blue-green canary 10%%/5m, wait 5m: ours new serving %s, old drained %s; AWS defaults %s, %s",
		o.NewServing, o.OldDrained, d.NewServing, d.OldDrained)
	if o.NewServing >= d.NewServing || o.OldDrained >= d.OldDrained {
		t.Errorf("blue-green with our settings (%+v) is not faster than with AWS defaults (%+v)", o, d)
	}
}
