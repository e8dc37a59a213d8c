// Package release is the deploy command's core: `pulumi up`, then follow the ECS or CodeDeploy
// rollout, verify the new version from every Availability Zone, and roll back on a failed check or
// an alarm. Every cloud call goes through a small interface that the real AWS SDK v2 clients satisfy.
package release

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Config is what one release is asked to do.
type Config struct {
	Stack           string
	DryRun          bool
	Timeout         time.Duration // rollout + verification, after `pulumi up` returns; 0: the stack's releaseTimeoutSeconds
	RollbackTimeout time.Duration // waiting for the old version to serve again
	PollInterval    time.Duration
	VerifySamples   int // consecutive answers from the wanted version that end a check
	MaxSampleErrors int // failed /v1/info or /healthz samples tolerated during verification
	KeepRevisions   int // ACTIVE task definition revisions kept after a release (prune.go); 0: no pruning
	// Next is what the stack's config file asks for (edits.go); nil: edits and scheduled actions are not checked.
	Next *NextStack
}

// Deployer performs one release. All fields are required.
type Deployer struct {
	Engine     Engine
	ECS        ECSAPI
	CodeDeploy CodeDeployAPI
	CloudWatch CloudWatchAPI
	ELB        ELBAPI
	STS        STSAPI
	// AutoScaling suspends the service's scaling during a blue-green release.
	AutoScaling AutoScalingAPI
	Sampler     Sampler
	Out         io.Writer // progress and the summary
	Config      Config

	// Now is the deployer's clock for CodeDeploy's termination wait (nil: time.Now); the tests move it.
	Now func() time.Time

	alarmsBefore      map[string]time.Time // alarms already in ALARM at the start, and when they entered it
	alarmReasons      map[string]string    // the last StateReason read of each alarm, for messages
	eventsBefore      map[string]bool      // IDs of the service events from before the release
	deploymentsBefore map[string]time.Time // the service deployments from before the release, by ARN
	bg                blueGreenState       // the release's CodeDeploy deployment
	rollbackID        string               // the CodeDeploy deployment of a rollback, if one was created
}

func (d *Deployer) init() {
	if d.alarmReasons == nil {
		d.alarmReasons = map[string]string{}
	}
}

func (d *Deployer) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// Result says what a release did; on failure Failure and RolledBackTo say what went wrong and
// what serves now.
type Result struct {
	Strategy               Strategy
	PreviousTaskDefinition string
	NewTaskDefinition      string
	PreviousVersion        string
	NewVersion             string
	DeploymentID           string
	Failure                string
	RolledBackTo           string
	// RolledBack: the previous version was seen serving again after the failure.
	RolledBack bool
}

// ReleaseFailedError is returned when the release failed; Result.RolledBack says whether the previous
// version serves again.
type ReleaseFailedError struct{ Result Result }

func (e *ReleaseFailedError) Error() string {
	return fmt.Sprintf("release failed: %s; rolled back to %s", e.Result.Failure, e.Result.RolledBackTo)
}

func (d *Deployer) sayf(format string, args ...any) { fmt.Fprintf(d.Out, format+"\n", args...) }

// retryLater reports a failed API call while polling and waits one poll interval: a throttled or
// failed read is no evidence about the release, so polling goes on until the deadline (the timeout,
// with this error in its message, is then the evidence).
func (d *Deployer) retryLater(ctx context.Context, err error) error {
	d.sayf("  (retrying: %v)", err)
	if serr := d.sleep(ctx); serr != nil {
		return fmt.Errorf("%w (last error: %v)", serr, err)
	}
	return nil
}

// sleep waits one poll interval or until ctx ends.
func (d *Deployer) sleep(ctx context.Context) error {
	t := time.NewTimer(d.Config.PollInterval)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Run performs the release and prints a summary. ExitCode(err) is the command's exit status:
// a *ReleaseFailedError says whether it was rolled back, a *NothingReleasedError that nothing that
// serves changed, an *InterruptedError that the operator interrupted it.
func (d *Deployer) Run(ctx context.Context) (Result, error) {
	d.init()
	res := Result{}
	before, prev, err := d.preflight(ctx)
	if err != nil {
		return res, refuse(err)
	}
	res.PreviousTaskDefinition = prev.taskDefinition
	res.PreviousVersion = prev.version
	if d.Config.DryRun {
		return res, refuse(d.dryRun(ctx, before, prev))
	}

	if err := d.refreshBlueGreen(ctx, before); err != nil {
		return res, err
	}
	d.sayf("==> pulumi up (stack %s, with the policy pack)", d.Config.Stack)
	raw, err := d.Engine.Up(ctx, d.Out)
	if err != nil {
		return d.afterFailedUp(ctx, before, prev, &res, err)
	}
	after, err := ParseOutputs(raw)
	if err != nil {
		return res, err
	}
	res.Strategy = after.Strategy
	res.NewTaskDefinition = after.TaskDefinitionARN
	if d.timeout(after) <= 0 {
		return res, fmt.Errorf("pulumi up ran, but the stack exports no releaseTimeoutSeconds, so the release was not followed: " +
			"pass -timeout (e.g. -timeout 30m) and run the deploy command again")
	}

	rollout, cancel := context.WithTimeout(ctx, d.timeout(after))
	defer cancel()
	if after.Strategy == BlueGreen {
		if d.Config.Next != nil && after.TaskDefinitionARN != prev.taskDefinition { // again, now that pulumi up has taken its time
			if err := d.refuseNearScheduledAction(rollout, after, d.Config.Next.ReleaseTime); err != nil {
				err = &NothingReleasedError{Reason: fmt.Errorf("pulumi up ran, but no CodeDeploy deployment was created, so %s still serves: %w",
					orNone(prev.taskDefinition), err)}
				d.sayf("==> summary: nothing released: %v", err)
				return res, err
			}
		}
		pause, err := d.suspendScaling(rollout, after)
		if err != nil {
			return res, &NothingReleasedError{Reason: fmt.Errorf("%w; no CodeDeploy deployment was created, so %s still serves", err, orNone(prev.taskDefinition))}
		}
		defer d.resumeScaling(ctx, pause)
		res.DeploymentID, err = d.rollBlueGreen(rollout, after, prev.taskDefinition)
		return d.conclude(ctx, rollout, after, prev, &res, err)
	}
	return d.conclude(ctx, rollout, after, prev, &res, d.rollRolling(rollout, after))
}

// conclude verifies a rollout that started (err is how the rollout went), and rolls back on
// evidence of failure.
func (d *Deployer) conclude(ctx, rollout context.Context, after StackOutputs, prev current, res *Result, err error) (Result, error) {
	var nothing *NothingReleasedError
	if errors.As(err, &nothing) {
		d.sayf("==> summary: nothing released: %v", err)
		return *res, err
	}
	stage := "following the rollout"
	if err == nil {
		stage = "verifying"
		res.NewVersion, err = d.verify(rollout, after)
	}
	if err == nil && d.bg.id != "" {
		stage = "waiting for CodeDeploy to finish"
		remaining := d.bg.terminationDeadline().Sub(d.now())
		finish, cancel := context.WithTimeout(ctx, max(remaining, 0)+2*d.stopMargin()+d.timeout(after))
		err = d.finishBlueGreen(finish, after)
		cancel()
	}
	if err == nil {
		d.sayf("==> released %s (version %s), serving from every AZ it runs in", after.TaskDefinitionARN, res.NewVersion)
		d.pruneAfterRelease(ctx, after, prev.taskDefinition)
		return *res, nil
	}
	if interrupted(ctx) { // the operator interrupted: do not start a rollback they did not ask for
		return *res, d.interruptedSummary(after, prev, res, stage)
	}
	err = d.rollback(ctx, after, prev, res, err)
	d.sayf("==> summary: %v", err)
	return *res, err
}

// afterFailedUp handles a `pulumi up` that failed or was interrupted. Updates are not transactional:
// under the ECS controller the service may already be rolling out the new revision, which is then
// followed, verified and rolled back like any release.
func (d *Deployer) afterFailedUp(ctx context.Context, before StackOutputs, prev current, res *Result, upErr error) (Result, error) {
	look := context.WithoutCancel(ctx)
	started := ""
	if before.deployed() && before.Strategy == Rolling {
		if arn, err := d.newServiceDeployment(look, before); err == nil && arn != "" {
			if svc, err := d.describeService(look, before); err == nil {
				started = servingTaskDefinition(svc)
			}
		}
	}
	if interrupted(ctx) {
		summary := recoveryAfterUp(d.Config.Stack)
		if started != "" {
			summary += fmt.Sprintf("\n  ECS has started deploying %s on %s/%s; to go back: `aws ecs update-service --cluster %s --service %s --task-definition %s`",
				started, before.ClusterName, before.ServiceName, before.ClusterName, before.ServiceName, prev.taskDefinition)
		}
		d.sayf("==> interrupted during pulumi up:\n  %s", summary)
		return *res, &InterruptedError{Stage: "pulumi up", Summary: summary}
	}
	if started == "" || started == prev.taskDefinition {
		err := &NothingReleasedError{Reason: fmt.Errorf("pulumi up failed: %w; no deployment started, so %s still serves. "+
			"Infrastructure changes it made before failing stay: fix the error and run again (`pulumi preview -s %s` shows what is left)",
			upErr, orNone(prev.taskDefinition), d.Config.Stack)}
		d.sayf("==> summary: nothing released: %v", err)
		return *res, err
	}
	d.sayf("==> pulumi up failed (%v), but ECS is already deploying %s: following, verifying and rolling back what started", upErr, started)
	after := before
	after.TaskDefinitionARN = started
	res.Strategy, res.NewTaskDefinition = after.Strategy, started
	budget := d.timeout(before)
	if budget <= 0 {
		budget = 15 * time.Minute
	}
	rollout, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	out, err := d.conclude(ctx, rollout, after, prev, res, d.rollRolling(rollout, after))
	if err == nil { // verified, but the stack is not what the program says
		err = fmt.Errorf("pulumi up failed (%v); ECS deployed %s, which verified and serves, but the rest of the update did not finish: "+
			"fix the error and run the deploy command again", upErr, started)
	}
	return out, err
}

// timeout is the rollout + verification budget: -timeout, else the stack's releaseTimeoutSeconds.
func (d *Deployer) timeout(o StackOutputs) time.Duration {
	if d.Config.Timeout > 0 {
		return d.Config.Timeout
	}
	return o.ReleaseTimeout
}

func orNone(s string) string {
	if s == "" {
		return "nothing (first release)"
	}
	return s
}
