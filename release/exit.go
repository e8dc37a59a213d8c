package release

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	cdtypes "github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
)

// Exit statuses of the deploy command: each says what serves production when the command ends.
const (
	// ExitReleased: the new version is verified from every AZ it runs in and the controller has
	// finished (rolling: ECS deployment COMPLETED; blue-green: CodeDeploy deployment Succeeded).
	ExitReleased = 0
	// ExitRolledBack: the release failed and the previous version was seen serving again.
	ExitRolledBack = 1
	// ExitBadFlags: the command line was wrong; nothing was read or changed.
	ExitBadFlags = 2
	// ExitRollbackFailed: the release failed and the rollback failed, was impossible, or could not
	// be confirmed: a person must look at production now (the summary says what to run).
	ExitRollbackFailed = 3
	// ExitNothingReleased: refused before anything changed, or no deployment started, so what
	// served before still serves (infrastructure changes of a failed `pulumi up` aside: the message
	// says so when there may be some).
	ExitNothingReleased = 4
	// ExitInterrupted: the operator interrupted the command; it printed what may have changed and
	// how to recover. 130 is the shell's convention for SIGINT (128 + 2).
	ExitInterrupted = 130
)

// NothingReleasedError is a release that changed nothing that serves: refused in preflight, or
// no deployment was started.
type NothingReleasedError struct{ Reason error }

func (e *NothingReleasedError) Error() string { return e.Reason.Error() }
func (e *NothingReleasedError) Unwrap() error { return e.Reason }

// InterruptedError is a release the operator interrupted; Summary is what was printed about what
// may have changed and how to recover.
type InterruptedError struct {
	Stage   string // "pulumi up", "following", "verifying", "rolling back"
	Summary string
}

func (e *InterruptedError) Error() string { return "interrupted during " + e.Stage + ": " + e.Summary }

// ExitCode maps the error Run returned onto the command's exit status.
func ExitCode(err error) int {
	var nothing *NothingReleasedError
	var failed *ReleaseFailedError
	var interrupted *InterruptedError
	switch {
	case err == nil:
		return ExitReleased
	case errors.As(err, &interrupted):
		return ExitInterrupted
	case errors.As(err, &nothing):
		return ExitNothingReleased
	case errors.As(err, &failed) && failed.Result.RolledBack:
		return ExitRolledBack
	}
	return ExitRollbackFailed // anything after `pulumi up` that is not known to be safe
}

func refuse(err error) error {
	if err == nil {
		return nil
	}
	return &NothingReleasedError{Reason: err}
}

// interrupted reports whether the operator interrupted (ctx cancelled, not timed out).
func interrupted(ctx context.Context) bool { return errors.Is(ctx.Err(), context.Canceled) }

// recoveryAfterUp is what an interrupted or failed `pulumi up` may leave behind, and what to run.
func recoveryAfterUp(stack string) string {
	return strings.Join([]string{
		"pulumi up did not finish: resources it was creating, updating or deleting may have changed, and the stack may be locked",
		fmt.Sprintf("if the stack is locked (`pulumi stack -s %s` says an update is in progress and none runs), run `pulumi cancel -s %s`", stack, stack),
		fmt.Sprintf("run `pulumi refresh -s %s` to read what exists now; a create that was in flight is a pending operation: "+
			"look the resource up in the console, then `pulumi refresh -s %s --import-pending-creates URN ID` if it exists or "+
			"`--clear-pending-creates` if it does not", stack, stack),
		"then run the deploy command again to release and verify",
	}, "\n  ")
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
