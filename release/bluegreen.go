package release

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	cdtypes "github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
)

var activeDeploymentStatuses = []cdtypes.DeploymentStatus{cdtypes.DeploymentStatusCreated, cdtypes.DeploymentStatusQueued,
	cdtypes.DeploymentStatusInProgress, cdtypes.DeploymentStatusReady}

func (d *Deployer) noCodeDeployInProgress(ctx context.Context, o StackOutputs) error {
	out, err := d.CodeDeploy.ListDeployments(ctx, &codedeploy.ListDeploymentsInput{ApplicationName: &o.CodeDeployApplication,
		DeploymentGroupName: &o.CodeDeployGroup, IncludeOnlyStatuses: activeDeploymentStatuses})
	if err != nil {
		return fmt.Errorf("codedeploy ListDeployments %s/%s: %w", o.CodeDeployApplication, o.CodeDeployGroup, err)
	}
	if len(out.Deployments) == 0 {
		return nil
	}
	id := out.Deployments[0]
	dep, err := d.CodeDeploy.GetDeployment(ctx, &codedeploy.GetDeploymentInput{DeploymentId: &id})
	if err == nil && dep.DeploymentInfo.InstanceTerminationWaitTimeStarted {
		// All traffic is on its green task set and blue waits for termination: stopping it with
		// auto-rollback would put the previous version back.
		return fmt.Errorf("CodeDeploy deployment %s in %s/%s has moved all traffic and waits to terminate the old task set: "+
			"wait for it to succeed, or end the wait now with `aws deploy continue-deployment --deployment-id %s "+
			"--deployment-wait-type TERMINATION_WAIT`, and retry (stopping it would roll back that release)",
			id, o.CodeDeployApplication, o.CodeDeployGroup, id)
	}
	return fmt.Errorf("CodeDeploy deployment %s is already in progress in %s/%s: wait for it, or stop it with "+
		"`aws deploy stop-deployment --deployment-id %s --auto-rollback-enabled`, and retry",
		id, o.CodeDeployApplication, o.CodeDeployGroup, id)
}

// rollBlueGreen creates the CodeDeploy deployment and follows it until all production traffic is on
// the new (green) task set. It returns while the blue task set still waits for termination, so the
// verification that follows can still stop the deployment and have CodeDeploy reroute to blue.
func (d *Deployer) rollBlueGreen(ctx context.Context, o StackOutputs, previous string) (string, error) {
	if o.TaskDefinitionARN == previous {
		d.sayf("==> task definition unchanged (%s): no CodeDeploy deployment needed", previous)
		return "", nil
	}
	if !o.Service.hasNetwork() {
		d.sayf("warning: the stack exports no %s, so the AppSpec carries no network configuration, platform version or capacity providers: "+
			"changes to them are not released on this CODE_DEPLOY service", OutputServiceNetwork)
	}
	alarms, why := d.releaseAlarms(o)
	id, err := d.createDeployment(ctx, o, o.TaskDefinitionARN, deploymentOptions{why: "release by cmd/deploy", alarms: alarms, alarmsReason: why})
	if err != nil {
		// No deployment exists, so nothing that serves changed: there is nothing to roll back.
		return "", &NothingReleasedError{Reason: fmt.Errorf("%w; no CodeDeploy deployment was created, so %s still serves and nothing was rolled back "+
			"(pulumi up's infrastructure changes stay: the next release carries them)", err, orNone(previous))}
	}
	d.sayf("==> CodeDeploy deployment %s: %s -> %s", id, orNone(previous), o.TaskDefinitionARN)
	d.bg = blueGreenState{id: id}
	return id, d.follow(ctx, o, id, true)
}

// blueGreenState is what the deployer learned about the release's CodeDeploy deployment.
type blueGreenState struct {
	id        string
	shiftedAt time.Time     // all production traffic reached green (the deployer's clock)
	wait      time.Duration // the deployment's blue termination wait
}

// terminationDeadline is when CodeDeploy removes blue; after it a rollback is a new deployment.
func (s blueGreenState) terminationDeadline() time.Time { return s.shiftedAt.Add(s.wait) }

func (d *Deployer) getDeployment(ctx context.Context, id string) (*cdtypes.DeploymentInfo, error) {
	dep, err := d.CodeDeploy.GetDeployment(ctx, &codedeploy.GetDeploymentInput{DeploymentId: &id})
	if err != nil {
		return nil, fmt.Errorf("codedeploy GetDeployment %s: %w", id, err)
	}
	return dep.DeploymentInfo, nil
}

// endedFailure is the failure of a deployment CodeDeploy stopped or failed by itself, nil while it
// runs or after it succeeded. CodeDeploy rolls it back when the group's auto-rollback covers the
// event (GetDeployment: rollbackInfo names the rollback).
func endedFailure(id string, info *cdtypes.DeploymentInfo) *failure {
	if info.Status != cdtypes.DeploymentStatusFailed && info.Status != cdtypes.DeploymentStatusStopped {
		return nil
	}
	why := string(info.Status)
	if info.ErrorInformation != nil {
		why += ": " + aws.ToString(info.ErrorInformation.Message)
	}
	if info.RollbackInfo != nil && info.RollbackInfo.RollbackMessage != nil {
		why += " (" + aws.ToString(info.RollbackInfo.RollbackMessage) + ")"
	}
	return &failure{what: "CodeDeploy deployment " + id + " " + why + ": CodeDeploy already rolled it back", controllerRolledBack: true}
}

// follow prints a deployment's lifecycle events and traffic weights until all production traffic
// is on the new task set. A release (checked) samples the test listener before traffic shifts and
// stops on alarms; a rollback deployment does neither (the alarm that caused it may still fire).
func (d *Deployer) follow(ctx context.Context, o StackOutputs, id string, checked bool) error {
	events := map[string]cdtypes.LifecycleEventStatus{}
	traffic, testSampled := "", !checked || o.TestListenerURL == ""
	for {
		info, err := d.getDeployment(ctx, id)
		if err == nil {
			if f := endedFailure(id, info); f != nil {
				return f
			}
			if info.Status == cdtypes.DeploymentStatusSucceeded {
				d.sayf("  deployment %s succeeded", id)
				if checked {
					d.noteShift(info)
				}
				return nil
			}
		}
		var target *cdtypes.ECSTarget
		if err == nil {
			target, err = d.ecsTarget(ctx, id)
		}
		if err != nil {
			if err := d.retryLater(ctx, err); err != nil {
				return fmt.Errorf("following CodeDeploy deployment %s: %w", id, err)
			}
			continue
		}
		shifted, weightGreen := false, -1.0
		if target != nil {
			for _, ev := range target.LifecycleEvents {
				name := aws.ToString(ev.LifecycleEventName)
				if events[name] != ev.Status {
					events[name] = ev.Status
					d.sayf("  lifecycle %-22s %s", name, ev.Status)
				}
				shifted = shifted || (name == "AfterAllowTraffic" && ev.Status == cdtypes.LifecycleEventStatusSucceeded)
			}
			for _, ts := range target.TaskSetsInfo {
				if ts.TaskSetLabel == cdtypes.TargetLabelGreen {
					weightGreen = ts.TrafficWeight
				}
			}
			if now := trafficLine(target.TaskSetsInfo); now != traffic {
				d.sayf("  traffic %s", now)
				traffic = now
			}
		}
		if !testSampled && events["AllowTestTraffic"] == cdtypes.LifecycleEventStatusSucceeded {
			testSampled = true
			if err := d.checkTestListener(ctx, o, weightGreen == 0); err != nil {
				return err
			}
		}
		if shifted {
			if !checked {
				d.sayf("  all production traffic is on the task set of deployment %s", id)
				return nil
			}
			d.noteShift(info)
			d.sayf("  all production traffic is on the new task set; the old one waits for termination until %s",
				d.bg.terminationDeadline().UTC().Format(time.RFC3339))
			return nil
		}
		if checked {
			if err := d.alarmCheck(ctx, o); err != nil {
				return err
			}
		}
		if err := d.sleep(ctx); err != nil {
			return fmt.Errorf("following CodeDeploy deployment %s: %w", id, err)
		}
	}
}

// noteShift records when traffic moved and how long CodeDeploy keeps blue after that (the
// deployment's blueGreenDeploymentConfiguration.terminateBlueInstancesOnDeploymentSuccess).
func (d *Deployer) noteShift(info *cdtypes.DeploymentInfo) {
	if !d.bg.shiftedAt.IsZero() {
		return
	}
	d.bg.shiftedAt = d.now()
	if c := info.BlueGreenDeploymentConfiguration; c != nil && c.TerminateBlueInstancesOnDeploymentSuccess != nil {
		d.bg.wait = time.Duration(c.TerminateBlueInstancesOnDeploymentSuccess.TerminationWaitTimeInMinutes) * time.Minute
	}
}

// stopMargin is how long before blue's termination verification must end, so that a StopDeployment
// still finds blue to reroute to.
func (d *Deployer) stopMargin() time.Duration { return 2*d.Config.PollInterval + 30*time.Second }

// verifyDeadline is when verification must stop under blue-green: within the rollout budget and
// before blue's termination (less stopMargin), so that a failed check is a listener switch back to
// blue rather than a new deployment. Zero when there is no such limit.
func (d *Deployer) verifyDeadline() time.Time {
	if d.bg.id == "" || d.bg.shiftedAt.IsZero() || d.bg.wait == 0 {
		return time.Time{}
	}
	return d.bg.terminationDeadline().Add(-d.stopMargin())
}

// finishBlueGreen follows a verified deployment through blue's termination wait until it succeeds,
// still stopping on alarms: until then CodeDeploy (or the deployer) can still roll it back, so exiting
// 0 earlier would claim a release that may yet be undone.
func (d *Deployer) finishBlueGreen(ctx context.Context, o StackOutputs) error {
	id := d.bg.id
	if id == "" {
		return nil
	}
	d.sayf("==> verified; CodeDeploy deployment %s keeps the old task set until %s and can still roll back: following it until it succeeds",
		id, d.bg.terminationDeadline().UTC().Format(time.RFC3339))
	for {
		info, err := d.getDeployment(ctx, id)
		if err == nil {
			if f := endedFailure(id, info); f != nil {
				return f
			}
			if info.Status == cdtypes.DeploymentStatusSucceeded {
				d.sayf("  deployment %s succeeded: the old task set is gone", id)
				return nil
			}
			err = d.alarmCheck(ctx, o)
			if errors.Is(err, errAlarm) {
				return err
			}
		}
		if err != nil {
			if err := d.retryLater(ctx, err); err != nil {
				return fmt.Errorf("waiting for CodeDeploy deployment %s to succeed: %w", id, err)
			}
			continue
		}
		if err := d.sleep(ctx); err != nil {
			return fmt.Errorf("waiting for CodeDeploy deployment %s to succeed: %w", id, err)
		}
	}
}

func (d *Deployer) ecsTarget(ctx context.Context, id string) (*cdtypes.ECSTarget, error) {
	targets, err := d.CodeDeploy.ListDeploymentTargets(ctx, &codedeploy.ListDeploymentTargetsInput{DeploymentId: &id})
	if err != nil {
		return nil, fmt.Errorf("codedeploy ListDeploymentTargets %s: %w", id, err)
	}
	if len(targets.TargetIds) == 0 {
		return nil, nil // CodeDeploy has not attached the service yet
	}
	t, err := d.CodeDeploy.GetDeploymentTarget(ctx, &codedeploy.GetDeploymentTargetInput{DeploymentId: &id, TargetId: &targets.TargetIds[0]})
	if err != nil {
		return nil, fmt.Errorf("codedeploy GetDeploymentTarget %s: %w", id, err)
	}
	return t.DeploymentTarget.EcsTarget, nil
}

func trafficLine(sets []cdtypes.ECSTaskSet) string {
	parts := make([]string, 0, len(sets))
	for _, s := range sets {
		parts = append(parts, fmt.Sprintf("%s %.0f%% (%d/%d running)", strings.ToLower(string(s.TaskSetLabel)), s.TrafficWeight, s.RunningCount, s.DesiredCount))
	}
	return strings.Join(parts, ", ")
}

// rollbackBlueGreen stops the deployment with auto-rollback while CodeDeploy still can reroute to the
// old task set; once the deployment has finished, the only way back is a new deployment of the old
// task definition: all at once, with the group's alarms off for it (CreateDeployment
// overrideAlarmConfiguration: "turn off alarm polling ... so the new deployment proceeds without
// being blocked by the alarm that was generated by the previous, failed, deployment").
func (d *Deployer) rollbackBlueGreen(ctx context.Context, o StackOutputs, previous, id string) error {
	if id != "" {
		info, err := d.getDeployment(ctx, id)
		if err != nil {
			return err
		}
		if f := endedFailure(id, info); f != nil {
			d.sayf("==> %s", f.what)
			return nil
		}
		if info.Status != cdtypes.DeploymentStatusSucceeded {
			d.sayf("==> stopping CodeDeploy deployment %s with auto-rollback", id)
			_, err := d.CodeDeploy.StopDeployment(ctx, &codedeploy.StopDeploymentInput{DeploymentId: &id, AutoRollbackEnabled: aws.Bool(true)})
			var done *cdtypes.DeploymentAlreadyCompletedException
			if errors.As(err, &done) {
				// It ended between the two calls: rolled back by CodeDeploy, or succeeded (then a new
				// deployment is the way back).
				if info, err = d.getDeployment(ctx, id); err != nil {
					return err
				}
				if f := endedFailure(id, info); f != nil {
					d.sayf("==> %s", f.what)
					return nil
				}
			} else if err != nil {
				return fmt.Errorf("codedeploy StopDeployment %s: %w", id, err)
			} else {
				return nil
			}
		}
	}
	back, err := d.createDeployment(ctx, o, previous, deploymentOptions{why: "rollback by cmd/deploy", configName: rollbackConfig,
		alarms: &cdtypes.AlarmConfiguration{Enabled: false}, alarmsReason: "alarm polling off, so the alarm that failed the release cannot stop its rollback"})
	if err != nil {
		return err
	}
	d.sayf("==> rolling back with CodeDeploy deployment %s (%s) to %s", back, rollbackConfig, previous)
	d.rollbackID = back
	return d.follow(ctx, o, back, false)
}
