package rules

import (
	"slices"
	"testing"
)

func service(props map[string]any) Resource { return res(typeService, "svc", props) }

func awsvpc(subnets any) map[string]any {
	return map[string]any{"subnets": subnets, "securityGroups": []string{"sg-1"}}
}

func TestServiceMultiAZ(t *testing.T) {
	three := Config{MinimumAvailabilityZones: 3}
	spreadAZ := []any{map[string]any{"type": "spread", "field": "attribute:ecs.availability-zone"}}
	runRuleCases(t, PolicyServiceMultiAZ, []ruleCase{
		{"two subnets, two tasks", service(map[string]any{"desiredCount": 2, "networkConfiguration": awsvpc([]string{"subnet-a", "subnet-b"})}), nil, nil},
		{"one subnet", service(map[string]any{"desiredCount": 2, "networkConfiguration": awsvpc([]string{"subnet-a"})}), nil,
			[]string{"V networkConfiguration.subnets"}},
		{"duplicate subnet counts once", service(map[string]any{"networkConfiguration": awsvpc([]string{"subnet-a", "subnet-a"})}), nil,
			[]string{"V networkConfiguration.subnets"}},
		{"subnets unset in awsvpc", service(map[string]any{"networkConfiguration": map[string]any{"assignPublicIp": false}}), nil,
			[]string{"V networkConfiguration.subnets"}},
		{"desired count 1", service(map[string]any{"desiredCount": 1, "networkConfiguration": awsvpc([]string{"subnet-a", "subnet-b"})}), nil,
			[]string{"V desiredCount"}},
		{"desired count 0 is a stopped service", service(map[string]any{"desiredCount": 0, "networkConfiguration": awsvpc([]string{"subnet-a", "subnet-b"})}), nil, nil},
		{"daemon ignores desired count", service(map[string]any{"schedulingStrategy": "DAEMON", "desiredCount": 1, "launchType": "EC2", "orderedPlacementStrategies": spreadAZ}), nil, nil},
		{"three AZs required", service(map[string]any{"desiredCount": 2, "networkConfiguration": awsvpc([]string{"subnet-a", "subnet-b"})}), &three,
			[]string{"V desiredCount", "V networkConfiguration.subnets"}},
		{"subnets unknown", service(map[string]any{"desiredCount": 2, "networkConfiguration": awsvpc(unknownValue)}), nil,
			[]string{"U networkConfiguration.subnets"}},
		{"subnet elements unknown", service(map[string]any{"networkConfiguration": awsvpc([]any{unknownValue, unknownValue})}), nil,
			[]string{"U networkConfiguration.subnets"}},
		{"one unknown element cannot reach 3", service(map[string]any{"networkConfiguration": awsvpc([]any{"subnet-a", unknownValue})}), &three,
			[]string{"V networkConfiguration.subnets"}},
		{"networkConfiguration unknown", service(map[string]any{"networkConfiguration": unknownValue}), nil,
			[]string{"U networkConfiguration"}},
		{"desired count unknown", service(map[string]any{"desiredCount": unknownValue}), nil, []string{"U desiredCount"}},
		{"known violation hides unknowns", service(map[string]any{"desiredCount": 1, "networkConfiguration": awsvpc(unknownValue)}), nil,
			[]string{"V desiredCount"}},
		{"secret subnets still counted", service(map[string]any{"networkConfiguration": awsvpc(secretOf([]string{"subnet-a"}))}), nil,
			[]string{"V networkConfiguration.subnets"}},
		{"EC2 launch type spreads on AZ", service(map[string]any{"launchType": "EC2", "desiredCount": 2, "orderedPlacementStrategies": spreadAZ}), nil, nil},
		{"EC2 launch type without strategy", service(map[string]any{"launchType": "EC2", "desiredCount": 2}), nil,
			[]string{"V orderedPlacementStrategies"}},
		{"EC2 binpack first", service(map[string]any{"launchType": "EC2", "orderedPlacementStrategies": []any{
			map[string]any{"type": "binpack", "field": "memory"}, map[string]any{"type": "spread", "field": "attribute:ecs.availability-zone"}}}), nil,
			[]string{"V orderedPlacementStrategies"}},
		{"EC2 spread on instance", service(map[string]any{"launchType": "EC2", "orderedPlacementStrategies": []any{
			map[string]any{"type": "spread", "field": "instanceId"}}}), nil,
			[]string{"V orderedPlacementStrategies"}},
		{"EC2 capacity provider", service(map[string]any{"capacityProviderStrategies": []any{map[string]any{"capacityProvider": "app-asg-cp", "weight": 1}}}), nil,
			[]string{"V orderedPlacementStrategies"}},
		{"EC2 capacity provider: AZ spread, then binpack (EC2PlacementStrategies)", service(map[string]any{"desiredCount": 2,
			"capacityProviderStrategies": []any{map[string]any{"capacityProvider": "app-ec2", "weight": 1}},
			"orderedPlacementStrategies": append(slices.Clone(spreadAZ), map[string]any{"type": "binpack", "field": "memory"})}), nil, nil},
		{"Fargate next to an EC2 capacity provider", service(map[string]any{"capacityProviderStrategies": []any{
			map[string]any{"capacityProvider": "FARGATE", "base": 1}, map[string]any{"capacityProvider": "app-ec2", "weight": 1}}}), nil,
			[]string{"V orderedPlacementStrategies"}},
		{"Fargate capacity providers need no strategy", service(map[string]any{"capacityProviderStrategies": []any{
			map[string]any{"capacityProvider": "FARGATE", "base": 1}, map[string]any{"capacityProvider": "FARGATE_SPOT"}}}), nil, nil},
		{"unknown capacity provider without strategy", service(map[string]any{"capacityProviderStrategies": []any{map[string]any{"capacityProvider": unknownValue}}}), nil,
			[]string{"U capacityProviderStrategies"}},
		{"unknown capacity provider with AZ spread", service(map[string]any{"orderedPlacementStrategies": spreadAZ,
			"capacityProviderStrategies": []any{map[string]any{"capacityProvider": unknownValue}}}), nil, nil},
		{"awsx EC2 service", res(typeAwsxEC2Service, "svc", map[string]any{"desiredCount": 2}), nil, []string{"V orderedPlacementStrategies"}},
		{"awsx Fargate service one subnet", res(typeAwsxFargateService, "svc", map[string]any{"networkConfiguration": awsvpc([]string{"subnet-a"})}), nil,
			[]string{"V networkConfiguration.subnets"}},
	})
}

func TestScalingMinimum(t *testing.T) {
	target := func(ns, min any) Resource {
		return res(typeScalingTarget, "tgt", map[string]any{"serviceNamespace": ns, "minCapacity": min, "maxCapacity": 4,
			"scalableDimension": "ecs:service:DesiredCount"})
	}
	runRuleCases(t, PolicyScalingMinimum, []ruleCase{
		{"min 2", target("ecs", 2), nil, nil},
		{"min 1", target("ecs", 1), nil, []string{"V minCapacity"}},
		{"min 0", target("ecs", 0), nil, []string{"V minCapacity"}},
		{"min unset", res(typeScalingTarget, "tgt", map[string]any{"serviceNamespace": "ecs"}), nil, []string{"V minCapacity"}},
		{"min unknown", target("ecs", unknownValue), nil, []string{"U minCapacity"}},
		{"namespace unknown", target(unknownValue, 1), nil, []string{"U serviceNamespace"}},
		{"other namespaces ignored", target("dynamodb", 1), nil, nil},
	})
}

func TestASGMultiAZ(t *testing.T) {
	runRuleCases(t, PolicyASGMultiAZ, []ruleCase{
		{"two subnets", res(typeASG, "asg", map[string]any{"vpcZoneIdentifiers": []string{"subnet-a", "subnet-b"}}), nil, nil},
		{"one subnet", res(typeASG, "asg", map[string]any{"vpcZoneIdentifiers": []string{"subnet-a"}}), nil, []string{"V vpcZoneIdentifiers"}},
		{"two zones", res(typeASG, "asg", map[string]any{"availabilityZones": []string{"us-east-1a", "us-east-1b"}}), nil, nil},
		{"one zone", res(typeASG, "asg", map[string]any{"availabilityZones": []string{"us-east-1a"}}), nil, []string{"V availabilityZones"}},
		{"neither", res(typeASG, "asg", map[string]any{}), nil, []string{"V vpcZoneIdentifiers"}},
		{"unknown subnets", res(typeASG, "asg", map[string]any{"vpcZoneIdentifiers": unknownValue}), nil, []string{"U vpcZoneIdentifiers"}},
	})
}

func TestLoadBalancerMultiAZ(t *testing.T) {
	runRuleCases(t, PolicyLoadBalancerMultiAZ, []ruleCase{
		{"two subnets", res(typeLB, "alb", map[string]any{"subnets": []string{"subnet-a", "subnet-b"}}), nil, nil},
		{"alb alias type", res(typeALB, "alb", map[string]any{"subnets": []string{"subnet-a"}}), nil, []string{"V subnets"}},
		{"two mappings", res(typeLB, "nlb", map[string]any{"subnetMappings": []any{map[string]any{"subnetId": "a"}, map[string]any{"subnetId": "b"}}}), nil, nil},
		{"one mapping", res(typeLB, "nlb", map[string]any{"subnetMappings": []any{map[string]any{"subnetId": "a"}}}), nil, []string{"V subnetMappings"}},
		{"mappings unknown", res(typeLB, "nlb", map[string]any{"subnetMappings": unknownValue}), nil, []string{"U subnetMappings"}},
		{"no subnets", res(typeLB, "alb", map[string]any{}), nil, []string{"V subnets"}},
		{"subnets unknown", res(typeLB, "alb", map[string]any{"subnets": unknownValue}), nil, []string{"U subnets"}},
	})
}

func TestVPCMultiAZ(t *testing.T) {
	runRuleCases(t, PolicyVPCMultiAZ, []ruleCase{
		{"awsx default (3)", res(typeAwsxVPC, "vpc", map[string]any{}), nil, nil},
		{"two", res(typeAwsxVPC, "vpc", map[string]any{"numberOfAvailabilityZones": 2}), nil, nil},
		{"one", res(typeAwsxVPC, "vpc", map[string]any{"numberOfAvailabilityZones": 1}), nil, []string{"V numberOfAvailabilityZones"}},
		{"one named zone", res(typeAwsxVPC, "vpc", map[string]any{"availabilityZoneNames": []string{"us-east-1a"}}), nil, []string{"V availabilityZoneNames"}},
		{"two named zones", res(typeAwsxVPC, "vpc", map[string]any{"availabilityZoneNames": []string{"us-east-1a", "us-east-1b"}}), nil, nil},
		{"unknown count", res(typeAwsxVPC, "vpc", map[string]any{"numberOfAvailabilityZones": unknownValue}), nil, []string{"U numberOfAvailabilityZones"}},
	})
}
