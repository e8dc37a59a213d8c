package components

import (
	"fmt"
	"strings"
)

// The limits of EC2 capacity settings, in the shape of settings.go.

// EC2 capacity limits.
const (
	// MinEC2Instances: the Auto Scaling group spans two Availability Zones.
	MinEC2Instances = 2
	MaxEC2Instances = 1000
	// MinRootVolumeSizeGiB is the ECS-optimized AMI's root volume; 16384 GiB is gp3's maximum.
	MinRootVolumeSizeGiB = 30
	MaxRootVolumeSizeGiB = 16384
)

// DefaultMaxInstances is an EC2Capacity's MaxInstances when unset: twice MinInstances, so a
// rolling deploy of a full service has room.
func DefaultMaxInstances(minInstances int) int { return 2 * minInstances }

// CheckEC2Room checks that maxInstances instances of perInstance tasks each hold the tasks the
// service may run (its autoscaling maximum, or its fixed desired count).
func CheckEC2Room(perInstance, maxInstances, tasks int) *SettingError {
	if perInstance*maxInstances < tasks {
		return settingErr(fmt.Sprintf("%d instance(s) of %d task(s) each (one network interface per task, and cpu and memory) hold %d tasks, fewer than the %d the service may run",
			maxInstances, perInstance, perInstance*maxInstances, tasks),
			"raise the maximum instances to %d, choose larger instance types, or lower the maximum task count", (tasks+perInstance-1)/perInstance)
	}
	return nil
}

// CheckMinInstances checks the fewest EC2 instances.
func CheckMinInstances(n int) *SettingError {
	return checkFewest(n, MinEC2Instances, MaxEC2Instances, "instance", "the group must span two Availability Zones")
}

// CheckMaxInstances checks the most EC2 instances against the fewest.
func CheckMaxInstances(maxInstances, minInstances int) *SettingError {
	return checkMost(maxInstances, minInstances, MinEC2Instances, MaxEC2Instances, "instance")
}

// CheckTargetCapacityPercent checks ECS managed scaling's target use of the instances.
func CheckTargetCapacityPercent(p int) *SettingError {
	if err := CheckIntRange(p, 1, MaxPercent); err != nil {
		err.Fix += " (100 fills instances, lower keeps room for new tasks)"
		return err
	}
	return nil
}

// CheckSpotInstancePercent checks the share of Spot instances.
func CheckSpotInstancePercent(p int) *SettingError {
	if err := CheckIntRange(p, 0, MaxPercent); err != nil {
		err.Fix += " (0 is all On-Demand, 100 all Spot)"
		return err
	}
	return nil
}

// CheckRootVolumeSize checks the instances' root volume.
func CheckRootVolumeSize(gib int) *SettingError {
	return CheckIntRange(gib, MinRootVolumeSizeGiB, MaxRootVolumeSizeGiB)
}

// reservedCapacityProviderPrefixes are the prefixes ECS refuses at the start of a capacity
// provider name (CreateCapacityProvider).
var reservedCapacityProviderPrefixes = []string{"aws", "ecs", "fargate"}

// CheckCapacityProviderName checks a name a capacity provider name starts with.
func CheckCapacityProviderName(name string) *SettingError {
	for _, prefix := range reservedCapacityProviderPrefixes {
		if strings.HasPrefix(strings.ToLower(name), prefix) {
			return settingErr(fmt.Sprintf("%q starts with %q, which ECS refuses at the start of a capacity provider name", name, prefix),
				"pick a name that does not start with %s", strings.Join(reservedCapacityProviderPrefixes, ", "))
		}
	}
	return nil
}

// CheckEC2NATGateways refuses EC2 capacity in a new VPC without NAT: the instances must reach the
// ECS, ECS agent and telemetry endpoints, and the VPC endpoints cover only ECR, CloudWatch Logs,
// S3 and SSM.
func CheckEC2NATGateways(natGateways string) *SettingError {
	if natGateways == NATGatewaysNone {
		return settingErr("None: EC2 instances must reach the ECS, ECS agent and telemetry endpoints, which the VPC endpoints do not cover",
			"use %s or %s with EC2 capacity", NATGatewaysSingle, NATGatewaysOnePerAZ)
	}
	return nil
}
