package release

import (
	"context"
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

// rollRolling waits for the ECS deployment of the new task definition to complete, printing service
// events as they come. The deployment circuit breaker (and the service's alarm rollback) may roll it
// back on its own: that is a failure the deployer only has to wait out.
func (d *Deployer) rollRolling(ctx context.Context, o StackOutputs) error {
	d.sayf("==> waiting for the ECS deployment of %s", o.TaskDefinitionArn)
	seen := maps.Clone(d.eventsBefore)
	if seen == nil {
		seen = map[string]bool{}
	}
	last := ""
	for {
		svc, err := d.describeService(ctx, o)
		if err != nil {
			return err
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
		var dep *ecstypes.Deployment // the deployment of the new task definition, the PRIMARY one if several
		for i := range svc.Deployments {
			if aws.ToString(svc.Deployments[i].TaskDefinition) == o.TaskDefinitionArn && (dep == nil || aws.ToString(svc.Deployments[i].Status) == "PRIMARY") {
				dep = &svc.Deployments[i]
			}
		}
		switch {
		case dep == nil:
			return &failure{what: fmt.Sprintf("ECS has no deployment of %s any more (it was rolled back or replaced)", o.TaskDefinitionArn),
				controllerRolledBack: true}
		case dep.RolloutState == ecstypes.DeploymentRolloutStateFailed:
			return &failure{what: "ECS deployment failed: " + aws.ToString(dep.RolloutStateReason), controllerRolledBack: true}
		case dep.RolloutState == ecstypes.DeploymentRolloutStateCompleted && aws.ToString(dep.Status) == "PRIMARY":
			d.sayf("  ECS deployment %s completed: %d/%d tasks running", aws.ToString(dep.Id), dep.RunningCount, dep.DesiredCount)
			return nil
		}
		if now := fmt.Sprintf("%d/%d running, %d pending, %d failed", dep.RunningCount, dep.DesiredCount, dep.PendingCount, dep.FailedTasks); now != last {
			d.sayf("  deployment %s: %s", aws.ToString(dep.Id), now)
			last = now
		}
		if err := d.alarmCheck(ctx, o); err != nil {
			return err
		}
		if err := d.sleep(ctx); err != nil {
			return fmt.Errorf("waiting for the ECS deployment of %s: %w", o.TaskDefinitionArn, err)
		}
	}
}
