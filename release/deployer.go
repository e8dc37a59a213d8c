// Package release is the deploy command's core: `pulumi up`, then follow the ECS or CodeDeploy
// rollout, verify the new version from every Availability Zone, and roll back on a failed check or
// an alarm. Every cloud call goes through a small interface that the real AWS SDK v2 clients satisfy.
package release

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
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
}

// CloudWatchAPI is the part of *cloudwatch.Client a release uses.
type CloudWatchAPI interface {
	DescribeAlarms(context.Context, *cloudwatch.DescribeAlarmsInput, ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error)
}

// ELBAPI is the part of *elasticloadbalancingv2.Client a release uses.
type ELBAPI interface {
	DescribeTargetHealth(context.Context, *elbv2.DescribeTargetHealthInput, ...func(*elbv2.Options)) (*elbv2.DescribeTargetHealthOutput, error)
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
}

// Deployer performs one release. All fields are required.
type Deployer struct {
	Engine     Engine
	ECS        ECSAPI
	CodeDeploy CodeDeployAPI
	CloudWatch CloudWatchAPI
	ELB        ELBAPI
	STS        STSAPI
	Sampler    Sampler
	Out        io.Writer // progress and the summary
	Config     Config

	alarmsBefore map[string]time.Time // alarms already in ALARM at the start, and since when
	eventsBefore map[string]bool      // IDs of the service events from before the release
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
}

// ReleaseFailedError is returned when the release was rolled back (or could not be).
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

// Run performs the release and prints a summary. A non-nil error means the command must exit non-zero;
// a *ReleaseFailedError means it was rolled back.
func (d *Deployer) Run(ctx context.Context) (Result, error) {
	res := Result{}
	before, prev, err := d.preflight(ctx)
	if err != nil {
		return res, err
	}
	res.PreviousTaskDefinition = prev.taskDefinition
	res.PreviousVersion = prev.version
	if d.Config.DryRun {
		return res, d.dryRun(ctx, before, prev)
	}

	if err := d.refreshBlueGreen(ctx, before); err != nil {
		return res, err
	}
	d.sayf("==> pulumi up (stack %s, with the policy pack)", d.Config.Stack)
	raw, err := d.Engine.Up(ctx, d.Out)
	if err != nil {
		return res, fmt.Errorf("pulumi up failed, nothing was released: %w", err)
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
		res.DeploymentID, err = d.rollBlueGreen(rollout, after, prev.taskDefinition)
	} else {
		err = d.rollRolling(rollout, after)
	}
	if err == nil {
		res.NewVersion, err = d.verify(rollout, after)
	}
	if err == nil {
		d.sayf("==> released %s (version %s), serving from every AZ", after.TaskDefinitionArn, res.NewVersion)
		d.pruneAfterRelease(ctx, after, prev.taskDefinition)
		return res, nil
	}
	if ctx.Err() != nil { // the operator interrupted: do not start a rollback they did not ask for
		return res, err
	}
	err = d.rollback(ctx, after, prev, &res, err)
	d.sayf("==> summary: %v", err)
	return res, err
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
	if info, err := d.Sampler.Info(ctx, before.URL); err == nil {
		prev.version = info.Version
	} else {
		prev.version = "unknown"
		d.sayf("warning: %s does not answer before the release (%v)", before.URL, err)
	}
	if d.alarmsBefore, err = d.firingAlarms(ctx, before.AlarmNames); err != nil {
		return before, prev, err
	} else if len(d.alarmsBefore) > 0 {
		d.sayf("warning: already in ALARM before the release: %v; only alarms entering ALARM from now on stop it",
			slices.Sorted(maps.Keys(d.alarmsBefore)))
	}
	d.sayf("stack %s: %s, serving %s (version %s)", d.Config.Stack, before.Strategy, prev.taskDefinition, prev.version)
	return before, prev, nil
}

func (d *Deployer) dryRun(ctx context.Context, before StackOutputs, prev current) error {
	d.sayf("==> pulumi preview (stack %s, with the policy pack); nothing is changed", d.Config.Stack)
	if err := d.Engine.Preview(ctx, d.Out); err != nil {
		return fmt.Errorf("pulumi preview failed: %w", err)
	}
	steps := []string{fmt.Sprintf("pulumi up for stack %s with the policy pack", d.Config.Stack)}
	if before.Strategy == BlueGreen {
		steps = append(steps,
			fmt.Sprintf("create a CodeDeploy deployment in %s/%s with an AppSpec naming the new task definition, container %s port %d",
				before.CodeDeployApplication, before.CodeDeployGroup, before.ContainerName, before.ContainerPort),
			fmt.Sprintf("follow its lifecycle events and traffic weights; sample %s/v1/info before traffic shifts", before.TestListenerURL))
	} else {
		steps = append(steps, fmt.Sprintf("wait for the ECS deployment of %s/%s to complete, reporting service events",
			before.ClusterName, before.ServiceName))
	}
	steps = append(steps,
		fmt.Sprintf("verify: %s/v1/info answered by the new task definition from every AZ the service runs in (%d in a row), /healthz 200, all targets healthy, within %s",
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
		res.RolledBackTo = "nothing (first release: there is no previous version)"
		return &ReleaseFailedError{Result: *res}
	case o.TaskDefinitionArn:
		res.RolledBackTo = "nothing (the task definition did not change, so the failure is not this release's)"
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
	if err != nil {
		res.RolledBackTo = fmt.Sprintf("unknown: the rollback to %s did not finish (%v); see the service in the console", prev.taskDefinition, err)
	} else {
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
