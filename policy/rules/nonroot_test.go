package rules

import (
	"strings"
	"testing"
)

func TestClassifyUser(t *testing.T) {
	cases := map[string]userClass{
		"root": userRoot, "ROOT": userRoot, " Root ": userRoot, "0": userRoot, "000": userRoot, " 0 ": userRoot,
		"0:0": userRoot, "0:1000": userRoot, "root:staff": userRoot, "ROOT:ROOT": userRoot, " 0 : 0 ": userRoot,
		"root:": userRoot, ":1000": userRoot, "0:": userRoot,
		"": userEmpty, "   ": userEmpty, ":": userEmpty, " : ": userEmpty,
		"1000:0": userGroupRoot, "1000:root": userGroupRoot, "app:ROOT": userGroupRoot, "1000 : 00": userGroupRoot,
		"1000": userNonRoot, "1000:1000": userNonRoot, "65532:65532": userNonRoot, "nobody": userNonRoot,
		"10": userNonRoot, "app:app": userNonRoot, "rooter": userNonRoot, "0x0": userNonRoot, "1000:": userNonRoot,
	}
	for user, want := range cases {
		if got := classifyUser(user); got != want {
			t.Errorf("classifyUser(%q) = %d, want %d", user, got, want)
		}
	}
}

func taskDef(t *testing.T, defs ...map[string]any) Resource {
	return res(typeTaskDefinition, "app-task", map[string]any{fieldContainerDefs: containerJSON(t, defs...)})
}

func TestContainerNotRoot(t *testing.T) {
	var cases []ruleCase
	for _, user := range []string{"root", "ROOT", " Root ", "0", "000", "0:0", "0:1000", "root:staff", " 0 : 0 ", ":1000"} {
		cases = append(cases, ruleCase{"root user " + user, taskDef(t, map[string]any{"name": "web", "user": user}), nil, []string{`V container "web".user`}})
	}
	cases = append(cases,
		ruleCase{"non-root", taskDef(t, map[string]any{"name": "web", "user": "65532:65532"}), nil, nil},
		ruleCase{"non-root with group 0 is only advisory", taskDef(t, map[string]any{"name": "web", "user": "1000:0"}), nil, nil},
		ruleCase{"unset user", taskDef(t, map[string]any{"name": "web"}), nil, []string{`V container "web".user`}},
		ruleCase{"empty user", taskDef(t, map[string]any{"name": "web", "user": "  "}), nil, []string{`V container "web".user`}},
		ruleCase{"numeric user", taskDef(t, map[string]any{"name": "web", "user": 0}), nil, []string{`V container "web".user`}},
		ruleCase{"privileged", taskDef(t, map[string]any{"name": "web", "user": "1000", "privileged": true}), nil, []string{`V container "web".privileged`}},
		ruleCase{"privileged false", taskDef(t, map[string]any{"name": "web", "user": "1000", "privileged": false}), nil, nil},
		ruleCase{"second container root", taskDef(t, map[string]any{"name": "web", "user": "1000"}, map[string]any{"name": "sidecar", "user": "0"}), nil,
			[]string{`V container "sidecar".user`}},
		ruleCase{"unnamed container", taskDef(t, map[string]any{"user": "root"}), nil, []string{`V container "#0".user`}},
		ruleCase{"malformed JSON", res(typeTaskDefinition, "app-task", map[string]any{fieldContainerDefs: `[{"name": "web", "user": "1000"`}), nil,
			[]string{"V containerDefinitions"}},
		ruleCase{"JSON object not array", res(typeTaskDefinition, "app-task", map[string]any{fieldContainerDefs: `{"name": "web"}`}), nil,
			[]string{"V containerDefinitions"}},
		ruleCase{"JSON element not object", res(typeTaskDefinition, "app-task", map[string]any{fieldContainerDefs: `["web"]`}), nil,
			[]string{"V containerDefinitions"}},
		ruleCase{"containerDefinitions unset", res(typeTaskDefinition, "app-task", map[string]any{}), nil, []string{"V containerDefinitions"}},
		ruleCase{"containerDefinitions unknown", res(typeTaskDefinition, "app-task", map[string]any{fieldContainerDefs: unknownValue}), nil,
			[]string{"U containerDefinitions"}},
		ruleCase{"secret containerDefinitions are still checked", res(typeTaskDefinition, "app-task",
			map[string]any{fieldContainerDefs: secretOf(containerJSON(t, map[string]any{"name": "web", "user": "root"}))}), nil,
			[]string{`V container "web".user`}},
		ruleCase{"awsx task definition container", res(typeAwsxFargateTaskDef, "app", map[string]any{
			"container": map[string]any{"name": "web", "user": "root", "privileged": true}}), nil,
			[]string{`V container "web".privileged`, `V container "web".user`}},
		ruleCase{"awsx task definition containers map", res(typeAwsxEC2TaskDef, "app", map[string]any{
			"containers": map[string]any{"web": map[string]any{"user": "1000"}, "proxy": map[string]any{}}}), nil,
			[]string{`V container "proxy".user`}},
		ruleCase{"awsx task definition unknown user", res(typeAwsxFargateTaskDef, "app", map[string]any{
			"container": map[string]any{"name": "web", "user": unknownValue}}), nil,
			[]string{`U container "web".user`}},
		ruleCase{"awsx unknown user but another container proves a violation", res(typeAwsxFargateTaskDef, "app", map[string]any{
			"containers": map[string]any{"a": map[string]any{"user": unknownValue}, "b": map[string]any{"user": "0"}}}), nil,
			[]string{`V container "b".user`}},
		ruleCase{"awsx secret root user", res(typeAwsxFargateTaskDef, "app", map[string]any{
			"container": map[string]any{"name": "web", "user": secretOf("root")}}), nil,
			[]string{`V container "web".user`}},
		ruleCase{"awsx service taskDefinitionArgs", res(typeAwsxFargateService, "svc", map[string]any{
			"taskDefinitionArgs": map[string]any{"container": map[string]any{"name": "web"}}}), nil,
			[]string{`V container "web".user`}},
		ruleCase{"awsx service taskDefinitionArgs unknown", res(typeAwsxFargateService, "svc", map[string]any{
			"taskDefinitionArgs": unknownValue}), nil,
			[]string{`U taskDefinitionArgs`}},
		ruleCase{"awsx service with a task definition ARN has no containers to check", res(typeAwsxEC2Service, "svc", map[string]any{
			"taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/app:1"}), nil, nil},
		ruleCase{"other resource types are ignored", res(typeService, "svc", map[string]any{"user": "root"}), nil, nil},
	)
	runRuleCases(t, PolicyContainerNotRoot, cases)
}

func TestContainerNotRootMessages(t *testing.T) {
	rule := Lookup(PolicyContainerNotRoot)
	fs := rule.CheckResource(taskDef(t, map[string]any{"name": "web", "user": "0:0"}), DefaultConfig(), Mandatory)
	if len(fs) != 1 || !strings.Contains(fs[0].Message, `container "web".user: "0:0" runs the container as root`) ||
		!strings.Contains(fs[0].Message, `Fix: set "user" to a non-root uid:gid`) {
		t.Fatalf("message does not say what, where and how: %+v", fs)
	}
	// A secret is checked but never echoed, not even through the JSON decoder's error.
	secretDefs := secretOf(`[{"name":"web","user":"hunter2-root","environment":[{"name":"X","value":"s3cr3t"}]`)
	fs = rule.CheckResource(res(typeTaskDefinition, "t", map[string]any{fieldContainerDefs: secretDefs}), DefaultConfig(), Mandatory)
	if len(fs) != 1 || strings.Contains(fs[0].Message, "s3cr3t") || !strings.Contains(fs[0].Message, "details withheld") {
		t.Fatalf("secret malformed JSON: %+v", fs)
	}
	fs = rule.CheckResource(res(typeAwsxFargateTaskDef, "t", map[string]any{"container": map[string]any{"name": "web", "user": secretOf("root")}}), DefaultConfig(), Mandatory)
	if len(fs) != 1 || strings.Contains(fs[0].Message, `"root"`) || !strings.Contains(fs[0].Message, "secret value, not shown") {
		t.Fatalf("secret user echoed: %+v", fs)
	}
	fs = rule.CheckResource(res(typeTaskDefinition, "t", map[string]any{fieldContainerDefs: `[{"name": "web"`}), DefaultConfig(), Mandatory)
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "unexpected end of JSON input") {
		t.Fatalf("malformed JSON message lacks the parse error: %+v", fs)
	}
}

func TestContainerGroupNotRoot(t *testing.T) {
	runRuleCases(t, PolicyContainerGroupNotRoot, []ruleCase{
		{"uid with group 0", taskDef(t, map[string]any{"name": "web", "user": "1000:0"}), nil, []string{`V container "web".user`}},
		{"uid with group root", taskDef(t, map[string]any{"name": "web", "user": "1000:ROOT"}), nil, []string{`V container "web".user`}},
		{"non-root group", taskDef(t, map[string]any{"name": "web", "user": "1000:1000"}), nil, nil},
		{"root is the non-root rule's finding", taskDef(t, map[string]any{"name": "web", "user": "0:0"}), nil, nil},
		{"unknown is the non-root rule's finding", res(typeTaskDefinition, "t", map[string]any{fieldContainerDefs: unknownValue}), nil, nil},
		{"malformed is the non-root rule's finding", res(typeTaskDefinition, "t", map[string]any{fieldContainerDefs: "nope"}), nil, nil},
	})
}
