package main

import (
	"path/filepath"
	"strings"
	"testing"

	"example.com/webstack/offline/doubles/internal/echo"
)

func testStore(t *testing.T) *echo.Store {
	t.Helper()
	return echo.NewStore(filepath.Join(t.TempDir(), "aws-double.json"), map[string]string{"aws:region": "eu-west-1"})
}

func TestCheckAutonamesLikeTheBridge(t *testing.T) {
	const urn = "urn:pulumi:dev::webstack::aws:ecs/cluster:Cluster::web"
	got, err := check(nil, urn, "aws:ecs/cluster:Cluster", nil, map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	name, _ := got["name"].(string)
	if !strings.HasPrefix(name, "web-") || len(name) != len("web-")+7 {
		t.Errorf("auto-name %q, want web-<7 hex>", name)
	}
	if d, _ := got["__defaults"].([]any); len(d) != 1 || d[0] != "name" {
		t.Errorf("__defaults %v, want [name]", got["__defaults"])
	}
	again, _ := check(nil, urn, "aws:ecs/cluster:Cluster", got, map[string]any{})
	if again["name"] != name {
		t.Errorf("an update keeps the auto-name: %v, want %v", again["name"], name)
	}
	fresh, _ := check(nil, urn, "aws:ecs/cluster:Cluster", nil, map[string]any{})
	if fresh["name"] == name {
		t.Error("a replacement (checked without olds) gets a new name")
	}
	explicit, _ := check(nil, urn, "aws:ecs/cluster:Cluster", nil, map[string]any{"name": "web"})
	if d, _ := explicit["__defaults"].([]any); explicit["name"] != "web" || len(d) != 0 {
		t.Errorf("explicit name: %v", explicit)
	}
	prefixed, _ := check(nil, urn, "aws:lb/targetGroup:TargetGroup", nil, map[string]any{"namePrefix": "tg-"})
	if prefixed["name"] != nil {
		t.Errorf("a namePrefix conflicts with name: no auto-name, got %v", prefixed["name"])
	}
	if _, err := check(nil, urn, "aws:unknown/thing:Thing", nil, map[string]any{}); err == nil {
		t.Error("an unmodelled type must be refused")
	}
}

func TestAWSRefusesASecondLiveName(t *testing.T) {
	s := testStore(t)
	const typ = "aws:lb/targetGroup:TargetGroup"
	inputs := map[string]any{"name": "web-tg", "port": 8080.0}
	id, state, err := create(s, "urn:a::web-tg", typ, inputs)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(state["arn"].(string), "arn:aws:elasticloadbalancing:eu-west-1:") {
		t.Errorf("arn %v", state["arn"])
	}
	if _, _, err := create(s, "urn:a::web-tg", typ, inputs); err == nil || !strings.Contains(err.Error(), "DuplicateTargetGroupName") {
		t.Errorf("a create-first replacement keeping the name: %v, want DuplicateTargetGroupName", err)
	}
	if err := remove(s, "urn:a::web-tg", typ, id, state); err != nil {
		t.Fatal(err)
	}
	if _, _, err := create(s, "urn:a::web-tg", typ, inputs); err != nil {
		t.Errorf("after the delete the name is free: %v", err)
	}
	// Services are unique per cluster.
	svc := "aws:ecs/service:Service"
	if _, _, err := create(s, "urn:s1", svc, map[string]any{"name": "api", "cluster": "arn:c1"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := create(s, "urn:s2", svc, map[string]any{"name": "api", "cluster": "arn:c2"}); err != nil {
		t.Errorf("the same service name in another cluster: %v", err)
	}
	if _, _, err := create(s, "urn:s3", svc, map[string]any{"name": "api", "cluster": "arn:c1"}); err == nil || !strings.Contains(err.Error(), "not idempotent") {
		t.Errorf("the same service name in the same cluster: %v", err)
	}
}

func TestTaskDefinitionRevisionsAndSkipDestroy(t *testing.T) {
	s := testStore(t)
	const typ = "aws:ecs/taskDefinition:TaskDefinition"
	defs := `[{"name":"api","linuxParameters":{"capabilities":{"drop":["ALL"]}}}]`
	_, first, err := create(s, "urn:td", typ, map[string]any{"family": "web", "networkMode": "awsvpc", "containerDefinitions": defs})
	if err != nil {
		t.Fatal(err)
	}
	if first["arn"] != "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1" {
		t.Errorf("arn %v", first["arn"])
	}
	if !strings.Contains(first["containerDefinitions"].(string), `"add":[]`) {
		t.Errorf("the state holds what ECS returns: %v", first["containerDefinitions"])
	}
	_, second, _ := create(s, "urn:td", typ, map[string]any{"family": "web", "skipDestroy": true, "containerDefinitions": defs})
	first["revision"], second["revision"] = 1.0, 2.0 // as the engine stores numbers
	if err := remove(s, "urn:td", typ, "web", second); err != nil {
		t.Fatal(err)
	}
	if err := remove(s, "urn:td", typ, "web", first); err != nil {
		t.Fatal(err)
	}
	var revisions map[string]any
	s.Update(func(data map[string]any) error {
		revisions = object(object(data, "taskDefinitions"), "web")
		return nil
	})
	if revisions["1"] != "INACTIVE" || revisions["2"] != "ACTIVE" {
		t.Errorf("revisions %v: want 1 deregistered (no skipDestroy), 2 kept (skipDestroy)", revisions)
	}
}

func TestCodeDeployServiceRefusesWhatUpdateServiceRefuses(t *testing.T) {
	const typ = "aws:ecs/service:Service"
	old := map[string]any{"name": "api", "desiredCount": 3.0, "enableExecuteCommand": false,
		"deploymentController": map[string]any{"type": "CODE_DEPLOY"}}
	news := map[string]any{}
	for k, v := range old {
		news[k] = v
	}
	news["desiredCount"] = 4.0
	if _, err := update(nil, "urn:s", typ, "id", old, old, news); err != nil {
		t.Errorf("desired count is allowed: %v", err)
	}
	news["enableExecuteCommand"] = true
	if _, err := update(nil, "urn:s", typ, "id", old, old, news); err == nil || !strings.Contains(err.Error(), "enableExecuteCommand cannot change") {
		t.Errorf("enableExecuteCommand under CODE_DEPLOY: %v", err)
	}
	old["deploymentController"] = map[string]any{"type": "ECS"}
	if _, err := update(nil, "urn:s", typ, "id", old, old, news); err != nil {
		t.Errorf("an ECS-controlled service updates it: %v", err)
	}
}

// TestCreateSubnetRefusesAnOverlappingBlock: a subnet whose block overlaps a live subnet of the
// same VPC is refused (InvalidSubnet.Conflict), as a create-first replacement after awsx
// re-carved the VPC would be; another VPC, or the block once its holder is deleted, is fine.
func TestCreateSubnetRefusesAnOverlappingBlock(t *testing.T) {
	s := testStore(t)
	const typ = "aws:ec2/subnet:Subnet"
	subnet := func(vpc, block string) map[string]any {
		return map[string]any{"vpcId": vpc, "cidrBlock": block, "availabilityZone": "eu-west-1a"}
	}
	id, _, err := create(s, "urn:private-1", typ, subnet("vpc-a", "10.0.0.0/18"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(id, "subnet-") {
		t.Errorf("id %q", id)
	}
	if _, _, err := create(s, "urn:private-2", typ, subnet("vpc-a", "10.0.64.0/18")); err != nil {
		t.Fatalf("a block next to a live one: %v", err)
	}
	_, _, err = create(s, "urn:private-1", typ, subnet("vpc-a", "10.0.0.0/19"))
	if err == nil || !strings.Contains(err.Error(), "InvalidSubnet.Conflict: The CIDR '10.0.0.0/19' conflicts with another subnet") {
		t.Fatalf("an overlapping block in the same VPC: %v, want InvalidSubnet.Conflict", err)
	}
	if _, _, err := create(s, "urn:other", typ, subnet("vpc-b", "10.0.0.0/19")); err != nil {
		t.Errorf("the same block in another VPC: %v", err)
	}
	if err := remove(s, "urn:private-1", typ, id, subnet("vpc-a", "10.0.0.0/18")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := create(s, "urn:private-1", typ, subnet("vpc-a", "10.0.0.0/19")); err != nil {
		t.Errorf("the block after its holder was deleted: %v", err)
	}
}
