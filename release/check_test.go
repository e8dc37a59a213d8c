package release

import (
	"context"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

// The containerDefinitions the program renders (the shape of components' task definition), and
// what ECS returns for them: fields it fills in though they were never sent, each from a public
// report (day2.md, "Task definitions"):
//   - linuxParameters.capabilities.add: [] (braintrustdata/terraform-aws-braintrust-data-plane#335);
//   - mountPoints: [], volumesFrom: [] (pulumi/pulumi-awsx#669);
//   - systemControls: [], cpu: 0 (hashicorp/terraform-aws-consul-ecs#318);
//   - portMappings[].hostPort equal to containerPort under awsvpc (the provider's own equivalence
//     fills it in: terraform-provider-aws internal/service/ecs/container_definitions.go).
const (
	renderedDefs = `[{"name":"api","image":"123456789012.dkr.ecr.us-east-1.amazonaws.com/webstack@sha256:ab","essential":true,` +
		`"portMappings":[{"containerPort":8080,"protocol":"tcp"}],"environment":[{"name":"A","value":"1"},{"name":"B","value":"2"}],` +
		`"linuxParameters":{"capabilities":{"drop":["ALL"]}},"readonlyRootFilesystem":true}]`
	storedDefs = `[{"name":"api","image":"123456789012.dkr.ecr.us-east-1.amazonaws.com/webstack@sha256:ab","cpu":0,"essential":true,` +
		`"portMappings":[{"containerPort":8080,"hostPort":8080,"protocol":"tcp"}],"environment":[{"name":"A","value":"1"},{"name":"B","value":"2"}],` +
		`"mountPoints":[],"volumesFrom":[],"systemControls":[],"linuxParameters":{"capabilities":{"add":[],"drop":["ALL"]}},"readonlyRootFilesystem":true}]`
)

// checkEngine is the engine double for -check: the release engine double plus a preview that
// reports the steps a test gives it, and the rendered JSON in the stack's state.
type checkEngine struct {
	*engineDouble
	reg           *registry
	changes       []string // steps the preview after the release reports
	upsAtPreview  []int
	renderedAsked []string
	// noSkipDestroy: `pulumi up` deregisters the revision it replaced, as the provider does
	// without skipDestroy (pulumi-aws ecs.TaskDefinitionArgs.SkipDestroy: "Whether to retain the
	// old revision when the resource is destroyed or replacement is necessary. Default is false").
	noSkipDestroy bool
	// unchanged: `pulumi up` registers no new revision (same code, same tag).
	unchanged bool
}

func (e *checkEngine) Up(ctx context.Context, progress io.Writer) (map[string]any, error) {
	if e.unchanged {
		e.w.mu.Lock()
		defer e.w.mu.Unlock()
		e.w.ups++
		return e.outputs(), nil
	}
	out, err := e.engineDouble.Up(ctx, progress)
	if e.noSkipDestroy {
		e.w.mu.Lock()
		e.reg.sync(e.w)
		e.reg.status[td(e.w.revision-1)] = "INACTIVE"
		e.w.mu.Unlock()
	}
	return out, err
}

func (e *checkEngine) PreviewChanges(context.Context, io.Writer) ([]string, error) {
	e.w.mu.Lock()
	defer e.w.mu.Unlock()
	e.upsAtPreview = append(e.upsAtPreview, e.w.ups)
	return e.changes, nil
}

func (e *checkEngine) RenderedContainerDefinitions(_ context.Context, arn string) (string, error) {
	e.renderedAsked = append(e.renderedAsked, arn)
	return renderedDefs, nil
}

//lint:ignore ST1008 a test helper: the run's output comes last, after its error, so call sites read res, err, out
func runCheck(t *testing.T, w *world, tune func(*checkEngine)) (CheckReport, error, string, *checkEngine, *registry) {
	t.Helper()
	var out strings.Builder
	d := newTestDeployer(t, w, &out)
	reg := newRegistry(t)
	reg.stored = storedDefs
	withRegistry(t, d, w, reg)
	d.Config.KeepRevisions = DefaultKeepRevisions
	eng := &checkEngine{engineDouble: d.Engine.(*engineDouble), reg: reg}
	if tune != nil {
		tune(eng)
	}
	d.Engine = eng
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := d.Check(ctx, eng)
	t.Log(out.String())
	return rep, err, out.String(), eng, reg
}

func TestCheckPassesOnARollingStack(t *testing.T) {
	w := newWorld(Rolling)
	rep, err, out, eng, reg := runCheck(t, w, nil)
	if err != nil {
		t.Fatal(err)
	}
	if w.ups != 1 || !slices.Equal(eng.upsAtPreview, []int{1}) {
		t.Errorf("ups %d, previews after ups %v: want one release, then one preview", w.ups, eng.upsAtPreview)
	}
	if !slices.Equal(eng.renderedAsked, []string{td(2)}) {
		t.Errorf("rendered JSON asked for %v, want the released %s", eng.renderedAsked, td(2))
	}
	var got []string
	for _, d := range rep.Differences {
		got = append(got, d.String())
	}
	want := []string{
		`containerDefinitions[name=api].cpu: rendered (absent), ECS returns 0`,
		`containerDefinitions[name=api].linuxParameters.capabilities.add: rendered (absent), ECS returns []`,
		`containerDefinitions[name=api].mountPoints: rendered (absent), ECS returns []`,
		`containerDefinitions[name=api].portMappings[0].hostPort: rendered (absent), ECS returns 8080`,
		`containerDefinitions[name=api].systemControls: rendered (absent), ECS returns []`,
		`containerDefinitions[name=api].volumesFrom: rendered (absent), ECS returns []`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("differences:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, line := range want {
		if !strings.Contains(out, line) {
			t.Errorf("the output does not print %q", line)
		}
	}
	if rep.PreviousRevision != td(1) || rep.PreviousStatus != "ACTIVE" {
		t.Errorf("previous revision %s is %q, want %s ACTIVE", rep.PreviousRevision, rep.PreviousStatus, td(1))
	}
	if len(reg.deregistered) != 0 || len(w.createdAppSpecs) != 0 || len(rep.NotChecked) != 0 {
		t.Errorf("deregistered %v, AppSpecs %v, not checked %v", reg.deregistered, w.createdAppSpecs, rep.NotChecked)
	}
	if !strings.HasSuffix(strings.TrimSpace(out), "==> check passed") {
		t.Error("the output does not end with the verdict")
	}
}

func TestCheckFailsWhenASecondUpWouldChangeSomething(t *testing.T) {
	w := newWorld(Rolling)
	step := "replace urn:pulumi:dev::webstack::aws:ecs/taskDefinition:TaskDefinition::web (containerDefinitions)"
	rep, err, out, _, _ := runCheck(t, w, func(e *checkEngine) { e.changes = []string{step} })
	if err == nil || !strings.Contains(err.Error(), "a second pulumi up would take 1 steps") || !strings.Contains(err.Error(), step) {
		t.Errorf("err = %v", err)
	}
	if !slices.Equal(rep.SecondUpChanges, []string{step}) || !strings.Contains(out, "FAIL: a second pulumi up") {
		t.Errorf("report %v; the output does not show the failure", rep.SecondUpChanges)
	}
	if rep.PreviousStatus != "ACTIVE" {
		t.Error("a failed check must still run the checks after it")
	}
}

// Without skipDestroy the revision a release replaced is INACTIVE, and ECS would refuse the
// rollback: the check says so.
func TestCheckFailsWhenThePreviousRevisionIsInactive(t *testing.T) {
	w := newWorld(Rolling)
	rep, err, _, _, _ := runCheck(t, w, func(e *checkEngine) { e.noSkipDestroy = true })
	if err == nil || !strings.Contains(err.Error(), "the previous revision "+td(1)+" is INACTIVE") ||
		!strings.Contains(err.Error(), "skipDestroy") {
		t.Errorf("err = %v", err)
	}
	if rep.PreviousStatus != "INACTIVE" {
		t.Errorf("previous status %q", rep.PreviousStatus)
	}
}

// Blue-green: the release's own CodeDeploy deployment took the AppSpec; the stack is refreshed
// before the release and again before the preview (the release moved production).
func TestCheckBlueGreen(t *testing.T) {
	w := newWorld(BlueGreen)
	rep, err, _, eng, _ := runCheck(t, w, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.DeploymentID != "d-1" || len(w.createdAppSpecs) != 1 {
		t.Errorf("deployment %q, AppSpecs %d: want the release's d-1 only", rep.DeploymentID, len(w.createdAppSpecs))
	}
	if got := refreshesOf(w); !slices.Equal(got, []int{0, 1}) || !slices.Equal(eng.upsAtPreview, []int{1}) {
		t.Errorf("refreshes after ups %v, previews after ups %v: want a refresh before the up and another before the preview", got, eng.upsAtPreview)
	}
}

// A release that registered nothing new needed no CodeDeploy deployment: the check creates one
// with the release's AppSpec, and says the previous revision could not be checked.
func TestCheckBlueGreenCreatesOneDeploymentWhenTheReleaseNeededNone(t *testing.T) {
	w := newWorld(BlueGreen)
	rep, err, _, eng, _ := runCheck(t, w, func(e *checkEngine) { e.unchanged = true })
	if err != nil {
		t.Fatal(err)
	}
	o, err := ParseOutputs(eng.outputs())
	if err != nil {
		t.Fatal(err)
	}
	if len(w.createdAppSpecs) != 1 || rep.DeploymentID != "d-1" {
		t.Fatalf("AppSpecs %v, deployment %q: want one", w.createdAppSpecs, rep.DeploymentID)
	}
	if w.createdAppSpecs[0] != AppSpec(td(1), o.ContainerName, o.ContainerPort, o.Service) {
		t.Errorf("AppSpec %s, want the release's AppSpec for %s", w.createdAppSpecs[0], td(1))
	}
	if len(rep.NotChecked) != 1 || !strings.Contains(rep.NotChecked[0], "registered no new task definition revision") {
		t.Errorf("not checked %v", rep.NotChecked)
	}
	if got := serves(w); len(got) != 1 || !got[td(1)] {
		t.Errorf("production answers from %v, want %s", got, td(1))
	}
}

func TestCheckStopsWhenTheReleaseFails(t *testing.T) {
	w := newWorld(Rolling)
	w.badRevisions[td(2)] = true
	_, err, _, eng, _ := runCheck(t, w, nil)
	if err == nil || !strings.Contains(err.Error(), "check: the release failed, so nothing else was checked") {
		t.Errorf("err = %v", err)
	}
	if len(eng.upsAtPreview)+len(eng.renderedAsked) != 0 {
		t.Error("checks ran after a failed release")
	}
}

func TestDiffContainerDefinitions(t *testing.T) {
	env := func(pairs ...string) string {
		var e []map[string]string
		for i := 0; i < len(pairs); i += 2 {
			e = append(e, map[string]string{"name": pairs[i], "value": pairs[i+1]})
		}
		b, _ := json.Marshal([]any{map[string]any{"name": "api", "environment": e}, map[string]any{"name": "sidecar"}})
		return string(b)
	}
	// Matched by name: order alone is no difference.
	if d, err := diffContainerDefinitions(env("A", "1", "B", "2"), env("B", "2", "A", "1")); err != nil || len(d) != 0 {
		t.Errorf("reordered environment: %v, %v; want no difference", d, err)
	}
	d, err := diffContainerDefinitions(env("A", "1", "B", "2"), env("A", "9", "C", "3"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range d {
		got = append(got, x.String())
	}
	want := []string{
		`containerDefinitions[name=api].environment[name=A].value: rendered "1", ECS returns "9"`,
		`containerDefinitions[name=api].environment[name=B]: rendered {"name":"B","value":"2"}, ECS returns (absent)`,
		`containerDefinitions[name=api].environment[name=C]: rendered (absent), ECS returns {"name":"C","value":"3"}`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("differences:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Unnamed arrays by position.
	d, _ = diffContainerDefinitions(`[{"name":"api","command":["a","b"]}]`, `[{"name":"api","command":["a"]}]`)
	if len(d) != 1 || d[0].String() != `containerDefinitions[name=api].command[1]: rendered "b", ECS returns (absent)` {
		t.Errorf("command: %v", d)
	}
	if _, err := diffContainerDefinitions(`{`, `[]`); err == nil || !strings.Contains(err.Error(), "rendered containerDefinitions are not JSON") {
		t.Errorf("bad JSON: %v", err)
	}
}
