package awsmodel

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The task definition of issue 12 item 1, as rendered before the fix: capabilities without add.
const sentWithoutAdd = `[{"name":"api","image":"x:1","essential":true,"linuxParameters":{"capabilities":{"drop":["ALL"]},"initProcessEnabled":true},"portMappings":[{"containerPort":8080,"protocol":"tcp","name":"http"}],"environment":[{"name":"B","value":"2"},{"name":"A","value":"1"}]}]`

func TestDescribedCapabilitiesDifferFromWhatWasSent(t *testing.T) {
	described, err := DescribedContainerDefinitions(sentWithoutAdd, "awsvpc")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"capabilities":{"add":[],"drop":["ALL"]}`, `"hostPort":8080`, `"mountPoints":[]`, `"volumesFrom":[]`, `"cpu":0`} {
		if !strings.Contains(described, want) {
			t.Errorf("described %s lacks %s", described, want)
		}
	}
	same, err := ContainerDefinitionsEquivalent(described, sentWithoutAdd, true)
	if err != nil {
		t.Fatal(err)
	}
	if same {
		t.Error("the provider's equivalence must see the missing capabilities.add (it does not look inside linuxParameters)")
	}
	withAdd := strings.Replace(sentWithoutAdd, `{"drop":["ALL"]}`, `{"add":[],"drop":["ALL"]}`, 1)
	if same, err := ContainerDefinitionsEquivalent(described, withAdd, true); err != nil || !same {
		t.Errorf("sent with add: [] must be equivalent to what ECS returns: %v %v", same, err)
	}
}

func TestContainerDefinitionsEquivalenceIsTheProvidersReduce(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b string
		same bool
	}{
		{"environment order", `[{"name":"a","environment":[{"name":"X","value":"1"},{"name":"Y","value":"2"}]}]`,
			`[{"name":"a","environment":[{"name":"Y","value":"2"},{"name":"X","value":"1"}]}]`, true},
		{"container order", `[{"name":"b","image":"i"},{"name":"a","image":"j"}]`, `[{"name":"a","image":"j"},{"name":"b","image":"i"}]`, true},
		{"essential default", `[{"name":"a"}]`, `[{"name":"a","essential":true}]`, true},
		{"empty top-level arrays", `[{"name":"a","mountPoints":[],"volumesFrom":[],"systemControls":[]}]`, `[{"name":"a"}]`, true},
		{"cpu 0", `[{"name":"a","cpu":0}]`, `[{"name":"a"}]`, true},
		{"tcp protocol", `[{"name":"a","portMappings":[{"containerPort":80,"protocol":"tcp"}]}]`, `[{"name":"a","portMappings":[{"containerPort":80}]}]`, true},
		{"health check defaults", `[{"name":"a","healthCheck":{"command":["CMD","x"]}}]`, `[{"name":"a","healthCheck":{"command":["CMD","x"],"interval":30,"retries":3,"timeout":5}}]`, true},
		{"nested empty secretOptions", `[{"name":"a","logConfiguration":{"logDriver":"awslogs","secretOptions":[]}}]`, `[{"name":"a","logConfiguration":{"logDriver":"awslogs"}}]`, false},
		{"image", `[{"name":"a","image":"x:1"}]`, `[{"name":"a","image":"x:2"}]`, false},
		{"privileged false vs absent", `[{"name":"a","privileged":false}]`, `[{"name":"a"}]`, false},
	} {
		same, err := ContainerDefinitionsEquivalent(tc.a, tc.b, true)
		if err != nil || same != tc.same {
			t.Errorf("%s: equivalent = %v (%v), want %v", tc.name, same, err, tc.same)
		}
	}
	// hostPort is filled only under awsvpc.
	a, b := `[{"name":"a","portMappings":[{"containerPort":80,"hostPort":80}]}]`, `[{"name":"a","portMappings":[{"containerPort":80}]}]`
	if same, _ := ContainerDefinitionsEquivalent(a, b, true); !same {
		t.Error("awsvpc: hostPort = containerPort must equal an absent hostPort")
	}
	if same, _ := ContainerDefinitionsEquivalent(a, b, false); same {
		t.Error("bridge mode: a hostPort must differ from none")
	}
}

func TestPolicyEquivalence(t *testing.T) {
	a := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::b/*","Principal":"*"},{"Sid":"","Effect":"Deny","Action":"s3:*","Resource":["*"]}]}`
	b := `{"Statement":[{"Effect":"Deny","Action":["s3:*"],"Resource":"*"},{"Principal":{"AWS":"*"},"Resource":["arn:aws:s3:::b/*"],"Action":["s3:PutObject","s3:GetObject"],"Effect":"Allow"}],"Version":"2012-10-17"}`
	if !PolicyDocumentsEquivalent(a, b) {
		t.Error("reordered, string-or-list policies must be equivalent")
	}
	if PolicyDocumentsEquivalent(a, strings.Replace(b, "s3:PutObject", "s3:DeleteObject", 1)) {
		t.Error("a different action must differ")
	}
}

func TestDiffReplacesAndDeletesFirstLikeTheBridge(t *testing.T) {
	old := map[string]any{"name": "web", "cluster": "arn:c", "desiredCount": 2.0, "__defaults": []any{}}
	state := map[string]any{"name": "web", "cluster": "arn:c", "desiredCount": 2.0, "arn": "arn:s"}
	for _, tc := range []struct {
		name     string
		change   map[string]any
		replaces []string
		dbr      bool
	}{
		{"nothing", nil, nil, false},
		{"desired count in place", map[string]any{"desiredCount": 3.0}, nil, false},
		{"explicit name, cluster change: delete first", map[string]any{"cluster": "arn:d"}, []string{"cluster"}, true},
		{"autonamed: create first", map[string]any{"cluster": "arn:d", "__defaults": []any{"name"}}, []string{"cluster"}, false},
		{"unknown cluster replaces", map[string]any{"cluster": Unknown}, []string{"cluster"}, true},
		{"strategy without forceNewDeployment replaces", map[string]any{"capacityProviderStrategies": []any{map[string]any{"capacityProvider": "FARGATE"}}}, []string{"capacityProviderStrategies"}, true},
		{"controller type", map[string]any{"deploymentController": map[string]any{"type": "CODE_DEPLOY"}}, []string{"deploymentController.type"}, true},
	} {
		news := map[string]any{}
		for k, v := range old {
			news[k] = v
		}
		for k, v := range tc.change {
			news[k] = v
		}
		got, err := Diff("aws:ecs/service:Service", old, state, news)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(got.Replaces, ",") != strings.Join(tc.replaces, ",") || got.DeleteBeforeReplace != tc.dbr {
			t.Errorf("%s: replaces %v dbr %v, want %v %v (changed %v)", tc.name, got.Replaces, got.DeleteBeforeReplace, tc.replaces, tc.dbr, got.Changed)
		}
	}
	// Both strategies set and forceNewDeployment: in place.
	withStrategy := map[string]any{"capacityProviderStrategies": []any{map[string]any{"capacityProvider": "FARGATE", "weight": 1.0}}}
	news := map[string]any{"capacityProviderStrategies": []any{map[string]any{"capacityProvider": "FARGATE", "weight": 2.0}}, "forceNewDeployment": true}
	if got, _ := Diff("aws:ecs/service:Service", withStrategy, withStrategy, news); len(got.Replaces) != 0 {
		t.Errorf("forceNewDeployment: strategy change must update in place, got %v", got.Replaces)
	}
	if _, err := Diff("aws:unknown/thing:Thing", nil, nil, nil); err == nil || !strings.Contains(err.Error(), "not in the offline AWS model") {
		t.Errorf("unmodelled type: %v", err)
	}
}

func TestTaskDefinitionReadBackDiff(t *testing.T) {
	inputs := map[string]any{"family": "web", "networkMode": "awsvpc", "containerDefinitions": sentWithoutAdd, "skipDestroy": true}
	state, err := ReadBack("aws:ecs/taskDefinition:TaskDefinition", inputs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Diff("aws:ecs/taskDefinition:TaskDefinition", inputs, state, inputs)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.Replaces, ",") != "containerDefinitions" {
		t.Errorf("the same inputs again: replaces %v, want containerDefinitions (the capabilities drift)", got.Replaces)
	}
	fixed := strings.Replace(sentWithoutAdd, `{"drop":["ALL"]}`, `{"add":[],"drop":["ALL"]}`, 1)
	inputs["containerDefinitions"] = fixed
	state, _ = ReadBack("aws:ecs/taskDefinition:TaskDefinition", inputs)
	if got, _ := Diff("aws:ecs/taskDefinition:TaskDefinition", inputs, state, inputs); len(got.Changed) != 0 {
		t.Errorf("rendered as ECS returns it: changed %v, want none", got.Changed)
	}
	news := map[string]any{"family": "web", "networkMode": "awsvpc", "containerDefinitions": fixed, "skipDestroy": false}
	if got, _ := Diff("aws:ecs/taskDefinition:TaskDefinition", inputs, state, news); len(got.Replaces) != 0 || len(got.Changed) != 1 {
		t.Errorf("skipDestroy is in place: %+v", got)
	}
}

// TestSchemaCorrections: the entries the provider schemas corrected (each case names the
// provider source in types.go): a change of these properties replaces, and a deployment group's
// app_name, which the schema does not mark ForceNew, updates in place.
func TestSchemaCorrections(t *testing.T) {
	for _, tc := range []struct {
		typ, prop string
		replaces  bool
	}{
		{"aws:codedeploy/deploymentGroup:DeploymentGroup", "appName", false},
		{"aws:lb/loadBalancer:LoadBalancer", "customerOwnedIpv4Pool", true},
		{"aws:ec2/vpc:Vpc", "instanceTenancy", true},
		{"aws:ec2/vpc:Vpc", "ipv4IpamPoolId", true},
		{"aws:ec2/subnet:Subnet", "ipv6Native", true},
		{"aws:ec2/subnet:Subnet", "outpostArn", true},
		{"aws:autoscaling/group:Group", "initialLifecycleHooks", true},
		{"aws:kms/key:Key", "customKeyStoreId", true},
		{"aws:acm/certificate:Certificate", "validationMethod", true},
		{"aws:acm/certificate:Certificate", "validationOptions", true},
		{"aws:s3/bucketV2:BucketV2", "objectLockEnabled", true},
		{"aws:ec2/vpcEndpoint:VpcEndpoint", "serviceNetworkArn", true},
		{"aws:ec2/vpcEndpoint:VpcEndpoint", "serviceRegion", true},
		{"aws:wafv2/webAcl:WebAcl", "namePrefix", true},
	} {
		old := map[string]any{tc.prop: "a"}
		res, err := Diff(tc.typ, old, old, map[string]any{tc.prop: "b"})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(res.Replaces) > 0; got != tc.replaces {
			t.Errorf("%s %s: replaces = %v (%v), want %v", tc.typ, tc.prop, got, res.Replaces, tc.replaces)
		}
	}
}

// TestEveryEntryWasRead: no entry is left "as recalled": each names the provider file it was
// read from.
func TestEveryEntryWasRead(t *testing.T) {
	for typ, m := range Types {
		if !m.Read || !strings.HasPrefix(m.Source, "internal/service/") {
			t.Errorf("%s: Read = %v, Source %q", typ, m.Read, m.Source)
		}
	}
}

// TestModelPropertiesExistInTheSDK: every property the model names is an input or output of the
// type in the pulumi-aws Go SDK the program pins (go.mod), which is generated from the schema
// pulumi-aws wraps: a misspelt Pulumi name, or a field the provider added after that version,
// fails here.
func TestModelPropertiesExistInTheSDK(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/pulumi/pulumi-aws/sdk/v6").Output()
	if err != nil {
		t.Fatalf("locating the pulumi-aws SDK module: %v", err)
	}
	root := filepath.Join(strings.TrimSpace(string(out)), "go", "aws")
	for typ, m := range Types {
		module, _, _ := strings.Cut(strings.TrimPrefix(typ, "aws:"), ":")
		dir, file, _ := strings.Cut(module, "/")
		src, err := os.ReadFile(filepath.Join(root, dir, file+".go"))
		if err != nil {
			t.Errorf("%s: %v", typ, err)
			continue
		}
		props := append(append([]string{m.AutoName}, m.ForceNew...), m.InPlace...)
		for k := range m.Equivalences {
			props = append(props, k)
		}
		for _, p := range props {
			top, _, _ := strings.Cut(p, ".")
			if top != "" && !strings.Contains(string(src), `pulumi:"`+top+`"`) {
				t.Errorf("%s: %q is not a property of the SDK's %s", typ, top, file)
			}
		}
	}
}

// TestSubnetConflictIsAnyOverlap: CreateSubnet refuses a block that shares any address with a
// live subnet of the VPC (InvalidSubnet.Conflict), not only an identical one.
func TestSubnetConflictIsAnyOverlap(t *testing.T) {
	live := []string{"10.0.0.0/18", "10.0.64.0/18"}
	for _, c := range []struct {
		block    string
		conflict bool
	}{
		{"10.0.0.0/18", true},    // the same block
		{"10.0.32.0/19", true},   // inside a live one (a 3-zone carve of a 2-zone VPC)
		{"10.0.0.0/16", true},    // around both
		{"10.0.128.0/19", false}, // free space
		{"10.0.192.0/18", false}, // free space
		{"10.1.0.0/18", false},   // another range
	} {
		msg, err := SubnetConflict(c.block, live)
		if err != nil {
			t.Fatal(err)
		}
		if got := msg != ""; got != c.conflict {
			t.Errorf("%s against %v: conflict %v (%q), want %v", c.block, live, got, msg, c.conflict)
		}
		if c.conflict && !strings.HasPrefix(msg, "InvalidSubnet.Conflict: The CIDR '"+c.block+"' conflicts with another subnet") {
			t.Errorf("message %q: want EC2's InvalidSubnet.Conflict", msg)
		}
	}
	if _, err := SubnetConflict("10.0.0.0/33", live); err == nil {
		t.Error("an invalid block must be an error")
	}
}
