package rules

import (
	"strings"
	"testing"
)

// goodLaunchTemplate is shaped like components.NewEC2Capacity's: launch template settings are
// strings ("true"/"false"), as the provider types them.
func goodLaunchTemplate() map[string]any {
	return map[string]any{
		"imageId":         "resolve:ssm:/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id",
		"metadataOptions": map[string]any{"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 1},
		"networkInterfaces": []any{map[string]any{"deviceIndex": 0, "associatePublicIpAddress": "false",
			"deleteOnTermination": "true", "securityGroups": []string{"sg-1"}}},
		"blockDeviceMappings": []any{map[string]any{"deviceName": "/dev/xvda",
			"ebs": map[string]any{"volumeSize": 30, "volumeType": "gp3", "encrypted": "true"}}},
	}
}

// goodInstance fits both aws:ec2/instance:Instance and aws:ec2/launchConfiguration:LaunchConfiguration
// (booleans there).
func goodInstance() map[string]any {
	return map[string]any{
		"metadataOptions":          map[string]any{"httpTokens": "required"},
		"associatePublicIpAddress": false,
		"rootBlockDevice":          map[string]any{"encrypted": true, "volumeSize": 30},
		"ebsBlockDevices":          []any{map[string]any{"deviceName": "/dev/sdf", "encrypted": true}},
	}
}

func lt(props map[string]any) Resource       { return res(typeLaunchTemplate, "lt", props) }
func instance(props map[string]any) Resource { return res(typeInstance, "vm", props) }
func launchConfig(props map[string]any) Resource {
	return res(typeLaunchConfiguration, "lc", props)
}

func TestGoodEC2FixturesPassEveryRule(t *testing.T) {
	for _, r := range []Resource{lt(goodLaunchTemplate()), instance(goodInstance()), launchConfig(goodInstance())} {
		if fs := AnalyzeResource(r, PackConfig{}); len(fs) != 0 {
			t.Errorf("%s: %s", r.Type, messages(fs))
		}
	}
}

func TestIMDSv2Required(t *testing.T) {
	md := func(kv ...any) map[string]any {
		return with(goodLaunchTemplate(), "metadataOptions", with(map[string]any{}, kv...))
	}
	runRuleCases(t, PolicyEC2IMDSv2, []ruleCase{
		{"launch template requires tokens", lt(goodLaunchTemplate()), nil, nil},
		{"required in any case", lt(md("httpTokens", " Required ")), nil, nil},
		{"optional", lt(md("httpTokens", "optional")), nil, []string{"V metadataOptions.httpTokens"}},
		{"httpTokens unset", lt(md("httpEndpoint", "enabled")), nil, []string{"V metadataOptions.httpTokens"}},
		{"metadataOptions unset", lt(with(goodLaunchTemplate(), "metadataOptions", nil)), nil, []string{"V metadataOptions.httpTokens"}},
		{"metadata service disabled", lt(md("httpEndpoint", "disabled", "httpTokens", "optional")), nil, nil},
		{"httpTokens unknown", lt(md("httpTokens", unknownValue)), nil, []string{"U metadataOptions.httpTokens"}},
		{"metadataOptions unknown", lt(with(goodLaunchTemplate(), "metadataOptions", unknownValue)), nil, []string{"U metadataOptions.httpTokens"}},
		{"optional with the endpoint unknown", lt(md("httpTokens", "optional", "httpEndpoint", unknownValue)), nil, []string{"U metadataOptions.httpEndpoint"}},
		{"required with the endpoint unknown", lt(md("httpTokens", "required", "httpEndpoint", unknownValue)), nil, nil},
		{"secret optional still checked", lt(with(goodLaunchTemplate(), "metadataOptions", secretOf(map[string]any{"httpTokens": "optional"}))), nil,
			[]string{"V metadataOptions.httpTokens"}},
		{"instance requires tokens", instance(goodInstance()), nil, nil},
		{"instance optional", instance(with(goodInstance(), "metadataOptions", map[string]any{"httpTokens": "optional"})), nil,
			[]string{"V metadataOptions.httpTokens"}},
		{"instance unset", instance(with(goodInstance(), "metadataOptions", nil)), nil, []string{"V metadataOptions.httpTokens"}},
		{"launch configuration unset", launchConfig(with(goodInstance(), "metadataOptions", nil)), nil, []string{"V metadataOptions.httpTokens"}},
		{"launch configuration required", launchConfig(goodInstance()), nil, nil},
	})
}

func TestEC2NoPublicIP(t *testing.T) {
	ni := func(v any) map[string]any {
		return with(goodLaunchTemplate(), "networkInterfaces", []any{map[string]any{"deviceIndex": 0, "associatePublicIpAddress": v}})
	}
	runRuleCases(t, PolicyEC2NoPublicIP, []ruleCase{
		{"launch template false", lt(goodLaunchTemplate()), nil, nil},
		{"launch template \"true\"", lt(ni("true")), nil, []string{"V networkInterfaces[0].associatePublicIpAddress"}},
		{"launch template \"TRUE\"", lt(ni("TRUE")), nil, []string{"V networkInterfaces[0].associatePublicIpAddress"}},
		{"launch template boolean true", lt(ni(true)), nil, []string{"V networkInterfaces[0].associatePublicIpAddress"}},
		{"second interface public", lt(with(goodLaunchTemplate(), "networkInterfaces", []any{
			map[string]any{"deviceIndex": 0, "associatePublicIpAddress": "false"}, map[string]any{"deviceIndex": 1, "associatePublicIpAddress": "true"}})), nil,
			[]string{"V networkInterfaces[1].associatePublicIpAddress"}},
		{"interface leaves it to the subnet", lt(ni(nil)), nil, nil},
		{"no interfaces leaves it to the subnet", lt(with(goodLaunchTemplate(), "networkInterfaces", nil)), nil, nil},
		{"flag unknown", lt(ni(unknownValue)), nil, []string{"U networkInterfaces[0].associatePublicIpAddress"}},
		{"interfaces unknown", lt(with(goodLaunchTemplate(), "networkInterfaces", unknownValue)), nil, []string{"U networkInterfaces"}},
		{"secret true still checked", lt(ni(secretOf("true"))), nil, []string{"V networkInterfaces[0].associatePublicIpAddress"}},
		{"instance false", instance(goodInstance()), nil, nil},
		{"instance true", instance(with(goodInstance(), "associatePublicIpAddress", true)), nil, []string{"V associatePublicIpAddress"}},
		{"instance unset", instance(with(goodInstance(), "associatePublicIpAddress", nil)), nil, nil},
		{"instance unknown", instance(with(goodInstance(), "associatePublicIpAddress", unknownValue)), nil, []string{"U associatePublicIpAddress"}},
		{"launch configuration true", launchConfig(with(goodInstance(), "associatePublicIpAddress", true)), nil, []string{"V associatePublicIpAddress"}},
	})
}

func TestEC2EncryptedVolumes(t *testing.T) {
	mapping := func(dev string, ebs any) map[string]any {
		m := map[string]any{"deviceName": dev}
		if ebs != nil {
			m["ebs"] = ebs
		}
		return m
	}
	mappings := func(ms ...any) Resource { return lt(with(goodLaunchTemplate(), "blockDeviceMappings", ms)) }
	encrypted := func(v any) map[string]any { return map[string]any{"volumeSize": 30, "encrypted": v} }
	runRuleCases(t, PolicyEC2EncryptedVolumes, []ruleCase{
		{"launch template root encrypted", lt(goodLaunchTemplate()), nil, nil},
		{"boolean true accepted", mappings(mapping("/dev/xvda", encrypted(true))), nil, nil},
		{"\"false\"", mappings(mapping("/dev/xvda", encrypted("false"))), nil, []string{"V blockDeviceMappings[0].ebs.encrypted"}},
		{"encrypted unset", mappings(mapping("/dev/xvda", map[string]any{"volumeSize": 30})), nil, []string{"V blockDeviceMappings[0].ebs.encrypted"}},
		{"second volume unencrypted", mappings(mapping("/dev/xvda", encrypted("true")), mapping("/dev/sdf", encrypted("false"))), nil,
			[]string{"V blockDeviceMappings[1].ebs.encrypted"}},
		{"instance store entries are not EBS", mappings(mapping("/dev/xvda", encrypted("true")), map[string]any{"deviceName": "/dev/sdb", "virtualName": "ephemeral0"}), nil, nil},
		{"no mappings: the AMI's root volume", lt(with(goodLaunchTemplate(), "blockDeviceMappings", nil)), nil, []string{"V blockDeviceMappings"}},
		{"only instance store", mappings(mapping("/dev/sdb", nil)), nil, []string{"V blockDeviceMappings"}},
		{"mappings unknown", lt(with(goodLaunchTemplate(), "blockDeviceMappings", unknownValue)), nil, []string{"U blockDeviceMappings"}},
		{"encrypted unknown", mappings(mapping("/dev/xvda", encrypted(unknownValue))), nil, []string{"U blockDeviceMappings[0].ebs.encrypted"}},
		{"ebs block unknown", mappings(mapping("/dev/xvda", unknownValue)), nil, []string{"U blockDeviceMappings[0].ebs.encrypted"}},
		{"known violation hides unknowns", mappings(mapping("/dev/xvda", encrypted("false")), mapping("/dev/sdf", encrypted(unknownValue))), nil,
			[]string{"V blockDeviceMappings[0].ebs.encrypted"}},
		{"secret false still checked", mappings(mapping("/dev/xvda", encrypted(secretOf("false")))), nil, []string{"V blockDeviceMappings[0].ebs.encrypted"}},
		{"instance encrypted", instance(goodInstance()), nil, nil},
		{"instance root unencrypted", instance(with(goodInstance(), "rootBlockDevice", map[string]any{"encrypted": false})), nil,
			[]string{"V rootBlockDevice.encrypted"}},
		{"instance root unset", instance(with(goodInstance(), "rootBlockDevice", nil)), nil, []string{"V rootBlockDevice.encrypted"}},
		{"instance extra volume unset", instance(with(goodInstance(), "ebsBlockDevices", []any{map[string]any{"deviceName": "/dev/sdf"}})), nil,
			[]string{"V ebsBlockDevices[0].encrypted"}},
		{"instance volumes unknown", instance(with(goodInstance(), "ebsBlockDevices", unknownValue)), nil, []string{"U ebsBlockDevices"}},
		{"instance root unknown", instance(with(goodInstance(), "rootBlockDevice", unknownValue)), nil, []string{"U rootBlockDevice.encrypted"}},
		{"launch configuration root unencrypted", launchConfig(with(goodInstance(), "rootBlockDevice", map[string]any{"encrypted": false})), nil,
			[]string{"V rootBlockDevice.encrypted"}},
	})
}

func TestCapacityProviderTerminationProtection(t *testing.T) {
	cp := func(v any) Resource {
		return res(typeCapacityProvider, "cp", map[string]any{"autoScalingGroupProvider": map[string]any{
			"autoScalingGroupArn": "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x", "managedTerminationProtection": v}})
	}
	runRuleCases(t, PolicyCapacityProviderTermination, []ruleCase{
		{"enabled", cp("ENABLED"), nil, nil},
		{"disabled", cp("DISABLED"), nil, []string{"V autoScalingGroupProvider.managedTerminationProtection"}},
		{"unset (AWS default DISABLED)", cp(nil), nil, []string{"V autoScalingGroupProvider.managedTerminationProtection"}},
		{"unknown", cp(unknownValue), nil, []string{"U autoScalingGroupProvider.managedTerminationProtection"}},
		{"provider block unknown", res(typeCapacityProvider, "cp", map[string]any{"autoScalingGroupProvider": unknownValue}), nil,
			[]string{"U autoScalingGroupProvider.managedTerminationProtection"}},
	})
}

// Secret settings are judged but never echoed.
func TestEC2SecretsNotEchoed(t *testing.T) {
	for _, tc := range []struct {
		policy, value string
		res           Resource
	}{
		{PolicyEC2IMDSv2, "optional", lt(with(goodLaunchTemplate(), "metadataOptions", map[string]any{"httpTokens": secretOf("optional")}))},
		{PolicyEC2NoPublicIP, "true", lt(with(goodLaunchTemplate(), "networkInterfaces", secretOf([]any{map[string]any{"associatePublicIpAddress": "true"}})))},
		{PolicyEC2EncryptedVolumes, "false", instance(with(goodInstance(), "rootBlockDevice", secretOf(map[string]any{"encrypted": false})))},
	} {
		fs := Lookup(tc.policy).CheckResource(tc.res, DefaultConfig(), Mandatory)
		if len(fs) != 1 || !strings.Contains(fs[0].Message, "is (secret value, not shown)") || strings.Contains(fs[0].Message, `"`+tc.value+`"`) ||
			strings.Contains(fs[0].Message, "is "+tc.value) {
			t.Errorf("%s: %s", tc.policy, messages(fs))
		}
	}
}
