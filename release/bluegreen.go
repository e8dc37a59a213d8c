package release

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	cdtypes "github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
)

// AppSpec is the CodeDeploy AppSpec (JSON form) that moves the service to taskDefinitionArn.
func AppSpec(taskDefinitionArn, containerName string, containerPort int) string {
	type lbInfo struct {
		ContainerName string `json:"ContainerName"`
		ContainerPort int    `json:"ContainerPort"`
	}
	type props struct {
		TaskDefinition   string `json:"TaskDefinition"`
		LoadBalancerInfo lbInfo `json:"LoadBalancerInfo"`
	}
	type target struct {
		Type       string `json:"Type"`
		Properties props  `json:"Properties"`
	}
	spec := map[string]any{
		"version": 0.0,
		"Resources": []map[string]target{{"TargetService": {Type: "AWS::ECS::Service",
			Properties: props{TaskDefinition: taskDefinitionArn, LoadBalancerInfo: lbInfo{containerName, containerPort}}}}},
	}
	b, _ := json.Marshal(spec) // fixed types: cannot fail
	return string(b)
}

func (d *Deployer) createDeployment(ctx context.Context, o StackOutputs, taskDefinitionArn, why string) (string, error) {
	spec := AppSpec(taskDefinitionArn, o.ContainerName, o.ContainerPort)
	sum := sha256.Sum256([]byte(spec))
	out, err := d.CodeDeploy.CreateDeployment(ctx, &codedeploy.CreateDeploymentInput{
		ApplicationName:     &o.CodeDeployApplication,
		DeploymentGroupName: &o.CodeDeployGroup,
		Description:         aws.String(why),
		Revision: &cdtypes.RevisionLocation{
			RevisionType:   cdtypes.RevisionLocationTypeAppSpecContent,
			AppSpecContent: &cdtypes.AppSpecContent{Content: &spec, Sha256: aws.String(hex.EncodeToString(sum[:]))},
		},
	})
	if err != nil {
		return "", fmt.Errorf("codedeploy CreateDeployment in %s/%s: %w", o.CodeDeployApplication, o.CodeDeployGroup, err)
	}
	return aws.ToString(out.DeploymentId), nil
}

var activeDeploymentStatuses = []cdtypes.DeploymentStatus{cdtypes.DeploymentStatusCreated, cdtypes.DeploymentStatusQueued,
	cdtypes.DeploymentStatusInProgress, cdtypes.DeploymentStatusReady}

func (d *Deployer) noCodeDeployInProgress(ctx context.Context, o StackOutputs) error {
	out, err := d.CodeDeploy.ListDeployments(ctx, &codedeploy.ListDeploymentsInput{ApplicationName: &o.CodeDeployApplication,
		DeploymentGroupName: &o.CodeDeployGroup, IncludeOnlyStatuses: activeDeploymentStatuses})
	if err != nil {
		return fmt.Errorf("codedeploy ListDeployments %s/%s: %w", o.CodeDeployApplication, o.CodeDeployGroup, err)
	}
	if len(out.Deployments) > 0 {
		return fmt.Errorf("CodeDeploy deployment %s is already in progress in %s/%s: wait for it, or stop it with "+
			"`aws deploy stop-deployment --deployment-id %s --auto-rollback-enabled`, and retry",
			out.Deployments[0], o.CodeDeployApplication, o.CodeDeployGroup, out.Deployments[0])
	}
	return nil
}

// rollBlueGreen creates the CodeDeploy deployment and follows it until all production traffic is on
// the new (green) task set. It returns while the blue task set still waits for termination, so the
// verification that follows can still stop the deployment and have CodeDeploy reroute to blue.
func (d *Deployer) rollBlueGreen(ctx context.Context, o StackOutputs, previous string) (string, error) {
	if o.TaskDefinitionArn == previous {
		d.sayf("==> task definition unchanged (%s): no CodeDeploy deployment needed", previous)
		return "", nil
	}
	id, err := d.createDeployment(ctx, o, o.TaskDefinitionArn, "release by cmd/deploy")
	if err != nil {
		return "", err
	}
	d.sayf("==> CodeDeploy deployment %s: %s -> %s", id, orNone(previous), o.TaskDefinitionArn)
	return id, d.follow(ctx, o, id, true)
}

// follow prints a deployment's lifecycle events and traffic weights until all production traffic
// is on the new task set. A release (checked) samples the test listener before traffic shifts and
// stops on alarms; a rollback deployment does neither (the alarm that caused it may still fire).
func (d *Deployer) follow(ctx context.Context, o StackOutputs, id string, checked bool) error {
	events := map[string]cdtypes.LifecycleEventStatus{}
	traffic, testSampled := "", !checked || o.TestListenerURL == ""
	for {
		dep, err := d.CodeDeploy.GetDeployment(ctx, &codedeploy.GetDeploymentInput{DeploymentId: &id})
		if err != nil {
			return fmt.Errorf("codedeploy GetDeployment %s: %w", id, err)
		}
		info := dep.DeploymentInfo
		switch info.Status {
		case cdtypes.DeploymentStatusFailed, cdtypes.DeploymentStatusStopped:
			why := string(info.Status)
			if info.ErrorInformation != nil {
				why += ": " + aws.ToString(info.ErrorInformation.Message)
			}
			return &failure{what: "CodeDeploy deployment " + id + " " + why, controllerRolledBack: true}
		case cdtypes.DeploymentStatusSucceeded:
			d.sayf("  deployment %s succeeded", id)
			return nil
		}
		target, err := d.ecsTarget(ctx, id)
		if err != nil {
			return err
		}
		shifted := false
		if target != nil {
			for _, ev := range target.LifecycleEvents {
				name := aws.ToString(ev.LifecycleEventName)
				if events[name] != ev.Status {
					events[name] = ev.Status
					d.sayf("  lifecycle %-22s %s", name, ev.Status)
				}
				shifted = shifted || (name == "AfterAllowTraffic" && ev.Status == cdtypes.LifecycleEventStatusSucceeded)
			}
			if now := trafficLine(target.TaskSetsInfo); now != traffic {
				d.sayf("  traffic %s", now)
				traffic = now
			}
		}
		if !testSampled && events["AllowTestTraffic"] == cdtypes.LifecycleEventStatusSucceeded {
			testSampled = true
			if err := d.checkTestListener(ctx, o); err != nil {
				return err
			}
		}
		if shifted {
			d.sayf("  all production traffic is on the new task set; the old one waits for termination")
			return nil
		}
		if checked {
			if err := d.alarmCheck(ctx, o); err != nil {
				return err
			}
		}
		if err := d.sleep(ctx); err != nil {
			return fmt.Errorf("following CodeDeploy deployment %s: %w", id, err)
		}
	}
}

func (d *Deployer) ecsTarget(ctx context.Context, id string) (*cdtypes.ECSTarget, error) {
	targets, err := d.CodeDeploy.ListDeploymentTargets(ctx, &codedeploy.ListDeploymentTargetsInput{DeploymentId: &id})
	if err != nil {
		return nil, fmt.Errorf("codedeploy ListDeploymentTargets %s: %w", id, err)
	}
	if len(targets.TargetIds) == 0 {
		return nil, nil // CodeDeploy has not attached the service yet
	}
	t, err := d.CodeDeploy.GetDeploymentTarget(ctx, &codedeploy.GetDeploymentTargetInput{DeploymentId: &id, TargetId: &targets.TargetIds[0]})
	if err != nil {
		return nil, fmt.Errorf("codedeploy GetDeploymentTarget %s: %w", id, err)
	}
	return t.DeploymentTarget.EcsTarget, nil
}

func trafficLine(sets []cdtypes.ECSTaskSet) string {
	parts := make([]string, 0, len(sets))
	for _, s := range sets {
		parts = append(parts, fmt.Sprintf("%s %.0f%% (%d/%d running)", strings.ToLower(string(s.TaskSetLabel)), s.TrafficWeight, s.RunningCount, s.DesiredCount))
	}
	return strings.Join(parts, ", ")
}

// rollbackBlueGreen stops the deployment with auto-rollback while CodeDeploy still can reroute to the
// old task set; once the deployment has finished, the only way back is a new deployment of the old
// task definition.
func (d *Deployer) rollbackBlueGreen(ctx context.Context, o StackOutputs, previous, id string) error {
	if id != "" {
		dep, err := d.CodeDeploy.GetDeployment(ctx, &codedeploy.GetDeploymentInput{DeploymentId: &id})
		if err != nil {
			return fmt.Errorf("codedeploy GetDeployment %s: %w", id, err)
		}
		if dep.DeploymentInfo.Status != cdtypes.DeploymentStatusSucceeded {
			d.sayf("==> stopping CodeDeploy deployment %s with auto-rollback", id)
			_, err := d.CodeDeploy.StopDeployment(ctx, &codedeploy.StopDeploymentInput{DeploymentId: &id, AutoRollbackEnabled: aws.Bool(true)})
			if err != nil {
				return fmt.Errorf("codedeploy StopDeployment %s: %w", id, err)
			}
			return nil
		}
	}
	back, err := d.createDeployment(ctx, o, previous, "rollback by cmd/deploy")
	if err != nil {
		return err
	}
	d.sayf("==> rolling back with CodeDeploy deployment %s to %s", back, previous)
	return d.follow(ctx, o, back, false)
}
