package release

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

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

func orStackTimeout(t time.Duration) string {
	if t == 0 {
		return "the stack's releaseTimeoutSeconds (first release: known after pulumi up)"
	}
	return t.String()
}
