package release

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

//lint:ignore ST1008 a test helper: the run's output comes last, after its error, so call sites read res, err, out
func run(t *testing.T, w *world, tune func(*Deployer)) (Result, error, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return runCtx(t, ctx, w, tune)
}

//lint:ignore ST1008 a test helper: the run's output comes last, after its error, so call sites read res, err, out
func runCtx(t *testing.T, ctx context.Context, w *world, tune func(*Deployer)) (Result, error, string) {
	t.Helper()
	var out strings.Builder
	d := newTestDeployer(t, w, &out)
	if tune != nil {
		tune(d)
	}
	res, err := d.Run(ctx)
	t.Log(out.String())
	return res, err, out.String()
}

func wantExit(t *testing.T, err error, code int) {
	t.Helper()
	if got := ExitCode(err); got != code {
		t.Errorf("exit status %d (err %v), want %d", got, err, code)
	}
}

// serves asks the service double who answers now.
func serves(w *world) map[string]bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	got := map[string]bool{}
	for range 10 {
		if task := w.route(false); task != nil {
			got[task.td] = true
		}
	}
	return got
}

func wantFailed(t *testing.T, err error, failure, rolledBackTo string) Result {
	t.Helper()
	var rf *ReleaseFailedError
	if !errors.As(err, &rf) {
		t.Fatalf("err = %v, want a *ReleaseFailedError", err)
	}
	if !strings.Contains(rf.Result.Failure, failure) {
		t.Errorf("Failure = %q, want it to mention %q", rf.Result.Failure, failure)
	}
	if !strings.Contains(rf.Result.RolledBackTo, rolledBackTo) {
		t.Errorf("RolledBackTo = %q, want it to mention %q", rf.Result.RolledBackTo, rolledBackTo)
	}
	return rf.Result
}

func TestRollingReleaseSucceeds(t *testing.T) {
	w := newWorld(Rolling)
	res, err, out := run(t, w, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.PreviousTaskDefinition != td(1) || res.NewTaskDefinition != td(2) || res.PreviousVersion != "v1" || res.NewVersion != "v2" {
		t.Errorf("result = %+v", res)
	}
	if got := serves(w); len(got) != 1 || !got[td(2)] {
		t.Errorf("after the release the service answers from %v, want only %s", got, td(2))
	}
	for _, want := range []string{"has started 2 tasks", "ECS service deployment succeeded", "AZs answered [us-east-1a us-east-1b]", "2 healthy"} {
		if !strings.Contains(out, want) {
			t.Errorf("progress does not show %q", want)
		}
	}
	if len(w.updateServiceTDs) != 0 {
		t.Errorf("a successful release called UpdateService %v", w.updateServiceTDs)
	}
}

func TestBlueGreenReleaseSucceeds(t *testing.T) {
	w := newWorld(BlueGreen)
	res, err, out := run(t, w, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.NewVersion != "v2" || res.DeploymentID != "d-1" {
		t.Errorf("result = %+v", res)
	}
	if len(w.createdAppSpecs) != 1 {
		t.Fatalf("CreateDeployment called %d times, want 1", len(w.createdAppSpecs))
	}
	var spec struct {
		Resources []map[string]struct {
			Type       string
			Properties struct {
				TaskDefinition   string
				LoadBalancerInfo struct {
					ContainerName string
					ContainerPort int
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(w.createdAppSpecs[0]), &spec); err != nil {
		t.Fatal(err)
	}
	ts := spec.Resources[0]["TargetService"]
	if ts.Type != "AWS::ECS::Service" || ts.Properties.TaskDefinition != td(2) ||
		ts.Properties.LoadBalancerInfo.ContainerName != "api" || ts.Properties.LoadBalancerInfo.ContainerPort != 8080 {
		t.Errorf("AppSpec = %s", w.createdAppSpecs[0])
	}
	for _, want := range []string{"AllowTestTraffic       Succeeded", "traffic blue 90% (2/2 running), green 10% (2/2 running)",
		"test listener", "6/6 answers in a row from the new task definition", "green 100%",
		"CodeDeploy deployment d-1 keeps the old task set until", "deployment d-1 succeeded: the old task set is gone"} {
		if !strings.Contains(out, want) {
			t.Errorf("progress does not show %q", want)
		}
	}
	// The test listener is checked before production traffic moves.
	if strings.Index(out, "test listener") > strings.Index(out, "green 10%") {
		t.Error("the test listener was sampled after traffic started shifting")
	}
	if got := serves(w); len(got) != 1 || !got[td(2)] {
		t.Errorf("production answers from %v, want only %s", got, td(2))
	}
	if len(w.stopped) != 0 {
		t.Errorf("a successful release stopped deployments %v", w.stopped)
	}
	// Exit 0 only once CodeDeploy can no longer roll the release back: the deployment succeeded
	// (blue terminated after its wait), not while blue still waits.
	if st := w.codeDeploys[0].status; st != "Succeeded" {
		t.Errorf("the command returned while deployment d-1 was %s", st)
	}
	wantExit(t, err, ExitReleased)
}

func TestRollingFailedVerificationRollsBack(t *testing.T) {
	w := newWorld(Rolling)
	w.badRevisions[td(2)] = true
	_, err, _ := run(t, w, nil)
	res := wantFailed(t, err, "verification failed", td(1)+" (version v1), serving again")
	if len(w.updateServiceTDs) != 1 || w.updateServiceTDs[0] != td(1) {
		t.Errorf("UpdateService calls = %v, want one back to %s", w.updateServiceTDs, td(1))
	}
	if got := serves(w); len(got) != 1 || !got[td(1)] {
		t.Errorf("after the rollback the service answers from %v, want only %s", got, td(1))
	}
	if res.NewTaskDefinition != td(2) {
		t.Errorf("result = %+v", res)
	}
}

func TestBlueGreenFailedTestListenerStopsDeployment(t *testing.T) {
	w := newWorld(BlueGreen)
	w.badRevisions[td(2)] = true
	_, err, out := run(t, w, nil)
	wantFailed(t, err, "test listener check failed before traffic shifted", td(1))
	if len(w.stopped) != 1 || w.stopped[0] != "d-1 autoRollback=true" {
		t.Errorf("StopDeployment calls = %v, want d-1 with auto-rollback", w.stopped)
	}
	if strings.Contains(out, "green 10%") {
		t.Error("production traffic shifted although the test listener failed")
	}
	if got := serves(w); len(got) != 1 || !got[td(1)] {
		t.Errorf("after the rollback production answers from %v, want only %s", got, td(1))
	}
}

// ECS spreads Fargate tasks across AZs on a best-effort basis: a new version whose tasks all landed in
// one AZ verifies from that AZ; the AZs the old version used are not required.
func TestVerificationWantsTheAZsTheNewVersionRunsIn(t *testing.T) {
	w := newWorld(BlueGreen)
	w.oneZoneRevision = td(2)
	_, err, out := run(t, w, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "AZs answered [us-east-1a] of [us-east-1a]") {
		t.Error("progress does not show the AZs of the new version")
	}
}

// On EC2 capacity the API answers availabilityZone "unknown" (no task metadata AZ outside Fargate):
// the AZ is taken from the task ECS describes, so the release verifies.
func TestEC2CapacityVerifies(t *testing.T) {
	w := newWorld(Rolling)
	w.ec2Capacity = true
	_, err, out := run(t, w, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "AZs answered [us-east-1a us-east-1b] of [us-east-1a us-east-1b]") {
		t.Error("progress does not show the AZs from ECS")
	}
}

// A check that fails after traffic moved: while blue waits for termination, StopDeployment puts
// traffic back on it; once CodeDeploy has finished, only a new deployment of the old task
// definition can, and the deployer follows that one too.
func TestBlueGreenFailedVerificationAfterShift(t *testing.T) {
	for _, finished := range []bool{false, true} {
		t.Run(fmt.Sprintf("deployment finished=%v", finished), func(t *testing.T) {
			w := newWorld(BlueGreen)
			w.sickRevision, w.noTerminationWait = td(2), finished
			_, err, out := run(t, w, nil)
			wantFailed(t, err, "verification failed: 1 requests to", td(1)+" (version v1), serving again")
			if !strings.Contains(out, "green 100%") {
				t.Error("the check should fail only after traffic moved")
			}
			if finished {
				if len(w.stopped) != 0 || len(w.createdAppSpecs) != 2 || !strings.Contains(w.createdAppSpecs[1], td(1)) {
					t.Errorf("stops %v, AppSpecs %v: want a second deployment back to %s", w.stopped, w.createdAppSpecs, td(1))
				}
				// The way back moves all traffic at once with the group's alarms off, not with the
				// group's canary.
				back := w.createInputs[1]
				if back["deploymentConfigName"] != "CodeDeployDefault.ECSAllAtOnce" || back["overrideAlarmConfiguration"] == nil ||
					back["overrideAlarmConfiguration"].(map[string]any)["enabled"] == true {
					t.Errorf("rollback CreateDeployment = %v", back)
				}
			} else if len(w.stopped) != 1 || w.stopped[0] != "d-1 autoRollback=true" || len(w.createdAppSpecs) != 1 {
				t.Errorf("stops %v, AppSpecs %d: want d-1 stopped with auto-rollback", w.stopped, len(w.createdAppSpecs))
			}
			if got := serves(w); len(got) != 1 || !got[td(1)] {
				t.Errorf("after the rollback production answers from %v", got)
			}
		})
	}
}

func TestCircuitBreakerRollbackIsWaitedFor(t *testing.T) {
	w := newWorld(Rolling)
	w.rolloutFails = true
	_, err, _ := run(t, w, nil)
	wantFailed(t, err, "circuit breaker", td(1))
	if len(w.updateServiceTDs) != 0 {
		t.Errorf("ECS rolled back by itself, yet the deployer called UpdateService %v", w.updateServiceTDs)
	}
}

func TestAlarmStopsRelease(t *testing.T) {
	for _, s := range []Strategy{Rolling, BlueGreen} {
		t.Run(string(s), func(t *testing.T) {
			w := newWorld(s)
			w.alarmOnRevision = td(2)
			_, err, _ := run(t, w, nil)
			wantFailed(t, err, "alarm: "+alarmName+" (Threshold Crossed", td(1)+" (version v1), serving again")
			wantExit(t, err, ExitRolledBack)
			// Under blue-green CodeDeploy stops the deployment on the same alarm by itself; a
			// StopDeployment that comes second gets DeploymentAlreadyCompletedException, which
			// must read as "CodeDeploy rolled back", not as an unknown state.
			if s == Rolling && (len(w.updateServiceTDs) != 1 || w.updateServiceTDs[0] != td(1)) {
				t.Errorf("UpdateService calls = %v", w.updateServiceTDs)
			}
			if got := serves(w); len(got) != 1 || !got[td(1)] {
				t.Errorf("after the rollback the service answers from %v", got)
			}
		})
	}
}

func TestAlarmAlreadyFiringBeforeReleaseDoesNotStopIt(t *testing.T) {
	w := newWorld(Rolling)
	w.alarmState, w.alarmChanged = "ALARM", time.Now().Add(-time.Hour)
	_, err, out := run(t, w, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "warning: already in ALARM before the release") {
		t.Error("no warning about the alarm already firing")
	}
}

func TestTimeoutRollsBack(t *testing.T) {
	for _, s := range []Strategy{Rolling, BlueGreen} {
		t.Run(string(s), func(t *testing.T) {
			w := newWorld(s)
			w.stuckRevision = td(2)
			_, err, _ := run(t, w, func(d *Deployer) { d.Config.Timeout = 50 * time.Millisecond })
			wantFailed(t, err, "timed out after 50ms", td(1))
			if got := serves(w); len(got) != 1 || !got[td(1)] {
				t.Errorf("after the rollback the service answers from %v", got)
			}
		})
	}
}

// Without -timeout the release takes the budget the stack exports (releaseTimeoutSeconds).
func TestTimeoutFromTheStack(t *testing.T) {
	w := newWorld(Rolling)
	w.stuckRevision, w.releaseTimeout = td(2), 1
	_, err, _ := run(t, w, func(d *Deployer) { d.Config.Timeout = 0 })
	wantFailed(t, err, "timed out after 1s", td(1))

	// A stack that exports no budget is not followed with a zero one (which would roll back at once).
	none := newWorld(Rolling)
	none.releaseTimeout = 0
	_, err, _ = run(t, none, func(d *Deployer) { d.Config.Timeout = 0 })
	if err == nil || !strings.Contains(err.Error(), "exports no releaseTimeoutSeconds") || len(none.updateServiceTDs) != 0 {
		t.Errorf("no releaseTimeoutSeconds: err = %v, rollbacks %v", err, none.updateServiceTDs)
	}
}

func TestDeploymentAlreadyInProgress(t *testing.T) {
	rolling := newWorld(Rolling)
	rolling.deploy(td(1)) // a second deployment, in progress
	_, err, _ := run(t, rolling, nil)
	if err == nil || !strings.Contains(err.Error(), "an ECS deployment is already in progress on service webstack (2 deployments") {
		t.Errorf("rolling: err = %v", err)
	}
	bg := newWorld(BlueGreen)
	bg.activeCodeDeploy = "d-OTHER"
	_, err, _ = run(t, bg, nil)
	if err == nil || !strings.Contains(err.Error(), "CodeDeploy deployment d-OTHER is already in progress in webstack/webstack-dg") {
		t.Errorf("blue-green: err = %v", err)
	}
	if rolling.ups+bg.ups != 0 {
		t.Error("pulumi up ran although a deployment was in progress")
	}
}

func TestPreflightMessages(t *testing.T) {
	missing := newWorld(Rolling)
	missing.stackMissing = true
	_, err, _ := run(t, missing, nil)
	if err == nil || !strings.Contains(err.Error(), `stack "prod" does not exist: create it with `+"`pulumi stack init prod`") {
		t.Errorf("missing stack: err = %v", err)
	}
	noCreds := newWorld(Rolling)
	noCreds.noCredentials = true
	_, err, _ = run(t, noCreds, nil)
	if err == nil || !strings.Contains(err.Error(), "no usable AWS credentials") || !strings.Contains(err.Error(), "InvalidClientTokenId") {
		t.Errorf("no credentials: err = %v", err)
	}
	if missing.ups+noCreds.ups != 0 {
		t.Error("pulumi up ran although the preflight failed")
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	for _, s := range []Strategy{Rolling, BlueGreen} {
		t.Run(string(s), func(t *testing.T) {
			w := newWorld(s)
			_, err, out := run(t, w, func(d *Deployer) { d.Config.DryRun = true })
			if err != nil {
				t.Fatal(err)
			}
			if w.previews != 1 || w.ups != 0 || len(w.createdAppSpecs)+len(w.updateServiceTDs)+len(w.stopped) != 0 {
				t.Errorf("dry run: previews %d, ups %d, appspecs %v, updates %v, stops %v", w.previews, w.ups, w.createdAppSpecs,
					w.updateServiceTDs, w.stopped)
			}
			for _, want := range []string{"plan (dry run, nothing changed):", "on failure roll back to " + td(1), "aws:ecs/taskDefinition"} {
				if !strings.Contains(out, want) {
					t.Errorf("dry run output lacks %q", want)
				}
			}
		})
	}
}

func TestParseOutputsNamesMissingOutputs(t *testing.T) {
	_, err := ParseOutputs(map[string]any{"url": "https://x", "deploymentStrategy": "blue-green"})
	if err == nil || !strings.Contains(err.Error(), "[clusterName codeDeployApplicationName codeDeployDeploymentGroupName containerName containerPort serviceName taskDefinitionArn]") {
		t.Errorf("err = %v", err)
	}
	if _, err := ParseOutputs(map[string]any{}); err != nil {
		t.Errorf("a never-deployed stack: %v", err)
	}
}
