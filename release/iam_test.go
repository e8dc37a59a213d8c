package release

import (
	"encoding/json"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The deploy role's policy in docs/releases.md grants exactly what the command calls: one IAM
// action per method of the interfaces the release package calls AWS through (the operation name is
// the action name under the service's prefix, Service Authorization Reference), plus the actions
// an operation needs besides its own, minus the calls that need none. A new call without its
// permission, or a permission nothing calls, fails here.
func TestDeployRolePolicyCoversEveryCall(t *testing.T) {
	prefixes := map[reflect.Type]string{
		reflect.TypeFor[ECSAPI]():         "ecs",
		reflect.TypeFor[CodeDeployAPI]():  "codedeploy",
		reflect.TypeFor[CloudWatchAPI]():  "cloudwatch",
		reflect.TypeFor[ELBAPI]():         "elasticloadbalancing",
		reflect.TypeFor[STSAPI]():         "sts",
		reflect.TypeFor[AutoScalingAPI](): "application-autoscaling",
	}
	// Every AWS client field of Deployer is one of the interfaces above.
	for f := range reflect.TypeFor[Deployer]().Fields() {
		if strings.HasSuffix(f.Type.Name(), "API") {
			if _, ok := prefixes[f.Type]; !ok {
				t.Errorf("Deployer.%s (%s) calls AWS: map its IAM prefix here and grant its actions in docs/releases.md", f.Name, f.Type)
			}
		}
	}
	// Needed besides the operation's own action.
	extra := map[string]string{
		// "If you specify an overrideAlarmConfiguration, you need the UpdateDeploymentGroup IAM
		// permission when calling CreateDeployment" (CodeDeploy API reference, CreateDeployment).
		"codedeploy:UpdateDeploymentGroup": "CreateDeployment with overrideAlarmConfiguration",
		// CreateDeployment reads the deployment configuration and registers the AppSpec revision in
		// the application: the minimal CodeDeploy policy of aws-actions/amazon-ecs-deploy-task-definition
		// (README, "AWS CodeDeploy Support") grants both next to CreateDeployment.
		"codedeploy:GetDeploymentConfig":         "CreateDeployment",
		"codedeploy:RegisterApplicationRevision": "CreateDeployment",
	}
	// "No permissions are required to perform this operation" (STS API reference, GetCallerIdentity).
	none := []string{"sts:GetCallerIdentity"}

	want := map[string]bool{}
	for typ, prefix := range prefixes {
		for m := range typ.Methods() {
			want[prefix+":"+m.Name] = true
		}
	}
	for a := range extra {
		want[a] = true
	}
	for _, a := range none {
		delete(want, a)
	}

	got := map[string]bool{}
	for _, st := range deployRolePolicy(t).Statement {
		if st.Effect != "Allow" {
			t.Errorf("statement %+v: want Allow", st)
		}
		for _, a := range st.Action {
			got[a] = true
		}
	}
	if !maps.Equal(got, want) {
		var missing, unused []string
		for a := range want {
			if !got[a] {
				missing = append(missing, a)
			}
		}
		for a := range got {
			if !want[a] {
				unused = append(unused, a)
			}
		}
		slices.Sort(missing)
		slices.Sort(unused)
		t.Errorf("docs/releases.md deploy role policy: missing %v, granted but never called %v", missing, unused)
	}
}

type policyDocument struct {
	Version   string
	Statement []struct {
		Effect   string
		Action   []string
		Resource any
	}
}

// deployRolePolicy is the JSON block under the heading "## IAM: the deploy role's policy".
func deployRolePolicy(t *testing.T) policyDocument {
	t.Helper()
	b, err := os.ReadFile("../docs/releases.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## IAM: the deploy role's policy\n")
	if !ok {
		t.Fatal(`docs/releases.md has no "## IAM: the deploy role's policy" section`)
	}
	_, block, ok := strings.Cut(section, "```json\n")
	if !ok {
		t.Fatal("the IAM section has no ```json block")
	}
	block, _, _ = strings.Cut(block, "```")
	var doc policyDocument
	if err := json.Unmarshal([]byte(block), &doc); err != nil {
		t.Fatalf("the deploy role policy is not valid JSON: %v", err)
	}
	if doc.Version != "2012-10-17" || len(doc.Statement) == 0 {
		t.Fatalf("policy version %q with %d statements: want 2012-10-17 and at least one", doc.Version, len(doc.Statement))
	}
	return doc
}
