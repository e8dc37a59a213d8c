package components

import (
	"slices"
	"strconv"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// newTaskDefinition registers the task definition: its containers (ContainerDefinitions), size,
// platform and roles.
func newTaskDefinition(ctx *pulumi.Context, name, region string, a ServiceArgs, compatibility string, roles serviceRoles, parent pulumi.ResourceOption) (*ecs.TaskDefinition, error) {
	containerDefs, err := ContainerDefinitions(region, a)
	if err != nil {
		return nil, err
	}
	var volumes ecs.TaskDefinitionVolumeArray
	for _, m := range execMounts(a.EnableExecuteCommand) {
		volumes = append(volumes, ecs.TaskDefinitionVolumeArgs{Name: pulumi.String(m.SourceVolume)})
	}
	return ecs.NewTaskDefinition(ctx, name+"-task", &ecs.TaskDefinitionArgs{
		Family:                  pulumi.String(a.TaskFamily),
		RequiresCompatibilities: pulumi.ToStringArray([]string{compatibility}),
		NetworkMode:             pulumi.String("awsvpc"),
		Cpu:                     pulumi.String(strconv.Itoa(a.CPU)),
		Memory:                  pulumi.String(strconv.Itoa(a.Memory)),
		RuntimePlatform: &ecs.TaskDefinitionRuntimePlatformArgs{
			OperatingSystemFamily: pulumi.String("LINUX"),
			CpuArchitecture:       pulumi.String(a.CPUArchitecture),
		},
		ExecutionRoleArn:     roles.execution.Arn,
		TaskRoleArn:          roles.task.Arn,
		ContainerDefinitions: pulumi.String(containerDefs),
		Volumes:              volumes,
		// A replacement registers a new revision and leaves the previous one ACTIVE: ECS refuses an
		// INACTIVE (deregistered) revision for UpdateService and CreateTaskSet
		// (DeregisterTaskDefinition API reference), so rollbacks need it. The deploy command
		// prunes old revisions.
		SkipDestroy: pulumi.Bool(true),
	}, parent, createFirst, pulumi.DependsOn(append(slices.Clone(a.ImageDependsOn), roles.taskDeps...)))
}
