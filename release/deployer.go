// Package release is the deploy command's core: `pulumi up`, then follow the ECS or CodeDeploy
// rollout, verify the new version from every Availability Zone, and roll back on a failed check or
// an alarm. Every cloud call goes through a small interface that the real AWS SDK v2 clients satisfy.
package release

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	cdtypes "github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// ErrStackNotFound is what an Engine returns (wrapped) when the stack does not exist.
var ErrStackNotFound = errors.New("stack not found")

// Engine runs the Pulumi program for one stack. The real one is the Automation API (cmd/deploy).
type Engine interface {
	Outputs(ctx context.Context) (map[string]any, error)
	Preview(ctx context.Context, progress io.Writer) error
	Up(ctx context.Context, progress io.Writer) (map[string]any, error)
	Refresh(ctx context.Context, progress io.Writer) error // `pulumi refresh`: state follows what CodeDeploy moved (refresh.go)
}

// ECSAPI is the part of *ecs.Client a release uses.
type ECSAPI interface {
	DescribeServices(context.Context, *ecs.DescribeServicesInput, ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error)
	ListTasks(context.Context, *ecs.ListTasksInput, ...func(*ecs.Options)) (*ecs.ListTasksOutput, error)
	ListServiceDeployments(context.Context, *ecs.ListServiceDeploymentsInput, ...func(*ecs.Options)) (*ecs.ListServiceDeploymentsOutput, error)
	DescribeServiceDeployments(context.Context, *ecs.DescribeServiceDeploymentsInput, ...func(*ecs.Options)) (*ecs.DescribeServiceDeploymentsOutput, error)
	DescribeTasks(context.Context, *ecs.DescribeTasksInput, ...func(*ecs.Options)) (*ecs.DescribeTasksOutput, error)
	UpdateService(context.Context, *ecs.UpdateServiceInput, ...func(*ecs.Options)) (*ecs.UpdateServiceOutput, error)
	TaskDefinitionAPI // prune.go
}

// CodeDeployAPI is the part of *codedeploy.Client a release uses.
type CodeDeployAPI interface {
	CreateDeployment(context.Context, *codedeploy.CreateDeploymentInput, ...func(*codedeploy.Options)) (*codedeploy.CreateDeploymentOutput, error)
	GetDeployment(context.Context, *codedeploy.GetDeploymentInput, ...func(*codedeploy.Options)) (*codedeploy.GetDeploymentOutput, error)
	ListDeployments(context.Context, *codedeploy.ListDeploymentsInput, ...func(*codedeploy.Options)) (*codedeploy.ListDeploymentsOutput, error)
	ListDeploymentTargets(context.Context, *codedeploy.ListDeploymentTargetsInput, ...func(*codedeploy.Options)) (*codedeploy.ListDeploymentTargetsOutput, error)
	GetDeploymentTarget(context.Context, *codedeploy.GetDeploymentTargetInput, ...func(*codedeploy.Options)) (*codedeploy.GetDeploymentTargetOutput, error)
	StopDeployment(context.Context, *codedeploy.StopDeploymentInput, ...func(*codedeploy.Options)) (*codedeploy.StopDeploymentOutput, error)
	GetDeploymentGroup(context.Context, *codedeploy.GetDeploymentGroupInput, ...func(*codedeploy.Options)) (*codedeploy.GetDeploymentGroupOutput, error) // edits.go
}

// CloudWatchAPI is the part of *cloudwatch.Client a release uses.
type CloudWatchAPI interface {
	DescribeAlarms(context.Context, *cloudwatch.DescribeAlarmsInput, ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error)
}

// ELBAPI is the part of *elasticloadbalancingv2.Client a release uses.
type ELBAPI interface {
	DescribeTargetHealth(context.Context, *elbv2.DescribeTargetHealthInput, ...func(*elbv2.Options)) (*elbv2.DescribeTargetHealthOutput, error)
	DescribeRules(context.Context, *elbv2.DescribeRulesInput, ...func(*elbv2.Options)) (*elbv2.DescribeRulesOutput, error) // edits.go
}

// STSAPI is the part of *sts.Client a release uses.
type STSAPI interface {
	GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

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

// failure is a failed rollout; controllerRolledBack says ECS or CodeDeploy is already rolling back
// on its own, so the deployer only has to wait.
type failure struct {
	what                 string
	controllerRolledBack bool
}

func (f *failure) Error() string { return f.what }

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
	res.NewTaskDefinition = after.TaskDefinitionArn
	if d.timeout(after) <= 0 {
		return res, fmt.Errorf("pulumi up ran, but the stack exports no releaseTimeoutSeconds, so the release was not followed: " +
			"pass -timeout (e.g. -timeout 30m) and run the deploy command again")
	}

	rollout, cancel := context.WithTimeout(ctx, d.timeout(after))
	defer cancel()
	if after.Strategy == BlueGreen {
		if d.Config.Next != nil && after.TaskDefinitionArn != prev.taskDefinition { // again, now that pulumi up has taken its time
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
		d.sayf("==> released %s (version %s), serving from every AZ it runs in", after.TaskDefinitionArn, res.NewVersion)
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
	after.TaskDefinitionArn = started
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

// interruptedSummary prints, after an interrupt, what serves, the deployment and the exact command
// that rolls back.
func (d *Deployer) interruptedSummary(o StackOutputs, prev current, res *Result, stage string) error {
	look, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var lines []string
	if svc, err := d.describeService(look, o); err == nil {
		lines = append(lines, fmt.Sprintf("ECS serves %s (primary); %d deployment(s), %d task set(s)", servingTaskDefinition(svc), len(svc.Deployments), len(svc.TaskSets)))
	} else {
		lines = append(lines, fmt.Sprintf("what serves could not be read (%v)", err))
	}
	switch {
	case prev.taskDefinition == "":
		lines = append(lines, "this was the first release: there is nothing to roll back to")
	case o.Strategy == BlueGreen && res.DeploymentID == "":
		lines = append(lines, "no CodeDeploy deployment was created: what serves did not change")
	case o.Strategy == BlueGreen:
		status := "unknown"
		if info, err := d.getDeployment(look, res.DeploymentID); err == nil {
			status = string(info.Status)
		}
		lines = append(lines, fmt.Sprintf("CodeDeploy deployment %s is %s", res.DeploymentID, status))
		if status == string(cdtypes.DeploymentStatusSucceeded) {
			lines = append(lines, fmt.Sprintf("to roll back, deploy %s again: `aws deploy create-deployment --application-name %s --deployment-group-name %s "+
				"--deployment-config-name %s --revision '%s'`", prev.taskDefinition, o.CodeDeployApplication, o.CodeDeployGroup, rollbackConfig,
				revisionJSON(AppSpec(prev.taskDefinition, o.ContainerName, o.ContainerPort, o.Service))))
		} else {
			lines = append(lines, fmt.Sprintf("to roll back: `aws deploy stop-deployment --deployment-id %s --auto-rollback-enabled`", res.DeploymentID),
				fmt.Sprintf("to keep it: let it finish (`aws deploy get-deployment --deployment-id %s`) and run the deploy command again to verify", res.DeploymentID))
		}
	default:
		lines = append(lines, fmt.Sprintf("to roll back: `aws ecs update-service --cluster %s --service %s --task-definition %s`",
			o.ClusterName, o.ServiceName, prev.taskDefinition))
	}
	summary := strings.Join(lines, "\n  ")
	d.sayf("==> interrupted while %s; nothing was rolled back:\n  %s", stage, summary)
	return &InterruptedError{Stage: stage, Summary: summary}
}

// revisionJSON is the --revision argument of `aws deploy create-deployment` for an AppSpec.
func revisionJSON(spec string) string {
	b, _ := json.Marshal(map[string]any{"revisionType": "AppSpecContent", "appSpecContent": map[string]string{"content": spec}})
	return string(b)
}

// current is what serves before the release: the rollback target.
type current struct {
	taskDefinition string
	version        string
}

// preflight checks credentials, the stack, and that nothing else is deploying, and records what
// serves now.
func (d *Deployer) preflight(ctx context.Context) (StackOutputs, current, error) {
	var prev current
	if _, err := d.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		return StackOutputs{}, prev, fmt.Errorf("no usable AWS credentials (sts GetCallerIdentity: %v): "+
			"set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or run `aws sso login`) and retry", err)
	}
	raw, err := d.Engine.Outputs(ctx)
	if errors.Is(err, ErrStackNotFound) {
		return StackOutputs{}, prev, fmt.Errorf("stack %q does not exist: create it with `pulumi stack init %s` "+
			"and a Pulumi.%s.yaml, or pass an existing stack to -stack", d.Config.Stack, d.Config.Stack, d.Config.Stack)
	}
	if err != nil {
		return StackOutputs{}, prev, fmt.Errorf("reading outputs of stack %q: %w", d.Config.Stack, err)
	}
	before, err := ParseOutputs(raw)
	if err != nil {
		return before, prev, err
	}
	if !before.deployed() {
		d.sayf("stack %s has no service yet: this is its first release, nothing to roll back to", d.Config.Stack)
		return before, prev, nil
	}
	svc, err := d.describeService(ctx, before)
	if err != nil {
		return before, prev, err
	}
	prev.taskDefinition = servingTaskDefinition(svc)
	d.eventsBefore = map[string]bool{}
	for _, ev := range svc.Events {
		d.eventsBefore[aws.ToString(ev.Id)] = true
	}
	if before.Strategy == BlueGreen {
		err = d.noCodeDeployInProgress(ctx, before)
	} else {
		err = noECSDeploymentInProgress(svc)
	}
	if err != nil {
		return before, prev, err
	}
	if err := d.refusedEdits(ctx, before, svc); err != nil {
		return before, prev, err
	}
	if next := d.Config.Next; next != nil && next.Strategy == BlueGreen {
		if err := d.refuseNearScheduledAction(ctx, before, next.ReleaseTime); err != nil {
			return before, prev, err
		}
	}
	if before.Strategy == Rolling {
		if d.deploymentsBefore, err = d.serviceDeployments(ctx, before); err != nil {
			return before, prev, err
		}
	}
	if before.Strategy == BlueGreen && before.TestListenerURL != "" {
		// The test listener admits only testListenerCidrs: a machine outside them (or behind a proxy or
		// NAT with another address) gets no answer at all, and the release could never pass its check.
		if err := d.Sampler.Reach(ctx, before.TestListenerURL); err != nil {
			return before, prev, fmt.Errorf("the test listener %s does not answer from this machine (%v): add this machine's public IPv4 "+
				"address (as the load balancer sees it, after any proxy or NAT) to webstack:testListenerCidrs, `pulumi up`, and retry",
				before.TestListenerURL, err)
		}
	}
	if info, err := d.Sampler.Info(ctx, before.URL); err == nil {
		prev.version = info.Version
	} else {
		prev.version = "unknown"
		d.sayf("warning: %s does not answer before the release (%v)", before.URL, err)
	}
	if d.alarmsBefore, err = d.firingAlarms(ctx, before.AlarmNames); err != nil {
		return before, prev, err
	} else if len(d.alarmsBefore) > 0 {
		d.sayf("warning: already in ALARM before the release: %v; only alarms entering ALARM from now on stop it%s",
			slices.Sorted(maps.Keys(d.alarmsBefore)), map[bool]string{true: " (the CodeDeploy deployment is created without them)"}[before.Strategy == BlueGreen])
	}
	d.sayf("stack %s: %s, serving %s (version %s)", d.Config.Stack, before.Strategy, prev.taskDefinition, prev.version)
	return before, prev, nil
}

func (d *Deployer) dryRun(ctx context.Context, before StackOutputs, prev current) error {
	if before.Strategy == BlueGreen {
		// CodeDeploy moved production since Pulumi's state was written: a preview from that state
		// plans against the wrong target group (refresh.go). A refresh writes only Pulumi's state.
		d.sayf("==> pulumi refresh (stack %s): Pulumi's state follows what CodeDeploy moved, so the preview is not stale; nothing in AWS is changed",
			d.Config.Stack)
		if err := d.Engine.Refresh(ctx, d.Out); err != nil {
			return fmt.Errorf("pulumi refresh failed, so no preview was made (one from stale state could plan against the wrong target group): %w", err)
		}
	}
	d.sayf("==> pulumi preview (stack %s, with the policy pack); nothing is changed", d.Config.Stack)
	if err := d.Engine.Preview(ctx, d.Out); err != nil {
		return fmt.Errorf("pulumi preview failed: %w", err)
	}
	steps := []string{fmt.Sprintf("pulumi up for stack %s with the policy pack", d.Config.Stack)}
	if before.Strategy == BlueGreen {
		steps = append(steps,
			fmt.Sprintf("create a CodeDeploy deployment in %s/%s with an AppSpec naming the new task definition, container %s port %d",
				before.CodeDeployApplication, before.CodeDeployGroup, before.ContainerName, before.ContainerPort),
			fmt.Sprintf("suspend the service's scaling for the deployment; follow its lifecycle events and traffic weights; sample %s/v1/info before traffic shifts",
				before.TestListenerURL),
			"after verifying, follow the deployment through blue's termination wait until it succeeds")
	} else {
		steps = append(steps, fmt.Sprintf("wait for the ECS service deployment of %s/%s that pulumi up starts to succeed, reporting service events",
			before.ClusterName, before.ServiceName))
	}
	steps = append(steps,
		fmt.Sprintf("verify: %s/v1/info answered by the new task definition from every AZ its tasks run in (%d in a row), /healthz 200, all targets healthy, within %s",
			before.URL, d.Config.VerifySamples, orStackTimeout(d.timeout(before))),
		fmt.Sprintf("stop on any of %d alarms entering ALARM: %v", len(before.AlarmNames), before.AlarmNames),
		fmt.Sprintf("on failure roll back to %s and wait up to %s for it to serve", orNone(prev.taskDefinition), d.Config.RollbackTimeout))
	d.sayf("plan (dry run, nothing changed):")
	for i, s := range steps {
		d.sayf("  %d. %s", i+1, s)
	}
	return nil
}

// timeout is the rollout + verification budget: -timeout, else the stack's releaseTimeoutSeconds.
func (d *Deployer) timeout(o StackOutputs) time.Duration {
	if d.Config.Timeout > 0 {
		return d.Config.Timeout
	}
	return o.ReleaseTimeout
}

func orStackTimeout(t time.Duration) string {
	if t == 0 {
		return "the stack's releaseTimeoutSeconds (first release: known after pulumi up)"
	}
	return t.String()
}

func orNone(s string) string {
	if s == "" {
		return "nothing (first release)"
	}
	return s
}

// rollback undoes a failed release and waits until the previous task definition serves again.
func (d *Deployer) rollback(ctx context.Context, o StackOutputs, prev current, res *Result, cause error) error {
	res.Failure = cause.Error()
	if errors.Is(cause, context.DeadlineExceeded) {
		res.Failure = fmt.Sprintf("timed out after %s: %v", d.timeout(o), cause)
	}
	d.sayf("==> release failed: %s", res.Failure)
	switch prev.taskDefinition {
	case "":
		res.RolledBackTo = "nothing (first release: there is no previous version; the stack's resources stay as pulumi up left them)"
		return &ReleaseFailedError{Result: *res}
	case o.TaskDefinitionArn:
		res.RolledBackTo = fmt.Sprintf("nothing: the task definition did not change, so there is no previous version to go back to, but pulumi up may "+
			"have changed infrastructure (listeners, WAF, security groups, health checks), which cannot be rolled back automatically: "+
			"check `pulumi stack history -s %s`, revert the change in git and run the deploy command again, or fix forward", d.Config.Stack)
		return &ReleaseFailedError{Result: *res}
	}
	ctx, cancel := context.WithTimeout(ctx, d.Config.RollbackTimeout)
	defer cancel()
	var f *failure
	selfRolledBack := errors.As(cause, &f) && f.controllerRolledBack
	var err error
	switch {
	case selfRolledBack:
		d.sayf("==> %s is rolling back on its own; waiting", controllerName(o.Strategy))
	case o.Strategy == BlueGreen:
		err = d.rollbackBlueGreen(ctx, o, prev.taskDefinition, res.DeploymentID)
	default:
		d.sayf("==> rolling back: service %s to %s", o.ServiceName, prev.taskDefinition)
		_, err = d.ECS.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: &o.ClusterName, Service: &o.ServiceName,
			TaskDefinition: &prev.taskDefinition})
	}
	if err == nil {
		err = d.waitServing(ctx, o, prev.taskDefinition)
	}
	switch {
	case err != nil && interrupted(ctx):
		res.RolledBackTo = fmt.Sprintf("unknown: interrupted while rolling back to %s (%v)", prev.taskDefinition, err)
	case err != nil:
		res.RolledBackTo = fmt.Sprintf("unknown: the rollback to %s did not finish (%v); see the service in the console", prev.taskDefinition, err)
	default:
		res.RolledBack = true
		res.RolledBackTo = fmt.Sprintf("%s (version %s), serving again", prev.taskDefinition, prev.version)
	}
	return &ReleaseFailedError{Result: *res}
}

func controllerName(s Strategy) string {
	if s == BlueGreen {
		return "CodeDeploy"
	}
	return "ECS"
}
