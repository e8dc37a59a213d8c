package program

import (
	"fmt"
	"reflect"
	"slices"

	"example.com/webstack/components"
	"example.com/webstack/contract"
)

// The keys that only mean something on one compute type. Pulumi passes every declared key with
// its default, so "set" means "differs from the default".
var (
	ec2OnlyKeys     = []string{"instanceTypes", "minInstances", "maxInstances", "targetCapacityPercent", "spotInstancePercent", "instanceRootVolumeGiB", "instanceSessionManager"}
	fargateOnlyKeys = []string{"fargateBase", "fargateWeight", "fargateSpotWeight"}
)

// nonDefault returns those of keys whose value differs from Defaults(), in keys' order.
func (c *Config) nonDefault(keys []string) []string {
	d := Defaults()
	defaults := map[string]any{}
	for _, f := range d.fields() {
		defaults[f.key] = reflect.ValueOf(f.ptr).Elem().Interface()
	}
	var out []string
	for _, f := range c.fields() {
		if slices.Contains(keys, f.key) && !reflect.DeepEqual(reflect.ValueOf(f.ptr).Elem().Interface(), defaults[f.key]) {
			out = append(out, f.key)
		}
	}
	return out
}

// validateCompute checks computeType and the keys of the compute type it names.
func (c *Config) validateCompute(p *Problems) {
	switch c.ComputeType {
	case contract.ComputeFargate:
		for _, k := range c.nonDefault(ec2OnlyKeys) {
			p.add(k, "set, but computeType is fargate and this key applies to EC2 capacity only",
				fmt.Sprintf("set computeType to ec2, or remove it (pulumi config rm webstack:%s)", k))
		}
	case contract.ComputeEC2:
		for _, k := range c.nonDefault(fargateOnlyKeys) {
			p.add(k, "set, but computeType is ec2 and this key applies to Fargate only (the service runs on the EC2 capacity provider)",
				fmt.Sprintf("remove it (pulumi config rm webstack:%s), or set computeType to fargate", k))
		}
		c.validateEC2(p)
	default:
		p.add("computeType", fmt.Sprintf("%q is not supported", c.ComputeType), "use fargate (the default) or ec2")
	}
}

func (c *Config) validateEC2(p *Problems) {
	p.check("serviceName", components.CheckCapacityProviderName(c.ServiceName))
	if c.ExistingVPCID == "" {
		p.check("natGateways", components.CheckEC2NATGateways(c.NATGateways))
	}

	p.checkAll("instanceTypes", components.CheckInstanceTypes(c.InstanceTypes, c.cpuArchitecture()))
	perInstance, err := components.EC2TasksPerInstance(c.InstanceTypes, c.CPU, c.Memory)
	switch {
	case err != nil && len(c.InstanceTypes) > 0:
		p.add("instanceTypes", err.Error(), "change instanceTypes, or cpu and memory")
	case err == nil:
		p.check("maxInstances", components.CheckEC2Room(perInstance, c.MaxInstances, c.maxTasks()))
	}

	p.check("minInstances", components.CheckMinInstances(c.MinInstances))
	p.check("maxInstances", components.CheckMaxInstances(c.MaxInstances, c.MinInstances))
	p.check("targetCapacityPercent", components.CheckTargetCapacityPercent(c.TargetCapacityPercent))
	p.check("spotInstancePercent", components.CheckSpotInstancePercent(c.SpotInstancePercent))
	p.check("instanceRootVolumeGiB", components.CheckRootVolumeSize(c.InstanceRootVolumeGiB))
}

// cpuArchitecture is imagePlatform in ECS runtimePlatform terms.
func (c *Config) cpuArchitecture() string {
	return components.CPUArchitecture(c.ImagePlatform)
}

// maxTasks is the most tasks the service runs outside a deployment.
func (c *Config) maxTasks() int {
	if c.Autoscaling {
		return c.MaxCount
	}
	return c.DesiredCount
}

// ec2CapacityArgs maps the EC2 keys onto the component (the service fills in the cluster,
// network and stop timeout).
func (c *Config) ec2CapacityArgs() *components.EC2CapacityArgs {
	return &components.EC2CapacityArgs{
		InstanceTypes:         c.InstanceTypes,
		MinInstances:          c.MinInstances,
		MaxInstances:          c.MaxInstances,
		TargetCapacityPercent: c.TargetCapacityPercent,
		SpotInstancePercent:   c.SpotInstancePercent,
		RootVolumeSizeGiB:     c.InstanceRootVolumeGiB,
		SessionManagerAccess:  c.InstanceSessionManager,
	}
}
