package rules

import (
	"strings"
	"testing"
)

// goodContainer is a container every container rule accepts.
func goodContainer() map[string]any {
	return map[string]any{"name": "web", "user": "65532:65532", "readonlyRootFilesystem": true,
		"logConfiguration": map[string]any{"logDriver": "awslogs", "options": map[string]any{"awslogs-group": "g"}},
		"environment":      []any{map[string]any{"name": "LOG_LEVEL", "value": "info"}}}
}

func with(m map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
			continue
		}
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func TestReadOnlyRootFS(t *testing.T) {
	runRuleCases(t, PolicyReadOnlyRootFS, []ruleCase{
		{"read-only", taskDef(t, goodContainer()), nil, nil},
		{"unset", taskDef(t, with(goodContainer(), "readonlyRootFilesystem", nil)), nil, []string{`V container "web".readonlyRootFilesystem`}},
		{"false", taskDef(t, with(goodContainer(), "readonlyRootFilesystem", false)), nil, []string{`V container "web".readonlyRootFilesystem`}},
		{"string true is not a boolean", taskDef(t, with(goodContainer(), "readonlyRootFilesystem", "true")), nil, []string{`V container "web".readonlyRootFilesystem`}},
		{"awsx unknown", res(typeAwsxFargateTaskDef, "td", map[string]any{"container": with(goodContainer(), "readonlyRootFilesystem", unknownValue)}), nil,
			[]string{`U container "web".readonlyRootFilesystem`}},
		{"malformed JSON", res(typeTaskDefinition, "td", map[string]any{fieldContainerDefs: "[{"}), nil, []string{"V containerDefinitions"}},
	})
}

func TestNoHostNamespaces(t *testing.T) {
	td := func(kv ...any) Resource {
		return res(typeTaskDefinition, "td", with(map[string]any{fieldContainerDefs: containerJSON(t, goodContainer())}, kv...))
	}
	runRuleCases(t, PolicyNoHostNamespaces, []ruleCase{
		{"awsvpc", td("networkMode", "awsvpc"), nil, nil},
		{"host network", td("networkMode", "host"), nil, []string{"V networkMode"}},
		{"host pid", td("networkMode", "awsvpc", "pidMode", "HOST"), nil, []string{"V pidMode"}},
		{"task pid", td("pidMode", "task"), nil, nil},
		{"unknown mode", td("networkMode", unknownValue), nil, []string{"U networkMode"}},
		{"awsx EC2 task definition", res(typeAwsxEC2TaskDef, "td", map[string]any{"networkMode": "host"}), nil, []string{"V networkMode"}},
		{"awsx service task args", res(typeAwsxEC2Service, "svc", map[string]any{"taskDefinitionArgs": map[string]any{"pidMode": "host"}}), nil,
			[]string{"V taskDefinitionArgs.pidMode"}},
	})
}

func TestContainerLogging(t *testing.T) {
	runRuleCases(t, PolicyContainerLogging, []ruleCase{
		{"awslogs", taskDef(t, goodContainer()), nil, nil},
		{"no logConfiguration", taskDef(t, with(goodContainer(), "logConfiguration", nil)), nil, []string{`V container "web".logConfiguration`}},
		{"no driver", taskDef(t, with(goodContainer(), "logConfiguration", map[string]any{})), nil, []string{`V container "web".logConfiguration`}},
		{"unknown definitions", res(typeTaskDefinition, "td", map[string]any{fieldContainerDefs: unknownValue}), nil, []string{"U containerDefinitions"}},
	})
}

func TestNoSecretsInEnvironment(t *testing.T) {
	env := func(pairs ...any) map[string]any {
		var list []any
		for i := 0; i < len(pairs); i += 2 {
			list = append(list, map[string]any{"name": pairs[i], "value": pairs[i+1]})
		}
		return with(goodContainer(), "environment", list)
	}
	awsx := func(c map[string]any) Resource {
		return res(typeAwsxFargateTaskDef, "td", map[string]any{"container": c})
	}
	runRuleCases(t, PolicyNoSecretsInEnv, []ruleCase{
		{"plain settings", taskDef(t, env("LOG_LEVEL", "debug", "PORT", "8080", "TOKENIZER_MODEL", "bpe")), nil, nil},
		{"password name", taskDef(t, env("DB_PASSWORD", "x")), nil, []string{`V container "web".environment "DB_PASSWORD"`}},
		{"api key name", taskDef(t, env("stripe-api-key", "x")), nil, []string{`V container "web".environment "stripe-api-key"`}},
		{"aws access key value", taskDef(t, env("CONFIG", "AKIAIOSFODNN7EXAMPLE")), nil, []string{`V container "web".environment "CONFIG"`}},
		{"private key value", taskDef(t, env("TLS", "-----BEGIN RSA PRIVATE KEY-----\nabc")), nil, []string{`V container "web".environment "TLS"`}},
		{"pulumi secret value", awsx(env("DATABASE_URL", secretOf("postgres://u:p@h/db"))), nil, []string{`V container "web".environment "DATABASE_URL"`}},
		{"secret environment list", awsx(with(goodContainer(), "environment", secretOf([]any{map[string]any{"name": "URL", "value": "x"}}))), nil,
			[]string{`V container "web".environment[0]`}},
		{"secret JSON says nothing about one variable", res(typeTaskDefinition, "td", map[string]any{fieldContainerDefs: secretOf(containerJSON(t, env("LOG_LEVEL", "debug")))}), nil, nil},
		{"unknown value", awsx(env("DATABASE_URL", unknownValue)), nil, []string{`U container "web".environment[0]`}},
		{"unknown environment", awsx(with(goodContainer(), "environment", unknownValue)), nil, []string{`U container "web".environment`}},
	})
	fs := Lookup(PolicyNoSecretsInEnv).CheckResource(taskDef(t, env("CONFIG", "AKIAIOSFODNN7EXAMPLE")), DefaultConfig(), Mandatory)
	if len(fs) != 1 || strings.Contains(fs[0].Message, "AKIA") || !strings.Contains(fs[0].Message, `"secrets"`) {
		t.Fatalf("credential value echoed or no fix: %+v", fs)
	}
}

func TestNoPublicIP(t *testing.T) {
	runRuleCases(t, PolicyNoPublicIP, []ruleCase{
		{"private", service(map[string]any{"networkConfiguration": map[string]any{"assignPublicIp": false}}), nil, nil},
		{"public", service(map[string]any{"networkConfiguration": map[string]any{"assignPublicIp": true}}), nil, []string{"V networkConfiguration.assignPublicIp"}},
		{"unknown", service(map[string]any{"networkConfiguration": map[string]any{"assignPublicIp": unknownValue}}), nil, []string{"U networkConfiguration.assignPublicIp"}},
		{"awsx public", res(typeAwsxFargateService, "svc", map[string]any{"networkConfiguration": map[string]any{"assignPublicIp": true}}), nil,
			[]string{"V networkConfiguration.assignPublicIp"}},
	})
}

func TestContainerInsights(t *testing.T) {
	cluster := func(settings any) Resource { return res(typeCluster, "cluster", map[string]any{"settings": settings}) }
	runRuleCases(t, PolicyContainerInsights, []ruleCase{
		{"enabled", cluster([]any{map[string]any{"name": "containerInsights", "value": "enabled"}}), nil, nil},
		{"enhanced", cluster([]any{map[string]any{"name": "containerInsights", "value": "enhanced"}}), nil, nil},
		{"disabled", cluster([]any{map[string]any{"name": "containerInsights", "value": "disabled"}}), nil, []string{"V settings[0].value"}},
		{"absent", res(typeCluster, "cluster", map[string]any{}), nil, []string{"V settings"}},
		{"unknown", cluster(unknownValue), nil, []string{"U settings"}},
	})
}

func TestCircuitBreaker(t *testing.T) {
	cb := func(enable, rollback any) map[string]any {
		return map[string]any{"deploymentCircuitBreaker": map[string]any{"enable": enable, "rollback": rollback}}
	}
	runRuleCases(t, PolicyServiceCircuitBreaker, []ruleCase{
		{"on with rollback", service(cb(true, true)), nil, nil},
		{"no rollback", service(cb(true, false)), nil, []string{"V deploymentCircuitBreaker.rollback"}},
		{"absent", service(map[string]any{}), nil, []string{"V deploymentCircuitBreaker.enable", "V deploymentCircuitBreaker.rollback"}},
		{"explicit ECS controller", service(with(cb(false, true), "deploymentController", map[string]any{"type": "ECS"})), nil,
			[]string{"V deploymentCircuitBreaker.enable"}},
		{"CodeDeploy blue/green", service(map[string]any{"deploymentController": map[string]any{"type": "CODE_DEPLOY"}}), nil, nil},
		{"unknown", service(cb(unknownValue, true)), nil, []string{"U deploymentCircuitBreaker.enable"}},
	})
}
