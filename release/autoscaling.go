package release

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
)

// AutoScalingAPI is the part of *applicationautoscaling.Client a release uses.
type AutoScalingAPI interface {
	DescribeScalableTargets(context.Context, *applicationautoscaling.DescribeScalableTargetsInput, ...func(*applicationautoscaling.Options)) (*applicationautoscaling.DescribeScalableTargetsOutput, error)
	RegisterScalableTarget(context.Context, *applicationautoscaling.RegisterScalableTargetInput, ...func(*applicationautoscaling.Options)) (*applicationautoscaling.RegisterScalableTargetOutput, error)
	DescribeScheduledActions(context.Context, *applicationautoscaling.DescribeScheduledActionsInput, ...func(*applicationautoscaling.Options)) (*applicationautoscaling.DescribeScheduledActionsOutput, error) // schedule.go
}

// scalingPause is a service's scalable target whose scaling the release suspended, with the state
// to restore.
type scalingPause struct {
	resourceID string
	before     aastypes.SuspendedState
}

func resourceID(o StackOutputs) string { return "service/" + o.ClusterName + "/" + o.ServiceName }

// suspendScaling suspends dynamic and scheduled scaling of the service for a blue-green release.
// During a CodeDeploy deployment a scaling event changes the desired count of the service while
// CodeDeploy sizes the green task set from it, and Application Auto Scaling keeps scaling out during
// deployments unless suspended (ECS Developer Guide, "Troubleshooting service auto scaling": "scale-out
// processes continue to occur, unless suspended, during a deployment"). RegisterScalableTarget on an
// existing target with only SuspendedState changes only that ("Any parameters that you don't specify
// are not changed by this update request": Application Auto Scaling API reference). Returns nil when
// the service has no scalable target.
func (d *Deployer) suspendScaling(ctx context.Context, o StackOutputs) (*scalingPause, error) {
	id := resourceID(o)
	if d.AutoScaling == nil {
		d.sayf("warning: no Application Auto Scaling client: scaling of %s is not suspended during the deployment", id)
		return nil, nil
	}
	out, err := d.AutoScaling.DescribeScalableTargets(ctx, &applicationautoscaling.DescribeScalableTargetsInput{
		ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceIds: []string{id}, ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount})
	if err != nil {
		return nil, fmt.Errorf("application-autoscaling DescribeScalableTargets %s: %w", id, err)
	}
	if len(out.ScalableTargets) == 0 {
		return nil, nil
	}
	p := &scalingPause{resourceID: id}
	if s := out.ScalableTargets[0].SuspendedState; s != nil {
		p.before = *s
	}
	all := true
	if err := d.registerSuspended(ctx, id, aastypes.SuspendedState{DynamicScalingInSuspended: &all, DynamicScalingOutSuspended: &all,
		ScheduledScalingSuspended: &all}); err != nil {
		return nil, err
	}
	d.sayf("==> scaling of %s suspended for the release (dynamic and scheduled); it is restored afterwards", id)
	return p, nil
}

func (d *Deployer) registerSuspended(ctx context.Context, id string, s aastypes.SuspendedState) error {
	_, err := d.AutoScaling.RegisterScalableTarget(ctx, &applicationautoscaling.RegisterScalableTargetInput{
		ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: aws.String(id), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount,
		SuspendedState: &s})
	if err != nil {
		return fmt.Errorf("application-autoscaling RegisterScalableTarget %s: %w", id, err)
	}
	return nil
}

// resume puts back the suspended state found before the release, even after an interrupt.
func (d *Deployer) resumeScaling(ctx context.Context, p *scalingPause) {
	if p == nil {
		return
	}
	ctx = context.WithoutCancel(ctx)
	if err := d.registerSuspended(ctx, p.resourceID, p.before); err != nil {
		b := func(v *bool) bool { return aws.ToBool(v) }
		d.sayf("warning: scaling of %s is still suspended (%v): resume it with `aws application-autoscaling register-scalable-target "+
			"--service-namespace ecs --scalable-dimension ecs:service:DesiredCount --resource-id %s --suspended-state "+
			"DynamicScalingInSuspended=%t,DynamicScalingOutSuspended=%t,ScheduledScalingSuspended=%t`", p.resourceID, err, p.resourceID,
			b(p.before.DynamicScalingInSuspended), b(p.before.DynamicScalingOutSuspended), b(p.before.ScheduledScalingSuspended))
		return
	}
	d.sayf("  scaling of %s restored", p.resourceID)
}
