package release

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"example.com/webstack/contract"
)

// NextStack is what the stack's config file asks the next `pulumi up` for. cmd/deploy reads it
// with the program's own config loading (program.StackFileConfig). With Config.Next nil the edits
// below are not checked.
type NextStack struct {
	Strategy      Strategy
	ComputeType   string // "fargate" or "ec2"
	ContainerPort int
	// AvailabilityZones is the zone count of the VPC the stack creates; 0 with existingVpcId.
	AvailabilityZones int
	// ReleaseTime is how long a blue-green release under this config is expected to take, from the
	// CodeDeploy deployment to blue's removal (EstimateReleaseTime's Done): the time the service's
	// scaling stays suspended (schedule.go).
	ReleaseTime time.Duration
}

// refusedEdits refuses, before anything changes, the edits of a live stack that one `pulumi up`
// cannot make safely. A bare `pulumi up` has no such guard (docs/releases.md).
func (d *Deployer) refusedEdits(ctx context.Context, before StackOutputs, svc ecstypes.Service) error {
	next := d.Config.Next
	if next == nil {
		return nil
	}
	stackFile := "Pulumi." + d.Config.Stack + ".yaml"
	current := before.ComputeType
	if current == "" { // a stack last updated before the computeType output existed
		current = computeTypeOf(svc)
	}
	if current != "" && next.ComputeType != "" && current != next.ComputeType {
		// The Fargate and the EC2 path each own the cluster's capacity provider association; one
		// `pulumi up` replaces one with the other around a service that still uses the old providers
		// (docs/day2-components.md, "Not handled here"), which ECS refuses, and what serves goes
		// down with it.
		return fmt.Errorf("%s switches computeType from %s to %s on a live stack: one `pulumi up` cannot move a running service between "+
			"Fargate and EC2 capacity (the cluster's capacity providers are replaced while the service still uses them). Do it with a second "+
			"stack: `pulumi stack init %s-%s`, copy %s with computeType %s, deploy it with this command, move traffic to its url "+
			"(DNS), then `pulumi destroy` the old stack. Or set computeType back to %s", stackFile, current, next.ComputeType,
			d.Config.Stack, next.ComputeType, stackFile, next.ComputeType, current)
	}
	if before.AvailabilityZones != 0 && next.AvailabilityZones != 0 && before.AvailabilityZones != next.AvailabilityZones {
		// awsx's Auto subnet layout divides the VPC per zone count (pulumi-awsx
		// awsx/ec2/subnetDistributorNew.ts), so every live subnet gets a new cidrBlock: the
		// create-first replacements overlap the live subnets, which EC2 CreateSubnet refuses
		// (InvalidSubnet.Conflict; hashicorp/terraform #33470, pulumi/pulumi-awsx #520), and the old
		// subnets hold the load balancer and the tasks, so they cannot be deleted first. Without the
		// output (existingVpcId, or a stack last updated before it existed) nothing is checked.
		return fmt.Errorf("%s changes availabilityZones from %d to %d on a live stack that creates its own VPC: the VPC's subnets are "+
			"laid out per zone count, so every live subnet would be replaced by one whose block overlaps it, which EC2 refuses "+
			"(InvalidSubnet.Conflict) half-way through `pulumi up`, and the old subnets cannot go first (they hold the load balancer "+
			"and the tasks). Do it with a second stack: `pulumi stack init %s-%daz`, copy %s with availabilityZones %d, deploy it with "+
			"this command, move traffic to its url (DNS), then `pulumi destroy` the old stack. Or set availabilityZones back to %d",
			stackFile, before.AvailabilityZones, next.AvailabilityZones, d.Config.Stack, next.AvailabilityZones, stackFile,
			next.AvailabilityZones, before.AvailabilityZones)
	}
	if before.Strategy == BlueGreen && next.Strategy == BlueGreen && before.ContainerPort != 0 && next.ContainerPort != 0 &&
		before.ContainerPort != next.ContainerPort {
		// The target groups' port forces their replacement, while the production and test listeners
		// ignore their default actions (CodeDeploy owns them): the old target groups stay in use and
		// cannot be deleted (docs/day2-components.md, "Not handled here"); the next AppSpec would also
		// name a port the service's load balancer settings do not have.
		return fmt.Errorf("%s changes containerPort from %d to %d on a blue-green stack: CodeDeploy owns the listeners, so the target "+
			"groups cannot be replaced under them. Do it in three releases with this command: (1) deploymentStrategy rolling (same port); "+
			"(2) containerPort %d; (3) deploymentStrategy blue-green. Or set containerPort back to %d",
			stackFile, before.ContainerPort, next.ContainerPort, next.ContainerPort, before.ContainerPort)
	}
	if before.Strategy == BlueGreen && next.Strategy == Rolling {
		return d.refuseSwitchOnGreen(ctx, before, svc)
	}
	return nil
}

// computeTypeOf reads the compute type from the service itself: its capacity provider strategy
// (FARGATE, FARGATE_SPOT or a cluster's EC2 capacity provider) or launch type.
func computeTypeOf(svc ecstypes.Service) string {
	if len(svc.CapacityProviderStrategy) > 0 { // the program gives one kind per service: the first entry tells
		if strings.HasPrefix(aws.ToString(svc.CapacityProviderStrategy[0].CapacityProvider), "FARGATE") {
			return contract.ComputeFargate
		}
		return contract.ComputeEC2
	}
	switch svc.LaunchType {
	case ecstypes.LaunchTypeFargate:
		return contract.ComputeFargate
	case ecstypes.LaunchTypeEc2:
		return contract.ComputeEC2
	}
	return ""
}

// refuseSwitchOnGreen refuses a switch from blue-green to rolling while production is on the green
// target group. The rolling service registers in blue (the target group the rolling production
// listener forwards to); with production on green the listener moves to an empty blue first and
// the green tasks are drained: an outage until the new service's tasks are healthy (issue 12,
// item 6; docs/day2-components.md, "Switching blue-green -> rolling").
//
// Which target group is green comes from the deployment group (GetDeploymentGroup
// loadBalancerInfo.targetGroupPairInfoList: the program lists blue first, then green,
// components/bluegreen.go) and where production goes from the production listener's rules
// (DescribeRules: CodeDeploy reroutes with elasticloadbalancing:ModifyListener or ModifyRule, the
// actions of the AWSCodeDeployRoleForECS managed policy, so the default rule or another rule may
// carry the forward).
func (d *Deployer) refuseSwitchOnGreen(ctx context.Context, o StackOutputs, svc ecstypes.Service) error {
	group, err := d.CodeDeploy.GetDeploymentGroup(ctx, &codedeploy.GetDeploymentGroupInput{ApplicationName: &o.CodeDeployApplication,
		DeploymentGroupName: &o.CodeDeployGroup})
	if err != nil {
		return fmt.Errorf("switching to rolling needs production on the blue target group, and where it is could not be read "+
			"(codedeploy GetDeploymentGroup %s/%s: %w): fix the access and retry", o.CodeDeployApplication, o.CodeDeployGroup, err)
	}
	info := group.DeploymentGroupInfo
	if info == nil || info.LoadBalancerInfo == nil || len(info.LoadBalancerInfo.TargetGroupPairInfoList) == 0 {
		return fmt.Errorf("deployment group %s/%s has no target group pair: cannot tell whether production is on blue; run `pulumi refresh -s %s` and retry",
			o.CodeDeployApplication, o.CodeDeployGroup, d.Config.Stack)
	}
	pair := info.LoadBalancerInfo.TargetGroupPairInfoList[0]
	if len(pair.TargetGroups) != 2 || pair.ProdTrafficRoute == nil {
		return fmt.Errorf("deployment group %s/%s does not name two target groups and a production listener", o.CodeDeployApplication, o.CodeDeployGroup)
	}
	green := aws.ToString(pair.TargetGroups[1].Name)
	for _, listener := range pair.ProdTrafficRoute.ListenerArns {
		onGreen, err := d.forwardsTo(ctx, listener, green)
		if err != nil {
			return fmt.Errorf("switching to rolling needs production on the blue target group, and where it is could not be read: %w", err)
		}
		if !onGreen {
			continue
		}
		spec := AppSpec(servingTaskDefinition(svc), o.ContainerName, o.ContainerPort, o.Service)
		//lint:ignore ST1005 the message starts with the stack file's name
		return fmt.Errorf("Pulumi.%s.yaml switches deploymentStrategy to rolling, but production is on the green target group %s "+
			"(listener %s): the rolling service starts in blue after the listener has moved there, which takes the site down until its tasks "+
			"are healthy. First move production back to blue with one CodeDeploy deployment of the task definition that serves now:\n"+
			"  aws deploy create-deployment --application-name %s --deployment-group-name %s --revision '%s'\n"+
			"  aws deploy wait deployment-successful --deployment-id <the id it prints>   (includes blue's termination wait)\n"+
			"then run the deploy command again; nothing was changed", d.Config.Stack, green, listener, o.CodeDeployApplication,
			o.CodeDeployGroup, revisionJSON(spec))
	}
	return nil
}

// forwardsTo reports whether any rule of listener forwards traffic to the target group named
// name. A target group ARN is arn:...:targetgroup/<name>/<id> (Elastic Load Balancing resource
// types, Service Authorization Reference). A forward's ForwardConfig.TargetGroups is "how traffic
// will be distributed between multiple target groups" with weights "0 to 999" (ELBv2 API
// reference, TargetGroupTuple): weight 0 gets none; an absent weight is counted as sending traffic.
func (d *Deployer) forwardsTo(ctx context.Context, listener, name string) (bool, error) {
	out, err := d.ELB.DescribeRules(ctx, &elbv2.DescribeRulesInput{ListenerArn: &listener})
	if err != nil {
		return false, fmt.Errorf("elbv2 DescribeRules %s: %w", listener, err)
	}
	named := func(arn *string) bool { return strings.Contains(aws.ToString(arn), ":targetgroup/"+name+"/") }
	for _, rule := range out.Rules {
		for _, a := range rule.Actions {
			if a.Type != elbtypes.ActionTypeEnumForward {
				continue
			}
			if a.ForwardConfig != nil && len(a.ForwardConfig.TargetGroups) > 0 {
				for _, tg := range a.ForwardConfig.TargetGroups {
					if named(tg.TargetGroupArn) && (tg.Weight == nil || *tg.Weight > 0) {
						return true, nil
					}
				}
				continue
			}
			if named(a.TargetGroupArn) {
				return true, nil
			}
		}
	}
	return false, nil
}
