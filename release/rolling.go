package release

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func (d *Deployer) describeService(ctx context.Context, o StackOutputs) (ecstypes.Service, error) {
	out, err := d.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: &o.ClusterName, Services: []string{o.ServiceName}})
	if err != nil {
		return ecstypes.Service{}, fmt.Errorf("ecs DescribeServices %s/%s: %w", o.ClusterName, o.ServiceName, err)
	}
	if len(out.Services) == 0 {
		return ecstypes.Service{}, fmt.Errorf("ECS service %s not found in cluster %s although the stack exports it: run `pulumi refresh -s <stack>`",
			o.ServiceName, o.ClusterName)
	}
	return out.Services[0], nil
}

// servingTaskDefinition is the task definition traffic goes to now: the PRIMARY task set under
// CodeDeploy, the PRIMARY deployment under the ECS controller.
func servingTaskDefinition(svc ecstypes.Service) string {
	for _, ts := range svc.TaskSets {
		if aws.ToString(ts.Status) == "PRIMARY" {
			return aws.ToString(ts.TaskDefinition)
		}
	}
	for _, dep := range svc.Deployments {
		if aws.ToString(dep.Status) == "PRIMARY" {
			return aws.ToString(dep.TaskDefinition)
		}
	}
	return aws.ToString(svc.TaskDefinition)
}

func noECSDeploymentInProgress(svc ecstypes.Service) error {
	for _, dep := range svc.Deployments {
		if aws.ToString(dep.Status) == "PRIMARY" && (dep.RolloutState == ecstypes.DeploymentRolloutStateInProgress || len(svc.Deployments) > 1) {
			return fmt.Errorf("an ECS deployment is already in progress on service %s (%d deployments, primary %s is %s): "+
				"wait for it to finish (`aws ecs wait services-stable --cluster %s --services %s`) and retry",
				aws.ToString(svc.ServiceName), len(svc.Deployments), aws.ToString(dep.Id), dep.RolloutState,
				lastPathPart(aws.ToString(svc.ClusterArn)), aws.ToString(svc.ServiceName))
		}
	}
	return nil
}

func lastPathPart(arn string) string {
	for i := len(arn) - 1; i >= 0; i-- {
		if arn[i] == '/' {
			return arn[i+1:]
		}
	}
	return arn
}

// serviceDeployments lists the ARNs of the service's service deployments (ECS keeps 90 days of them;
// ECS Developer Guide, "View service history using Amazon ECS service deployments").
func (d *Deployer) serviceDeployments(ctx context.Context, o StackOutputs) (map[string]time.Time, error) {
	arns := map[string]time.Time{}
	in := &ecs.ListServiceDeploymentsInput{Cluster: &o.ClusterName, Service: &o.ServiceName}
	for {
		out, err := d.ECS.ListServiceDeployments(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("ecs ListServiceDeployments %s/%s: %w", o.ClusterName, o.ServiceName, err)
		}
		for _, sd := range out.ServiceDeployments {
			arns[aws.ToString(sd.ServiceDeploymentArn)] = aws.ToTime(sd.CreatedAt)
		}
		if out.NextToken == nil {
			return arns, nil
		}
		in.NextToken = out.NextToken
	}
}

// newServiceDeployment is the ARN of the first service deployment created since preflight (the one
// `pulumi up` started; any later one is someone else's), "" if none.
func (d *Deployer) newServiceDeployment(ctx context.Context, o StackOutputs) (string, error) {
	now, err := d.serviceDeployments(ctx, o)
	if err != nil {
		return "", err
	}
	first := ""
	for _, arn := range slices.Sorted(maps.Keys(now)) {
		if _, old := d.deploymentsBefore[arn]; !old && (first == "" || now[arn].Before(now[first])) {
			first = arn
		}
	}
	return first, nil
}

// startGracePolls is how many polls the deployer waits for the service deployment `pulumi up`
// started to appear: ECS reads are eventually consistent (a minute at the default -poll 5s).
const startGracePolls = 12

// rollRolling identifies the service deployment this release started (one that did not exist in
// preflight) and follows it by its status (DescribeServiceDeployments: IN_PROGRESS, SUCCESSFUL,
// STOPPED, ROLLBACK_*), printing service events as they come. The deployment circuit breaker and the
// service's alarm rollback may roll it back on their own: a failure the deployer only waits out.
// When no deployment started, nothing was released: a previous rollback (or a change outside
// Pulumi) left the service on another revision than the one Pulumi's state records, and `pulumi up`
// does not refresh.
func (d *Deployer) rollRolling(ctx context.Context, o StackOutputs) error {
	d.sayf("==> waiting for the ECS deployment of %s", o.TaskDefinitionARN)
	arn := ""
	for i := 0; arn == "" && i < startGracePolls; i++ {
		var err error
		if arn, err = d.newServiceDeployment(ctx, o); err != nil {
			if err := d.retryLater(ctx, err); err != nil {
				return fmt.Errorf("waiting for the ECS deployment of %s: %w", o.TaskDefinitionARN, err)
			}
			continue
		}
		if arn == "" {
			if err := d.sleep(ctx); err != nil {
				return fmt.Errorf("waiting for the ECS deployment of %s: %w", o.TaskDefinitionARN, err)
			}
		}
	}
	if arn == "" {
		svc, err := d.describeService(ctx, o)
		if err != nil {
			return err
		}
		if serving := servingTaskDefinition(svc); serving != o.TaskDefinitionARN {
			return &NothingReleasedError{Reason: fmt.Errorf("pulumi up started no ECS deployment: the stack records %s, but service %s runs %s "+
				"(a rollback or a change outside Pulumi; `pulumi up` does not refresh, so it saw nothing to change). Nothing was released "+
				"or rolled back. To release %s: `pulumi refresh -s %s` and run the deploy command again, or "+
				"`aws ecs update-service --cluster %s --service %s --task-definition %s` and run it again to verify",
				o.TaskDefinitionARN, o.ServiceName, serving, o.TaskDefinitionARN, d.Config.Stack, o.ClusterName, o.ServiceName, o.TaskDefinitionARN)}
		}
		d.sayf("  no new ECS deployment: the service already runs %s", o.TaskDefinitionARN)
		return nil
	}
	d.sayf("  ECS service deployment %s", arn)
	seen := maps.Clone(d.eventsBefore)
	if seen == nil {
		seen = map[string]bool{}
	}
	last := ""
	for {
		if err := d.followStep(ctx, o, arn, seen, &last); err != errNotYet {
			return err
		}
		if err := d.sleep(ctx); err != nil {
			return fmt.Errorf("waiting for the ECS deployment of %s: %w", o.TaskDefinitionARN, err)
		}
	}
}

var errNotYet = errors.New("not finished")

// followStep reads the service deployment once: nil when it succeeded, errNotYet while it runs, a
// *failure when it failed or was rolled back; API errors are retried (errNotYet) until the deadline.
func (d *Deployer) followStep(ctx context.Context, o StackOutputs, arn string, seen map[string]bool, last *string) error {
	svc, err := d.describeService(ctx, o)
	if err != nil {
		return d.notYet(ctx, err)
	}
	events := slices.Clone(svc.Events)
	slices.Reverse(events) // ECS lists the newest first
	for _, ev := range events {
		if seen[aws.ToString(ev.Id)] {
			continue
		}
		seen[aws.ToString(ev.Id)] = true
		d.sayf("  event %s %s", aws.ToTime(ev.CreatedAt).UTC().Format(time.TimeOnly), aws.ToString(ev.Message))
	}
	out, err := d.ECS.DescribeServiceDeployments(ctx, &ecs.DescribeServiceDeploymentsInput{ServiceDeploymentArns: []string{arn}})
	if err == nil && len(out.ServiceDeployments) == 0 {
		err = fmt.Errorf("ECS does not describe service deployment %s (yet)", arn)
	}
	if err != nil {
		return d.notYet(ctx, fmt.Errorf("ecs DescribeServiceDeployments %s: %w", arn, err))
	}
	sd := out.ServiceDeployments[0]
	why := aws.ToString(sd.StatusReason)
	if sd.Rollback != nil && sd.Rollback.Reason != nil {
		why += " (rollback: " + aws.ToString(sd.Rollback.Reason) + ")"
	}
	switch sd.Status {
	case ecstypes.ServiceDeploymentStatusSuccessful:
		d.sayf("  ECS service deployment succeeded")
		return nil
	case ecstypes.ServiceDeploymentStatusRollbackRequested, ecstypes.ServiceDeploymentStatusRollbackInProgress,
		ecstypes.ServiceDeploymentStatusRollbackSuccessful:
		return &failure{what: fmt.Sprintf("ECS deployment failed and ECS is rolling it back (%s): %s", sd.Status, why), controllerRolledBack: true}
	case ecstypes.ServiceDeploymentStatusRollbackFailed, ecstypes.ServiceDeploymentStatusStopped, ecstypes.ServiceDeploymentStatusStopRequested:
		return &failure{what: fmt.Sprintf("ECS deployment %s: %s", sd.Status, why)}
	}
	if t := sd.TargetServiceRevision; t != nil {
		if now := fmt.Sprintf("%s: %d/%d running, %d pending", sd.Status, t.RunningTaskCount, t.RequestedTaskCount, t.PendingTaskCount); now != *last {
			d.sayf("  deployment %s", now)
			*last = now
		}
	}
	if err := d.alarmCheck(ctx, o); err != nil {
		if errors.Is(err, errAlarm) {
			return err
		}
		return d.notYet(ctx, err)
	}
	return errNotYet
}

// notYet reports a failed read while polling and goes on (errNotYet), unless ctx has ended.
func (d *Deployer) notYet(ctx context.Context, err error) error {
	d.sayf("  (retrying: %v)", err)
	if ctx.Err() != nil {
		return fmt.Errorf("%w (last error: %v)", ctx.Err(), err)
	}
	return errNotYet
}
