package release

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	cdtypes "github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
)

// AppSpec is the CodeDeploy AppSpec (JSON form) that moves the service to taskDefinitionARN, with the
// task set properties the stack wants (CodeDeploy User Guide, "AppSpec 'resources' section for Amazon
// ECS deployments": TaskDefinition, LoadBalancerInfo, and optional PlatformVersion,
// NetworkConfiguration.AwsvpcConfiguration and CapacityProviderStrategy). "version" is the string
// "0.0" ("AppSpec 'version' section": the only allowed value).
func AppSpec(taskDefinitionARN, containerName string, containerPort int, s ServiceSettings) string {
	type lbInfo struct {
		ContainerName string `json:"ContainerName"`
		ContainerPort int    `json:"ContainerPort"`
	}
	type awsvpc struct {
		Subnets        []string `json:"Subnets"`
		SecurityGroups []string `json:"SecurityGroups,omitempty"`
		AssignPublicIP string   `json:"AssignPublicIp"`
	}
	type network struct {
		AwsvpcConfiguration awsvpc `json:"AwsvpcConfiguration"`
	}
	type capacity struct {
		Base             int    `json:"Base"`
		CapacityProvider string `json:"CapacityProvider"`
		Weight           int    `json:"Weight"`
	}
	type props struct {
		TaskDefinition           string     `json:"TaskDefinition"`
		LoadBalancerInfo         lbInfo     `json:"LoadBalancerInfo"`
		PlatformVersion          string     `json:"PlatformVersion,omitempty"`
		NetworkConfiguration     *network   `json:"NetworkConfiguration,omitempty"`
		CapacityProviderStrategy []capacity `json:"CapacityProviderStrategy,omitempty"`
	}
	type target struct {
		Type       string `json:"Type"`
		Properties props  `json:"Properties"`
	}
	p := props{TaskDefinition: taskDefinitionARN, LoadBalancerInfo: lbInfo{containerName, containerPort}, PlatformVersion: s.PlatformVersion}
	if s.hasNetwork() {
		public := "DISABLED"
		if s.AssignPublicIP {
			public = "ENABLED"
		}
		p.NetworkConfiguration = &network{awsvpc{Subnets: s.Subnets, SecurityGroups: s.SecurityGroups, AssignPublicIP: public}}
	}
	for _, cp := range s.CapacityProviders {
		p.CapacityProviderStrategy = append(p.CapacityProviderStrategy, capacity{Base: cp.Base, CapacityProvider: cp.CapacityProvider, Weight: cp.Weight})
	}
	spec := struct {
		Version   string              `json:"version"`
		Resources []map[string]target `json:"Resources"`
	}{"0.0", []map[string]target{{"TargetService": {Type: "AWS::ECS::Service", Properties: p}}}}
	b, _ := json.Marshal(spec) // fixed types: cannot fail
	return string(b)
}

// revisionJSON is the --revision argument of `aws deploy create-deployment` for an AppSpec.
func revisionJSON(spec string) string {
	b, _ := json.Marshal(map[string]any{"revisionType": "AppSpecContent", "appSpecContent": map[string]string{"content": spec}})
	return string(b)
}

// rollbackConfig is the deployment configuration of a rollback deployment: all traffic at once. Left
// empty, CreateDeployment uses the group's configuration ("If not specified, the value configured in
// the deployment group is used"), a canary that would leave 90 % of traffic on the bad version.
const rollbackConfig = "CodeDeployDefault.ECSAllAtOnce"

// deploymentOptions are what a CreateDeployment sets beyond the revision.
type deploymentOptions struct {
	why          string
	configName   string                      // "" = the deployment group's
	alarms       *cdtypes.AlarmConfiguration // nil = the deployment group's
	alarmsReason string
}

func (d *Deployer) createDeployment(ctx context.Context, o StackOutputs, taskDefinitionARN string, opt deploymentOptions) (string, error) {
	spec := AppSpec(taskDefinitionARN, o.ContainerName, o.ContainerPort, o.Service)
	sum := sha256.Sum256([]byte(spec))
	in := &codedeploy.CreateDeploymentInput{
		ApplicationName:     &o.CodeDeployApplication,
		DeploymentGroupName: &o.CodeDeployGroup,
		Description:         aws.String(opt.why),
		Revision: &cdtypes.RevisionLocation{
			RevisionType:   cdtypes.RevisionLocationTypeAppSpecContent,
			AppSpecContent: &cdtypes.AppSpecContent{Content: &spec, Sha256: aws.String(hex.EncodeToString(sum[:]))},
		},
		OverrideAlarmConfiguration: opt.alarms,
	}
	if opt.configName != "" {
		in.DeploymentConfigName = aws.String(opt.configName)
	}
	if opt.alarms != nil {
		d.sayf("  alarm configuration overridden for this deployment: %s", opt.alarmsReason)
	}
	out, err := d.CodeDeploy.CreateDeployment(ctx, in)
	if err != nil {
		return "", fmt.Errorf("codedeploy CreateDeployment in %s/%s: %w", o.CodeDeployApplication, o.CodeDeployGroup, err)
	}
	return aws.ToString(out.DeploymentId), nil
}

// releaseAlarms is the alarm configuration of a release deployment. CodeDeploy stops a deployment
// while any alarm of its group is in ALARM ("If any of the specified alarms are activated, the
// deployment stops"), including alarms already firing when it starts; so when some of the stack's
// alarms already fire, the deployment watches only the others (the deployer itself still stops on any
// alarm that enters ALARM again). nil: nothing fires, the group's configuration applies.
func (d *Deployer) releaseAlarms(o StackOutputs) (*cdtypes.AlarmConfiguration, string) {
	if len(d.alarmsBefore) == 0 {
		return nil, ""
	}
	var watch []cdtypes.Alarm
	for _, name := range o.AlarmNames {
		if _, firing := d.alarmsBefore[name]; !firing {
			watch = append(watch, cdtypes.Alarm{Name: aws.String(name)})
		}
	}
	why := fmt.Sprintf("%v already in ALARM would stop it at once, so CodeDeploy watches only the other %d", slices.Sorted(maps.Keys(d.alarmsBefore)), len(watch))
	if len(watch) == 0 {
		return &cdtypes.AlarmConfiguration{Enabled: false}, why + " (none: the deployer alone watches for new alarms)"
	}
	return &cdtypes.AlarmConfiguration{Enabled: true, Alarms: watch}, why
}
