package release

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"example.com/webstack/components"
	"example.com/webstack/offline"

	"gopkg.in/yaml.v3"
)

func TestEstimateReleaseTimeModel(t *testing.T) {
	tm := Timing{TaskStart: 20 * time.Second, HealthCheckInterval: 10 * time.Second, HealthyThreshold: 3,
		DeregistrationDelay: 60 * time.Second, ShutdownDrain: 5 * time.Second,
		TrafficShift: 5 * time.Minute, TerminationWait: 2 * time.Minute, AlarmBakeTime: 3 * time.Minute}
	rolling := EstimateReleaseTime(tm, Rolling)
	if want := (Estimate{NewServing: 50 * time.Second, OldDrained: 115 * time.Second, Done: 295 * time.Second}); rolling != want {
		t.Errorf("rolling = %+v, want %+v", rolling, want)
	}
	bg := EstimateReleaseTime(tm, BlueGreen)
	if want := (Estimate{NewServing: 350 * time.Second, OldDrained: 535 * time.Second, Done: 535 * time.Second}); bg != want {
		t.Errorf("blue-green = %+v, want %+v", bg, want)
	}
}

// stackValue reads webstack:<key> as the CLI would hand it to the program: Pulumi.<stack>.yaml,
// else the project default in Pulumi.yaml.
func stackValue[T any](t *testing.T, stack, key string) T {
	t.Helper()
	key = "webstack:" + key
	read := func(file string, v any) {
		b, err := os.ReadFile(filepath.Join("..", file))
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	var stackFile struct{ Config map[string]any }
	read("Pulumi."+stack+".yaml", &stackFile)
	if v, ok := stackFile.Config[key].(T); ok {
		return v
	}
	var project struct {
		Config map[string]struct{ Default any }
	}
	read("Pulumi.yaml", &project)
	v, ok := project.Config[key].Default.(T)
	if !ok {
		t.Fatalf("Pulumi.yaml declares no %T default for %s", v, key)
	}
	return v
}

// TestReleaseTimeOursVersusAWSDefaults holds docs/releases.md's "How long a release takes" figures, computed from
// each stack's config (go test -run ReleaseTime -v ./release), and our target: old tasks drained
// in at most 1/5 of the time AWS defaults take.
func TestReleaseTimeOursVersusAWSDefaults(t *testing.T) {
	const taskStart = 30 * time.Second // Fargate placement + image pull + start, the same on both sides
	defaults := AWSDefaultTiming(taskStart)
	// Blue-green with prod's traffic shifting and termination wait, on both sides, so the difference
	// is only the health check, deregistration and drain settings.
	shift := components.TrafficShifting{Type: stackValue[string](t, "prod", "trafficShifting"),
		Percentage: stackValue[int](t, "prod", "trafficShiftPercent"), IntervalMinutes: stackValue[int](t, "prod", "trafficShiftIntervalMinutes")}
	wait := time.Duration(stackValue[int](t, "prod", "blueTerminationWaitMinutes")) * time.Minute
	for _, stack := range offline.Stacks("..") {
		ours := WebstackTiming(taskStart, time.Duration(stackValue[int](t, stack, "deregistrationDelaySeconds"))*time.Second)
		// Our rolling service has ECS deployment alarms, so ECS bakes one alarm evaluation window
		// before COMPLETED; the AWS-defaults service has none.
		ours.AlarmBakeTime = time.Duration(stackValue[int](t, stack, "alarmEvaluationMinutes")) * time.Minute
		o, d := EstimateReleaseTime(ours, Rolling), EstimateReleaseTime(defaults, Rolling)
		t.Logf("%s rolling: ours new serving %s, old drained %s, deploy command done %s; AWS defaults %s, %s, %s; drained ratio %.2f",
			stack, o.NewServing, o.OldDrained, o.Done, d.NewServing, d.OldDrained, d.Done, o.OldDrained.Seconds()/d.OldDrained.Seconds())
		if o.OldDrained*5 > d.OldDrained {
			t.Errorf("%s: a rolling release with our settings takes %s, more than 1/5 of %s with AWS defaults", stack, o.OldDrained, d.OldDrained)
		}
		bgOurs, bgDefaults := ours, defaults
		bgOurs.TrafficShift, bgDefaults.TrafficShift = shift.Duration(), shift.Duration()
		bgOurs.TerminationWait, bgDefaults.TerminationWait = wait, wait
		bgOurs.AlarmBakeTime = 0 // CodeDeploy has no bake: the deploy command is done when blue is terminated
		o, d = EstimateReleaseTime(bgOurs, BlueGreen), EstimateReleaseTime(bgDefaults, BlueGreen)
		t.Logf("%s blue-green (prod's %+v, wait %s): ours new serving %s, old drained %s, done %s; AWS defaults %s, %s, %s",
			stack, shift, wait, o.NewServing, o.OldDrained, o.Done, d.NewServing, d.OldDrained, d.Done)
		if o.NewServing >= d.NewServing || o.OldDrained >= d.OldDrained {
			t.Errorf("%s: blue-green with our settings (%+v) is not faster than with AWS defaults (%+v)", stack, o, d)
		}
	}
}
