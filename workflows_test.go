package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"

	"example.com/webstack/offline"
	"example.com/webstack/program"
)

// workflows are the review workflows the template ships (deploy-stack.yml is deploy.yml's
// reusable half).
var workflows = []string{"policy.yml", "preview.yml", "deploy.yml", "deploy-stack.yml"}

func workflowPath(name string) string { return filepath.Join(".github", "workflows", name) }

// TestWorkflowsPassActionlint runs actionlint (as a library, the same checks as the CLI, without
// the optional shellcheck and pyflakes integrations) on every workflow file.
func TestWorkflowsPassActionlint(t *testing.T) {
	files, err := filepath.Glob(workflowPath("*.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range workflows {
		if !slices.Contains(files, workflowPath(name)) {
			t.Errorf("%s is missing", workflowPath(name))
		}
	}
	var out bytes.Buffer
	linter, err := actionlint.NewLinter(&out, &actionlint.LinterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	errs, err := linter.LintFiles(files, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) > 0 {
		t.Errorf("actionlint found %d problems:\n%s", len(errs), out.String())
	}
}

var pinnedAction = regexp.MustCompile(`^[\w.-]+/[\w./-]+@[0-9a-f]{40}$`)

// TestWorkflowsKeepTheirPromises checks what each workflow is for, beyond syntax.
func TestWorkflowsKeepTheirPromises(t *testing.T) {
	parsed := map[string]*actionlint.Workflow{}
	texts := map[string]string{}
	for _, name := range workflows {
		src, err := os.ReadFile(workflowPath(name))
		if err != nil {
			t.Fatal(err)
		}
		w, errs := actionlint.Parse(src)
		if len(errs) > 0 {
			t.Fatalf("%s: %v", name, errs[0])
		}
		parsed[name], texts[name] = w, string(src)
		for _, job := range w.Jobs {
			for _, step := range job.Steps {
				if action, ok := step.Exec.(*actionlint.ExecAction); ok && !pinnedAction.MatchString(action.Uses.Value) {
					t.Errorf("%s: action %q is not pinned to a full commit SHA", name, action.Uses.Value)
				}
			}
		}
	}

	// policy.yml: the offline preview for every pull request, forks included: no secrets, no cloud identity.
	policy := parsed["policy.yml"]
	if !hasTrigger(policy, "pull_request") {
		t.Error("policy.yml must run on pull_request")
	}
	if strings.Contains(texts["policy.yml"], "secrets.") || permission(policy, "id-token") != "" {
		t.Error("policy.yml must use no secrets and no OIDC token, so fork pull requests run it")
	}
	if !strings.Contains(texts["policy.yml"], "go run ./cmd/preview") {
		t.Error("policy.yml must run the offline preview (go run ./cmd/preview)")
	}

	// preview.yml: pulumi/actions' preview of every stack (official CLI, the project directory and the
	// policy pack with runtime: go), refreshed first, AWS through OIDC, result commented on the PR.
	preview := parsed["preview.yml"]
	if !hasTrigger(preview, "pull_request") || permission(preview, "id-token") != "write" ||
		permission(preview, "pull-requests") != "write" {
		t.Error("preview.yml must run on pull_request with id-token: write and pull-requests: write")
	}
	if !strings.Contains(texts["preview.yml"], "aws-actions/configure-aws-credentials@") ||
		!strings.Contains(texts["preview.yml"], "role-to-assume:") {
		t.Error("preview.yml must assume an AWS role through OIDC")
	}
	pv := actionInputs(t, parsed["preview.yml"].Jobs["preview"], "pulumi/actions")
	for input, want := range map[string]string{
		"command":           "preview",
		"stack-name":        "${{ matrix.stack }}",
		"refresh":           "true",
		"comment-on-pr":     "true",
		"policyPacks":       "policy",
		"policyPackConfigs": "policy/config/${{ matrix.stack }}.json",
	} {
		if pv[input] != want {
			t.Errorf("preview.yml: pulumi/actions %s = %q, want %q", input, pv[input], want)
		}
	}
	if strings.Contains(texts["preview.yml"]+texts["deploy-stack.yml"], "aws-access-key-id") {
		t.Error("workflows must assume AWS roles through OIDC, not long-lived keys")
	}

	// The official CLI the workflows install is the version the offline harness builds and tests.
	cli := pinnedCLIVersion(t)
	dv := actionInputs(t, parsed["deploy-stack.yml"].Jobs["up"], "pulumi/actions")
	for name, inputs := range map[string]map[string]string{"preview.yml": pv, "deploy-stack.yml": dv} {
		if inputs["pulumi-version"] != cli {
			t.Errorf("%s: pulumi/actions pulumi-version = %q, want %s (tools/go.mod)", name, inputs["pulumi-version"], cli)
		}
	}
	if _, installOnly := dv["command"]; installOnly {
		t.Error("deploy-stack.yml: pulumi/actions only installs the CLI there; the release command runs `pulumi up`")
	}

	// deploy.yml: main deploys dev, then prod after dev, each in its own environment (prod approval).
	deploy := parsed["deploy.yml"]
	if !hasTrigger(deploy, "push") {
		t.Error("deploy.yml must run on push")
	}
	dev, prod := deploy.Jobs["dev"], deploy.Jobs["prod"]
	if dev == nil || prod == nil {
		t.Fatal("deploy.yml must have the jobs dev and prod")
	}
	if len(prod.Needs) != 1 || prod.Needs[0].Value != "dev" {
		t.Error("deploy.yml: prod must need dev")
	}
	for stack, job := range map[string]*actionlint.Job{"dev": dev, "prod": prod} {
		if job.WorkflowCall == nil || job.WorkflowCall.Uses.Value != "./.github/workflows/deploy-stack.yml" ||
			job.WorkflowCall.Inputs["stack"] == nil || job.WorkflowCall.Inputs["stack"].Value.Value != stack {
			t.Errorf("deploy.yml: job %s must call deploy-stack.yml with stack: %s", stack, stack)
		}
	}
	up := parsed["deploy-stack.yml"].Jobs["up"]
	if up == nil || up.Environment == nil || up.Environment.Name.Value != "${{ inputs.stack }}" {
		t.Error("deploy-stack.yml: job up must run in the environment named by inputs.stack (prod approval)")
	}
	for _, want := range []string{"go build -o bin/policy-pack ./policy",
		`go run ./cmd/deploy -stack "$STACK" -pulumi "$(command -v pulumi)" -policy-pack bin/policy-pack`} {
		if !strings.Contains(texts["deploy-stack.yml"], want) {
			t.Errorf("deploy-stack.yml must release with the release command through the installed CLI: lacks %q", want)
		}
	}
}

// runStep runs the run script of the step with id in job of workflow name, as GitHub's default
// bash shell would, with env, and returns what it wrote to GITHUB_OUTPUT.
func runStep(t *testing.T, name, job, id string, env ...string) string {
	t.Helper()
	src, err := os.ReadFile(workflowPath(name))
	if err != nil {
		t.Fatal(err)
	}
	w, errs := actionlint.Parse(src)
	if len(errs) > 0 || w.Jobs[job] == nil {
		t.Fatalf("%s: job %s: %v", name, job, errs)
	}
	for _, step := range w.Jobs[job].Steps {
		run, ok := step.Exec.(*actionlint.ExecRun)
		if !ok || step.ID == nil || step.ID.Value != id {
			continue
		}
		out := filepath.Join(t.TempDir(), "output")
		cmd := exec.Command("bash", "-eo", "pipefail", "-c", run.Run.Value)
		cmd.Env = append(os.Environ(), append(env, "GITHUB_OUTPUT="+out)...)
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: step %s: %v\n%s", name, id, err, msg)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	t.Fatalf("%s: job %s has no run step with id %s", name, job, id)
	return ""
}

// Every stack file is previewed on pull requests, with no list of stacks to keep up to date, and
// each stack's AWS credentials are for the region its file names (the deploy command refuses
// any other).
func TestWorkflowsFollowTheStackFiles(t *testing.T) {
	stacks := offline.Stacks(".")
	want, _ := json.Marshal(stacks)
	for name, job := range map[string]string{"policy.yml": "offline-preview", "preview.yml": "preview"} {
		if got := runStep(t, name, "stacks", "list"); got != "stacks="+string(want)+"\n" {
			t.Errorf("%s: the stacks job lists %q, want %s", name, got, want)
		}
		src, _ := os.ReadFile(workflowPath(name))
		w, _ := actionlint.Parse(src)
		if m := w.Jobs[job].Strategy.Matrix; m == nil || m.Rows["stack"] == nil || m.Rows["stack"].Expression == nil ||
			m.Rows["stack"].Expression.Value != "${{ fromJSON(needs.stacks.outputs.stacks) }}" {
			t.Errorf("%s: job %s must run once per stack the stacks job lists", name, job)
		}
	}
	for _, name := range []string{"preview.yml", "deploy-stack.yml"} {
		job := map[string]string{"preview.yml": "preview", "deploy-stack.yml": "up"}[name]
		for _, stack := range stacks {
			region, err := program.StackRegion(".", stack)
			if err != nil {
				t.Fatal(err)
			}
			if got := runStep(t, name, job, "region", "STACK="+stack); got != "region="+region+"\n" {
				t.Errorf("%s: region of %s is %q, want %s", name, stack, got, region)
			}
		}
		if src, _ := os.ReadFile(workflowPath(name)); !strings.Contains(string(src), "aws-region: ${{ steps.region.outputs.region }}") ||
			strings.Contains(string(src), "vars.AWS_REGION") {
			t.Errorf("%s: AWS credentials must be for the stack's region (steps.region), not vars.AWS_REGION", name)
		}
	}
}

func hasTrigger(w *actionlint.Workflow, hook string) bool {
	for _, e := range w.On {
		if e.EventName() == hook {
			return true
		}
	}
	return false
}

func permission(w *actionlint.Workflow, scope string) string {
	if w.Permissions == nil || w.Permissions.Scopes[scope] == nil {
		return ""
	}
	return w.Permissions.Scopes[scope].Value.Value
}

// actionInputs returns the with: inputs of the job's one step that uses the action (owner/name).
func actionInputs(t *testing.T, job *actionlint.Job, action string) map[string]string {
	t.Helper()
	if job == nil {
		t.Fatalf("no such job (looking for %s)", action)
	}
	var found map[string]string
	for _, step := range job.Steps {
		exec, ok := step.Exec.(*actionlint.ExecAction)
		if !ok || !strings.HasPrefix(exec.Uses.Value, action+"@") {
			continue
		}
		if found != nil {
			t.Fatalf("job %s uses %s twice", job.ID.Value, action)
		}
		found = map[string]string{}
		for _, in := range exec.Inputs {
			found[in.Name.Value] = in.Value.Value
		}
	}
	if found == nil {
		t.Fatalf("job %s does not use %s", job.ID.Value, action)
	}
	return found
}

var pulumiPkgRequire = regexp.MustCompile(`(?m)^\s*github\.com/pulumi/pulumi/pkg/v3 v(\S+)`)

// pinnedCLIVersion is the Pulumi CLI version tools/go.mod builds (make tools).
func pinnedCLIVersion(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("tools", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := pulumiPkgRequire.FindSubmatch(src)
	if m == nil {
		t.Fatal("tools/go.mod does not require github.com/pulumi/pulumi/pkg/v3")
	}
	return string(m[1])
}
