package rules

import (
	"strings"
	"testing"
)

func TestNotPublicPolicies(t *testing.T) {
	root := map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"}
	anyone := map[string]any{"Effect": "Allow", "Principal": "*", "Action": "sns:Publish", "Resource": "*"}
	anyoneAWS := map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": []string{"*"}}, "Action": "kms:Decrypt", "Resource": "*"}
	limited := map[string]any{"Effect": "Allow", "Principal": "*", "Action": "sns:Publish", "Resource": "*",
		"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": "123456789012"}}}
	topic := func(p any) Resource { return res(typeSNSTopic, "topic", map[string]any{"policy": p}) }
	runRuleCases(t, PolicySNSNotPublic, []ruleCase{
		{"no policy: owner-only default", res(typeSNSTopic, "topic", map[string]any{"kmsMasterKeyId": "k"}), nil, nil},
		{"account root", topic(policyJSON(t, root)), nil, nil},
		{"everyone, with a condition", topic(policyJSON(t, limited)), nil, nil},
		{"everyone", topic(policyJSON(t, anyone)), nil, []string{"V policy"}},
		{"topic policy resource", res(typeSNSTopicPolicy, "tp", map[string]any{"arn": "a", "policy": policyJSON(t, anyone)}), nil, []string{"V policy"}},
		{"unknown", topic(unknownValue), nil, []string{"U policy"}},
	})
	key := func(p any) Resource { return res(typeKMSKey, "key", map[string]any{"policy": p}) }
	runRuleCases(t, PolicyKMSKeyNotPublic, []ruleCase{
		{"root and a conditioned service", key(policyJSON(t, root, limited)), nil, nil},
		{"AWS * list", key(policyJSON(t, anyoneAWS)), nil, []string{"V policy"}},
		{"default policy", res(typeKMSKey, "key", map[string]any{}), nil, nil},
	})
}

func TestNoDecryptAllKeys(t *testing.T) {
	pol := func(st ...map[string]any) Resource {
		return res(typeRolePolicy, "rp", map[string]any{"role": "r", "policy": policyJSON(t, st...)})
	}
	allow := func(action, resource any) map[string]any {
		return map[string]any{"Effect": "Allow", "Action": action, "Resource": resource}
	}
	runRuleCases(t, PolicyIAMNoDecryptAllKeys, []ruleCase{
		{"named key", pol(allow("kms:Decrypt", "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab")), nil, nil},
		{"logs and ssm", pol(allow([]string{"logs:PutLogEvents", "ssm:GetParameters"}, "*")), nil, nil},
		{"decrypt on *", pol(allow("kms:Decrypt", "*")), nil, []string{"V policy"}},
		{"kms:* on every key", pol(allow("kms:*", "arn:aws:kms:*:123456789012:key/*")), nil, []string{"V policy"}},
		{"re-encrypt from, list", pol(allow([]string{"s3:GetObject", "kms:ReEncrypt*"}, []string{"arn:aws:s3:::b/*", "*"})), nil, []string{"V policy"}},
		{"deny is fine", pol(map[string]any{"Effect": "Deny", "Action": "kms:*", "Resource": "*"}), nil, nil},
		{"user policy", res(typeUserPolicy, "up", map[string]any{"policy": policyJSON(t, allow("*", "*"))}), nil, []string{"V policy"}},
		{"unknown (preview)", res(typeRolePolicy, "rp", map[string]any{"policy": unknownValue}), nil, []string{"U policy"}},
	})
}

func TestWAFRulesAndMetrics(t *testing.T) {
	rule := func(metrics any) map[string]any {
		return map[string]any{"name": "r", "priority": 1, "visibilityConfig": map[string]any{"cloudwatchMetricsEnabled": metrics, "metricName": "r", "sampledRequestsEnabled": true}}
	}
	acl := func(rules any) Resource {
		return res(typeWebACL, "acl", map[string]any{"scope": "REGIONAL", "rules": rules})
	}
	runRuleCases(t, PolicyWAFHasRules, []ruleCase{
		{"rules", acl([]any{rule(true)}), nil, nil},
		{"no rules", acl([]any{}), nil, []string{"V rules"}},
		{"rules unset", res(typeWebACL, "acl", map[string]any{"scope": "REGIONAL"}), nil, []string{"V rules"}},
		{"unknown", acl(unknownValue), nil, []string{"U rules"}},
	})
	runRuleCases(t, PolicyWAFRuleMetrics, []ruleCase{
		{"metrics on", acl([]any{rule(true), rule(true)}), nil, nil},
		{"one rule without", acl([]any{rule(true), rule(false)}), nil, []string{"V rules[1].visibilityConfig.cloudwatchMetricsEnabled"}},
		{"unknown", acl([]any{rule(unknownValue)}), nil, []string{"U rules[0].visibilityConfig.cloudwatchMetricsEnabled"}},
	})
}

func TestACMKeyAlgorithm(t *testing.T) {
	cert := func(alg any) Resource {
		return res(typeCertificate, "cert", map[string]any{"domainName": "api.example.com", "keyAlgorithm": alg})
	}
	runRuleCases(t, PolicyACMKeyAlgorithm, []ruleCase{
		{"default RSA 2048", res(typeCertificate, "cert", map[string]any{"domainName": "api.example.com"}), nil, nil},
		{"EC", cert("EC_prime256v1"), nil, nil},
		{"RSA 4096", cert("RSA_4096"), nil, nil},
		{"RSA 1024", cert("RSA_1024"), nil, []string{"V keyAlgorithm"}},
		{"unknown", cert(unknownValue), nil, []string{"U keyAlgorithm"}},
		{"imported", res(typeCertificate, "cert", map[string]any{"privateKey": secretOf("k"), "certificateBody": "c"}), nil, []string{"U privateKey"}},
	})
}

func TestECSPlatformVersion(t *testing.T) {
	svc := func(v any) Resource { return res(typeService, "svc", map[string]any{"platformVersion": v}) }
	runRuleCases(t, PolicyECSPlatformVersion, []ruleCase{
		{"unset = LATEST", res(typeService, "svc", map[string]any{}), nil, nil},
		{"LATEST", svc("LATEST"), nil, nil},
		{"1.4.0", svc("1.4.0"), nil, nil},
		{"pinned old", svc("1.3.0"), nil, []string{"V platformVersion"}},
		{"EC2 ignores it", svc("1.3.0").withProp("launchType", "EC2"), nil, nil},
		{"unknown", svc(unknownValue), nil, []string{"U platformVersion"}},
	})
}

// ECS.8 names three keys; the rule had missed ECS_ENGINE_AUTH_DATA.
func TestSecretEnvNamesOfECS8(t *testing.T) {
	for _, name := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "ECS_ENGINE_AUTH_DATA"} {
		if !secretLookingName(name) {
			t.Errorf("%s is not recognised as a secret name", name)
		}
	}
	if secretLookingName("OAUTH_DATA_DIR") {
		t.Error("OAUTH_DATA_DIR taken for a secret")
	}
}

// ECS.16: a task set with public IPs fails ECS.16, a service ECS.2.
func TestNoPublicIPControls(t *testing.T) {
	nc := map[string]any{"assignPublicIp": true, "subnets": []string{"s"}}
	for typ, want := range map[string]string{typeTaskSet: "ECS.16", typeService: "ECS.2"} {
		fs := Lookup(PolicyNoPublicIP).CheckResource(res(typ, "x", map[string]any{"networkConfiguration": nc}), DefaultConfig(), Mandatory)
		if len(fs) != 1 || fs[0].Control != want {
			t.Errorf("%s: findings %+v, want one failing %s", typ, fs, want)
		}
	}
}

// Every rule that enforces a control says so in its description.
func TestDescriptionsNameControls(t *testing.T) {
	for _, r := range All() {
		for _, c := range r.Controls {
			if !strings.Contains(r.Description, c) {
				t.Errorf("%s: description does not name %s: %s", r.Name, c, r.Description)
			}
		}
		if len(r.Controls) > 0 && !containsString(r.Params, paramSuppress) {
			t.Errorf("%s enforces %v but takes no suppress list", r.Name, r.Controls)
		}
	}
}

func containsString(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
