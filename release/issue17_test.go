package release

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// Issue 12 item 8: AWS documents the AppSpec version as the string "0.0".
func TestAppSpecVersionIsTheString00(t *testing.T) {
	var spec map[string]any
	if err := json.Unmarshal([]byte(AppSpec(td(2), "api", 8080, ServiceSettings{})), &spec); err != nil {
		t.Fatal(err)
	}
	if v, ok := spec["version"].(string); !ok || v != "0.0" {
		t.Errorf("version = %#v, want the string \"0.0\"", spec["version"])
	}
}

// Item 7: the AppSpec carries the network configuration, platform version and capacity provider
// strategy the stack exports, so changes to them reach a CODE_DEPLOY service.
func TestAppSpecCarriesTheServiceSettings(t *testing.T) {
	w := newWorld(BlueGreen)
	w.exportSettings = true
	if _, err, _ := run(t, w, nil); err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Resources []map[string]struct {
			Properties struct {
				PlatformVersion      string
				NetworkConfiguration struct {
					AwsvpcConfiguration struct {
						Subnets, SecurityGroups []string
						AssignPublicIP          string
					}
				}
				CapacityProviderStrategy []struct {
					CapacityProvider string
					Base, Weight     int
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(w.createdAppSpecs[0]), &spec); err != nil {
		t.Fatal(err)
	}
	p := spec.Resources[0]["TargetService"].Properties
	net := p.NetworkConfiguration.AwsvpcConfiguration
	if p.PlatformVersion != "1.4.0" || strings.Join(net.Subnets, ",") != "subnet-a,subnet-b" || strings.Join(net.SecurityGroups, ",") != "sg-svc" ||
		net.AssignPublicIP != "DISABLED" || len(p.CapacityProviderStrategy) != 2 || p.CapacityProviderStrategy[1].CapacityProvider != "FARGATE_SPOT" ||
		p.CapacityProviderStrategy[1].Weight != 3 || p.CapacityProviderStrategy[0].Base != 1 {
		t.Errorf("AppSpec = %s", w.createdAppSpecs[0])
	}
}

// Item 1: verification that outlasts blue's termination wait would leave only a new deployment as
// the way back; it ends before the wait does, and the rollback is a StopDeployment to blue.
func TestBlueGreenVerificationEndsBeforeBlueIsTerminated(t *testing.T) {
	w := newWorld(BlueGreen)
	w.initialRevision = td(2) // its targets never become healthy: verification cannot finish
	// A budget far longer than the termination wait takes on the doubles' clock (about 0.3 s), so
	// only the termination wait can end verification, however loaded the machine.
	_, err, _ := run(t, w, func(d *Deployer) { d.Config.Timeout = 20 * time.Second })
	res := wantFailed(t, err, "when CodeDeploy removes the old task set", td(1)+" (version v1), serving again")
	if len(w.stopped) != 1 || w.stopped[0] != "d-1 autoRollback=true" || len(w.createdAppSpecs) != 1 {
		t.Errorf("stops %v, %d deployments: want d-1 stopped while blue still served", w.stopped, len(w.createdAppSpecs))
	}
	if !res.RolledBack {
		t.Error("not rolled back")
	}
	wantExit(t, err, ExitRolledBack)
}

// Item 1: once CodeDeploy has finished, the rollback is a new deployment; the group's alarms (the one
// that failed the release still fires) must not stop it.
func TestBlueGreenRollbackAfterFinishIsNotStoppedByTheAlarm(t *testing.T) {
	w := newWorld(BlueGreen)
	w.noTerminationWait, w.alarmWhenServing = true, td(2)
	_, err, _ := run(t, w, nil)
	wantFailed(t, err, "alarm: "+alarmName, td(1)+" (version v1), serving again")
	if len(w.codeDeploys) != 2 || w.codeDeploys[1].status == "Stopped" || !w.codeDeploys[1].alarmsOff {
		t.Errorf("rollback deployment: %+v", w.codeDeploys)
	}
	if got := serves(w); len(got) != 1 || !got[td(1)] {
		t.Errorf("after the rollback production answers from %v", got)
	}
	wantExit(t, err, ExitRolledBack)
}

// Item 2: in preflight, a deployment in its termination wait is a verified release: the advice is to
// let it finish (or end the wait), never to stop it with auto-rollback.
func TestPreflightDuringTerminationWait(t *testing.T) {
	w := newWorld(BlueGreen)
	w.activeCodeDeploy, w.activeInWait = "d-OTHER", true
	_, err, _ := run(t, w, nil)
	if err == nil || !strings.Contains(err.Error(), "continue-deployment --deployment-id d-OTHER --deployment-wait-type TERMINATION_WAIT") ||
		strings.Contains(err.Error(), "stop-deployment") {
		t.Errorf("err = %v", err)
	}
	wantExit(t, err, ExitNothingReleased)
	if w.ups != 0 {
		t.Error("pulumi up ran")
	}
}

// Item 3: an alarm already firing (an incident) would stop the CodeDeploy deployment at once; the
// deployment is created without it, so a hotfix ships.
func TestBlueGreenReleasesWhileAnAlarmAlreadyFires(t *testing.T) {
	w := newWorld(BlueGreen)
	w.alarmState, w.alarmChanged = "ALARM", time.Now().Add(-time.Hour)
	_, err, out := run(t, w, nil)
	if err != nil {
		t.Fatal(err)
	}
	if o, ok := w.createInputs[0]["overrideAlarmConfiguration"].(map[string]any); !ok || o["enabled"] == true {
		t.Errorf("CreateDeployment = %v: want the firing alarm left out", w.createInputs[0])
	}
	if !strings.Contains(out, "CodeDeploy deployment is created without them") {
		t.Error("the warning does not say the deployment leaves the firing alarms out")
	}
}

// Item 4: verification polls the deployment; when CodeDeploy fails it (and rolls it back) the
// deployer says so at once instead of burning the budget and reporting "unknown".
func TestCodeDeployFailureEndsVerification(t *testing.T) {
	w := newWorld(BlueGreen)
	w.failAfterShift = true
	_, err, _ := run(t, w, func(d *Deployer) { d.Config.Timeout = 3 * time.Second })
	res := wantFailed(t, err, "CodeDeploy already rolled it back", td(1)+" (version v1), serving again")
	if strings.Contains(res.Failure, "timed out") || len(w.stopped) != 0 {
		t.Errorf("failure %q, stops %v", res.Failure, w.stopped)
	}
	wantExit(t, err, ExitRolledBack)
}

// Item 5: CreateDeployment refused: nothing changed what serves, so nothing is rolled back.
func TestCreateDeploymentRefusedChangesNothing(t *testing.T) {
	w := newWorld(BlueGreen)
	// "DeploymentLimitExceededException: The number of allowed deployments was exceeded" (CodeDeploy
	// API reference, CreateDeployment errors)
	w.createRefused = "DeploymentLimitExceededException"
	_, err, out := run(t, w, nil)
	var nothing *NothingReleasedError
	if !errors.As(err, &nothing) || !strings.Contains(err.Error(), "DeploymentLimitExceededException") {
		t.Errorf("err = %v", err)
	}
	if len(w.createInputs) != 1 || len(w.stopped) != 0 || strings.Contains(out, "rolling back") {
		t.Errorf("%d CreateDeployment calls, stops %v: want nothing after the refusal", len(w.createInputs), w.stopped)
	}
	wantExit(t, err, ExitNothingReleased)
}

// Item 6: scaling of the service is suspended while CodeDeploy runs and restored after.
func TestBlueGreenSuspendsScaling(t *testing.T) {
	w := newWorld(BlueGreen)
	w.scalableTarget = true
	if _, err, _ := run(t, w, nil); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"DynamicScalingInSuspended", "DynamicScalingOutSuspended", "ScheduledScalingSuspended"} {
		if !w.suspendedAtCreate[k] {
			t.Errorf("%s was not suspended when the deployment was created (%v)", k, w.suspendedAtCreate)
		}
		if w.scalingSuspended[k] {
			t.Errorf("%s still suspended after the release", k)
		}
	}
}

// Item 8: after a rollback Pulumi's state still records the new revision, so `up` starts no ECS
// deployment. That is "nothing released", not "ECS rolled back", and nothing is touched.
func TestRollingNothingStarted(t *testing.T) {
	w := newWorld(Rolling)
	w.revision, w.upNoop = 2, true // the state records :2; the service runs :1
	_, err, _ := run(t, w, nil)
	var nothing *NothingReleasedError
	if !errors.As(err, &nothing) || !strings.Contains(err.Error(), "pulumi refresh -s prod") ||
		!strings.Contains(err.Error(), "--task-definition "+td(2)) {
		t.Errorf("err = %v", err)
	}
	if len(w.updateServiceTDs) != 0 {
		t.Errorf("UpdateService %v", w.updateServiceTDs)
	}
	wantExit(t, err, ExitNothingReleased)
}

// Item 8: ECS reads are eventually consistent; a first read without the new deployment is not a
// rollback.
func TestRollingStaleFirstReads(t *testing.T) {
	w := newWorld(Rolling)
	w.staleAfterUp = 3
	_, err, _ := run(t, w, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := serves(w); len(got) != 1 || !got[td(2)] {
		t.Errorf("serves %v", got)
	}
}

// Item 9: `pulumi up` failed after it updated the service: ECS rolls the new revision out anyway,
// so the deployer follows, verifies and rolls back what started.
func TestRollingPartialUpFailureIsFollowed(t *testing.T) {
	w := newWorld(Rolling)
	w.upFailsAfterUpdate = true
	w.badRevisions[td(2)] = true
	_, err, out := run(t, w, nil)
	wantFailed(t, err, "verification failed", td(1)+" (version v1), serving again")
	if !strings.Contains(out, "but ECS is already deploying "+td(2)) || len(w.updateServiceTDs) != 1 {
		t.Errorf("UpdateService %v", w.updateServiceTDs)
	}
	wantExit(t, err, ExitRolledBack)

	good := newWorld(Rolling)
	good.upFailsAfterUpdate = true
	_, err, _ = run(t, good, nil)
	if err == nil || !strings.Contains(err.Error(), "which verified and serves") {
		t.Errorf("a verified revision after a failed up: err = %v", err)
	}
	wantExit(t, err, ExitRollbackFailed)
}

// Item 11: an interrupt during `pulumi up` prints what may have changed and how to recover.
func TestInterruptDuringUp(t *testing.T) {
	w := newWorld(Rolling)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w.onUp, w.upInterrupted = cancel, true
	_, err, out := runCtx(t, ctx, w, nil)
	wantExit(t, err, ExitInterrupted)
	for _, want := range []string{"pulumi cancel -s prod", "pulumi refresh -s prod", "--import-pending-creates", "--clear-pending-creates",
		"ECS has started deploying " + td(2), "--task-definition " + td(1)} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

// Item 11: an interrupt while following or verifying rolls nothing back and prints what serves, the
// deployment and the exact rollback command.
func TestInterruptDuringVerification(t *testing.T) {
	for _, s := range []Strategy{Rolling, BlueGreen} {
		t.Run(string(s), func(t *testing.T) {
			w := newWorld(s)
			w.initialRevision = td(2)          // verification cannot finish
			w.terminationWait = 24 * time.Hour // and does not end at blue's termination first
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			w.onUp = func() { time.AfterFunc(100*time.Millisecond, cancel) }
			_, err, out := runCtx(t, ctx, w, func(d *Deployer) { d.Config.PollInterval = 5 * time.Millisecond })
			wantExit(t, err, ExitInterrupted)
			want := "aws ecs update-service --cluster webstack-prod --service webstack --task-definition " + td(1)
			if s == BlueGreen {
				want = "aws deploy stop-deployment --deployment-id d-1 --auto-rollback-enabled"
			}
			if !strings.Contains(out, want) || !strings.Contains(out, "ECS serves ") || len(w.updateServiceTDs)+len(w.stopped) != 0 {
				t.Errorf("output lacks %q or something was rolled back (%v %v)", want, w.updateServiceTDs, w.stopped)
			}
		})
	}
}

// Item 13: a throttled read is no evidence: polling retries until the deadline.
func TestTransientErrorsAreRetried(t *testing.T) {
	for _, s := range []Strategy{Rolling, BlueGreen} {
		t.Run(string(s), func(t *testing.T) {
			w := newWorld(s)
			w.throttleAfterUp = map[string]int{"DescribeServices": 2, "ListTasks": 1, "GetDeployment": 2, "DescribeServiceDeployments": 1}
			_, err, out := run(t, w, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out, "(retrying: ") || len(w.updateServiceTDs)+len(w.stopped) != 0 {
				t.Errorf("no retry shown, or rolled back: %v %v", w.updateServiceTDs, w.stopped)
			}
		})
	}
}

// Item 14: a failure with an unchanged task definition cannot be rolled back by the deployer; the
// summary says that infrastructure changes stay and what to do, and the exit status says act.
func TestUnchangedTaskDefinitionFailureNamesInfrastructure(t *testing.T) {
	w := newWorld(Rolling)
	w.upNoop = true
	w.badRevisions[td(1)] = true
	_, err, _ := run(t, w, nil)
	wantFailed(t, err, "verification failed", "cannot be rolled back automatically")
	wantExit(t, err, ExitRollbackFailed)
}

// Item 15: the test listener check tolerates -max-sample-errors, and sends no request once the
// tolerance is exceeded.
func TestTestListenerCheck(t *testing.T) {
	flaky := newWorld(BlueGreen)
	flaky.testListenerErrors = 1
	if _, err, _ := run(t, flaky, func(d *Deployer) { d.Config.MaxSampleErrors = 1 }); err != nil {
		t.Errorf("one failed request within -max-sample-errors 1: %v", err)
	}

	bad := newWorld(BlueGreen)
	bad.badRevisions[td(2)] = true
	_, err, _ := run(t, bad, func(d *Deployer) { d.Config.MaxSampleErrors = 1 })
	wantFailed(t, err, "test listener check failed before traffic shifted: 2 requests failed", td(1))
	if bad.testRequests != 2 {
		t.Errorf("the test listener got %d requests, want 2 (none after the tolerance was exceeded)", bad.testRequests)
	}
}

// Item 15: a test listener that does not answer from this machine is found in preflight.
func TestPreflightProbesTheTestListener(t *testing.T) {
	w := newWorld(BlueGreen)
	w.testListenerDown = true
	_, err, _ := run(t, w, nil)
	if err == nil || !strings.Contains(err.Error(), "testListenerCidrs") {
		t.Errorf("err = %v", err)
	}
	wantExit(t, err, ExitNothingReleased)
	if w.ups != 0 {
		t.Error("pulumi up ran")
	}
}

// Item 16: an alarm that fired before the release and is re-evaluated (new StateReason,
// StateUpdatedTimestamp) without leaving ALARM does not stop the release.
func TestAlarmReevaluatedWhileFiringDoesNotStop(t *testing.T) {
	w := newWorld(Rolling)
	w.alarmState, w.alarmChanged, w.alarmUpdated, w.alarmReevaluated = "ALARM", time.Now().Add(-time.Hour), time.Now().Add(-time.Hour), true
	if _, err, _ := run(t, w, nil); err != nil {
		t.Fatal(err)
	}
	if len(w.updateServiceTDs) != 0 {
		t.Errorf("rolled back: %v", w.updateServiceTDs)
	}
}

// Item 8: when two service deployments appeared since preflight, this release's is the one created
// first (createdAt), whatever order their ARNs sort in.
func TestThisReleasesServiceDeploymentIsTheFirstCreated(t *testing.T) {
	w := newWorld(Rolling)
	ours := &fakeDeployment{id: "ecs-svc/9", td: td(2), status: "ACTIVE", rollout: "IN_PROGRESS", arn: serviceDeploymentARN(9)}
	later := &fakeDeployment{id: "ecs-svc/10", td: td(3), status: "PRIMARY", rollout: "IN_PROGRESS", arn: serviceDeploymentARN(10)}
	w.history = append(w.history, ours, later)
	var out strings.Builder
	d := newTestDeployer(t, w, &out)
	d.deploymentsBefore = map[string]time.Time{serviceDeploymentARN(1): {}}
	got, err := d.newServiceDeployment(context.Background(), StackOutputs{ClusterName: cluster, ServiceName: service})
	if err != nil || got != ours.arn {
		t.Errorf("newServiceDeployment = %q, %v; want %q (created before %q)", got, err, ours.arn, later.arn)
	}
}
