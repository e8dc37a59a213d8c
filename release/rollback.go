package release

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
)

// failure is a failed rollout; controllerRolledBack says ECS or CodeDeploy is already rolling back
// on its own, so the deployer only has to wait.
type failure struct {
	what                 string
	controllerRolledBack bool
}

func (f *failure) Error() string { return f.what }

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
	case o.TaskDefinitionARN:
		res.RolledBackTo = fmt.Sprintf("nothing: the task definition did not change, so there is no previous version to go back to, but pulumi up may "+
			"have changed infrastructure (listeners, Waf, security groups, health checks), which cannot be rolled back automatically: "+
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
