package release

// The -check mode: what a user runs once on a real account (`go run ./cmd/deploy -stack dev
// -check`) to learn what the offline model cannot know. It releases once, then checks day 2:
// a second `pulumi up` would change nothing; the task definition ECS stores against the JSON the
// program rendered, field by field; the revision the release replaced is still ACTIVE (so a
// rollback can use it); and, blue-green, that CodeDeploy takes the release's AppSpec.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// CheckEngine is what -check needs from the engine beyond a release.
type CheckEngine interface {
	Engine
	// PreviewChanges previews an update and returns one line for each step that is not "same"
	// (operation, URN, changed properties). None means a second `pulumi up` changes nothing.
	PreviewChanges(ctx context.Context, progress io.Writer) ([]string, error)
	// RenderedContainerDefinitions returns the containerDefinitions JSON the program sent for the
	// task definition taskDefinitionARN (its inputs in the stack's state).
	RenderedContainerDefinitions(ctx context.Context, taskDefinitionARN string) (string, error)
}

// CheckReport is what -check found.
type CheckReport struct {
	Release          Result
	SecondUpChanges  []string          // steps a second `pulumi up` would take; want none
	Differences      []FieldDifference // the stored task definition against the rendered JSON
	PreviousRevision string            // the revision the release replaced
	PreviousStatus   string            // its status now; want ACTIVE
	DeploymentID     string            // blue-green: the CodeDeploy deployment that took the AppSpec
	NotChecked       []string          // what this run could not check, and why
	Failures         []string
}

// checkFlagProblems are the flag errors of -keep-revisions and -check (flags.go).
func checkFlagProblems(f Flags) []string {
	var problems []string
	if f.KeepRevisions != 0 && f.KeepRevisions < MinKeepRevisions {
		problems = append(problems, fmt.Sprintf("-keep-revisions must be 0 (never prune) or at least %d (the revision serving and the one before it), not %d",
			MinKeepRevisions, f.KeepRevisions))
	}
	if f.Check && f.DryRun {
		problems = append(problems, "-check and -dry-run exclude each other: -check releases and checks the result; drop one")
	}
	return problems
}

// Check releases the stack (Run), then checks day 2 on the account. eng is the engine of the
// release (d.Engine). The error lists every failed check; the report says what was not checked.
func (d *Deployer) Check(ctx context.Context, eng CheckEngine) (CheckReport, error) {
	var rep CheckReport
	d.sayf("==> check 1/5: a release")
	res, err := d.Run(ctx)
	rep.Release = res
	if err != nil {
		return rep, fmt.Errorf("check: the release failed, so nothing else was checked: %w", err)
	}
	raw, err := eng.Outputs(ctx)
	if err != nil {
		return rep, fmt.Errorf("check: reading the stack outputs after the release: %w", err)
	}
	o, err := ParseOutputs(raw)
	if err != nil {
		return rep, fmt.Errorf("check: %w", err)
	}
	fail := func(format string, args ...any) {
		rep.Failures = append(rep.Failures, fmt.Sprintf(format, args...))
		d.sayf("  FAIL: "+format, args...)
	}

	d.sayf("==> check 2/5: a second pulumi up changes nothing (previewed, so a failure changes nothing either)")
	if err := d.refreshBlueGreen(ctx, o); err != nil {
		fail("%v", err)
	} else if changes, err := eng.PreviewChanges(ctx, d.Out); err != nil {
		fail("pulumi preview after the release failed: %v", err)
	} else if rep.SecondUpChanges = changes; len(changes) > 0 {
		fail("a second pulumi up would take %d steps; each one is a day-2 defect (or drift) to fix:\n    %s",
			len(changes), strings.Join(changes, "\n    "))
	} else {
		d.sayf("  0 changes")
	}

	d.sayf("==> check 3/5: %s as ECS stores it, field by field against the containerDefinitions the program rendered", o.TaskDefinitionARN)
	if rendered, err := eng.RenderedContainerDefinitions(ctx, o.TaskDefinitionARN); err != nil {
		fail("reading the rendered containerDefinitions from the stack's state: %v", err)
	} else if stored, err := storedContainerDefinitions(ctx, d.ECS, o.TaskDefinitionARN); err != nil {
		fail("%v", err)
	} else if rep.Differences, err = diffContainerDefinitions(rendered, stored); err != nil {
		fail("%v", err)
	} else if len(rep.Differences) == 0 {
		d.sayf("  identical")
	} else {
		for _, diff := range rep.Differences {
			d.sayf("  %s", diff)
		}
		d.sayf("  %d differences: what ECS fills in or rewrites. Check 2 says whether the provider's diff sees them; "+
			"the offline model (day2.md) should know each one", len(rep.Differences))
	}

	d.sayf("==> check 4/5: the revision the release replaced is still ACTIVE (a rollback needs it)")
	rep.PreviousRevision = res.PreviousTaskDefinition
	switch rep.PreviousRevision {
	case "":
		rep.NotChecked = append(rep.NotChecked, "the previous revision: this was the stack's first release")
	case res.NewTaskDefinition:
		rep.NotChecked = append(rep.NotChecked, "the previous revision: this release registered no new task definition revision; "+
			"run -check again after a change that replaces it (a new image tag)")
	default:
		out, err := d.ECS.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(rep.PreviousRevision)})
		if err != nil {
			fail("ecs DescribeTaskDefinition %s: %v", rep.PreviousRevision, err)
			break
		}
		rep.PreviousStatus = string(out.TaskDefinition.Status)
		if out.TaskDefinition.Status != ecstypes.TaskDefinitionStatusActive {
			fail("the previous revision %s is %s: the replaced task definition was deregistered (is skipDestroy set on it?), "+
				"so ECS refuses it to UpdateService and CreateTaskSet and a rollback to it fails", rep.PreviousRevision, rep.PreviousStatus)
		} else {
			d.sayf("  %s is ACTIVE", rep.PreviousRevision)
		}
	}

	if o.Strategy != BlueGreen {
		d.sayf("==> check 5/5: not a blue-green stack: no CodeDeploy deployment to check")
	} else if res.DeploymentID != "" {
		rep.DeploymentID = res.DeploymentID
		d.sayf("==> check 5/5: CodeDeploy deployment %s of the release took the AppSpec and moved production", res.DeploymentID)
	} else {
		d.sayf("==> check 5/5: one CodeDeploy deployment of %s with the release's AppSpec (the release itself needed none)", o.TaskDefinitionARN)
		if rep.DeploymentID, err = d.checkDeployment(ctx, o); err != nil {
			fail("%v", err)
		}
	}

	if len(rep.NotChecked) > 0 {
		d.sayf("==> not checked: %s", strings.Join(rep.NotChecked, "; "))
	}
	if len(rep.Failures) > 0 {
		d.sayf("==> check failed: %d problems", len(rep.Failures))
		return rep, fmt.Errorf("check failed: %s", strings.Join(rep.Failures, "; "))
	}
	d.sayf("==> check passed")
	return rep, nil
}

// checkDeployment creates one CodeDeploy deployment of the serving task definition with the same
// AppSpec a release sends and follows it until production traffic moved; on failure it stops it
// (CodeDeploy reroutes to the task set that served).
func (d *Deployer) checkDeployment(ctx context.Context, o StackOutputs) (string, error) {
	if d.timeout(o) <= 0 {
		return "", errors.New("the stack exports no releaseTimeoutSeconds: pass -timeout (e.g. -timeout 30m)")
	}
	rollout, cancel := context.WithTimeout(ctx, d.timeout(o))
	defer cancel()
	alarms, why := d.releaseAlarms(o)
	id, err := d.createDeployment(rollout, o, o.TaskDefinitionARN, deploymentOptions{why: "check by cmd/deploy -check", alarms: alarms, alarmsReason: why})
	if err != nil {
		return "", err
	}
	d.bg = blueGreenState{id: id}
	d.sayf("  CodeDeploy deployment %s", id)
	if err := d.follow(rollout, o, id, true); err != nil {
		var f *failure
		if !errors.As(err, &f) || !f.controllerRolledBack {
			if stopErr := d.rollbackBlueGreen(ctx, o, o.TaskDefinitionARN, id); stopErr != nil {
				err = fmt.Errorf("%w (stopping it: %v)", err, stopErr)
			}
		}
		return id, fmt.Errorf("the CodeDeploy deployment %s with the release's AppSpec failed: %w", id, err)
	}
	return id, nil
}

// bodyRecorder keeps the last response body a client received, so -check can compare the JSON
// ECS returned rather than the SDK's typed copy of it (which drops nothing but renames everything).
type bodyRecorder struct {
	next ecs.HTTPClient
	body []byte
}

func (r *bodyRecorder) Do(req *http.Request) (*http.Response, error) {
	resp, err := r.next.Do(req)
	if err != nil || resp.Body == nil {
		return resp, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	r.body = b
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}

// storedContainerDefinitions is the containerDefinitions array of DescribeTaskDefinition, as JSON.
func storedContainerDefinitions(ctx context.Context, api TaskDefinitionAPI, arn string) (string, error) {
	rec := &bodyRecorder{}
	_, err := api.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(arn)}, func(o *ecs.Options) {
		rec.next = o.HTTPClient
		if rec.next == nil {
			rec.next = http.DefaultClient
		}
		o.HTTPClient = rec
	})
	if err != nil {
		return "", fmt.Errorf("ecs DescribeTaskDefinition %s: %w", arn, err)
	}
	var wire struct {
		TaskDefinition struct {
			ContainerDefinitions json.RawMessage `json:"containerDefinitions"`
		} `json:"taskDefinition"`
	}
	if err := json.Unmarshal(rec.body, &wire); err != nil || len(wire.TaskDefinition.ContainerDefinitions) == 0 {
		return "", fmt.Errorf("ecs DescribeTaskDefinition %s: no containerDefinitions in the response (%v)", arn, err)
	}
	return string(wire.TaskDefinition.ContainerDefinitions), nil
}

// FieldDifference is one field where the stored task definition differs from the rendered one.
type FieldDifference struct {
	Path     string // containerDefinitions[name=api].linuxParameters.capabilities.add
	Rendered string // the JSON the program sent, or "(absent)"
	Stored   string // the JSON ECS returns, or "(absent)"
}

func (f FieldDifference) String() string {
	return fmt.Sprintf("%s: rendered %s, ECS returns %s", f.Path, f.Rendered, f.Stored)
}

const absent = "(absent)"

// diffContainerDefinitions compares two containerDefinitions JSON arrays field by field. Arrays
// whose elements all carry a unique "name" (containers, environment, secrets, named port
// mappings) are matched by name, so order alone is no difference; other arrays by position.
func diffContainerDefinitions(rendered, stored string) ([]FieldDifference, error) {
	var a, b any
	if err := json.Unmarshal([]byte(rendered), &a); err != nil {
		return nil, fmt.Errorf("the rendered containerDefinitions are not JSON: %v", err)
	}
	if err := json.Unmarshal([]byte(stored), &b); err != nil {
		return nil, fmt.Errorf("the stored containerDefinitions are not JSON: %v", err)
	}
	var diffs []FieldDifference
	diffJSON("containerDefinitions", a, b, &diffs)
	return diffs, nil
}

func diffJSON(path string, a, b any, out *[]FieldDifference) {
	switch av := a.(type) {
	case map[string]any:
		if bv, ok := b.(map[string]any); ok {
			diffMembers(av, bv, func(k string) string { return path + "." + k }, out)
			return
		}
	case []any:
		if bv, ok := b.([]any); ok {
			an, aok := byName(av)
			bn, bok := byName(bv)
			if aok && bok {
				diffMembers(an, bn, func(n string) string { return fmt.Sprintf("%s[name=%s]", path, n) }, out)
				return
			}
			for i := range max(len(av), len(bv)) {
				p := fmt.Sprintf("%s[%d]", path, i)
				switch {
				case i >= len(av):
					*out = append(*out, FieldDifference{p, absent, text(bv[i])})
				case i >= len(bv):
					*out = append(*out, FieldDifference{p, text(av[i]), absent})
				default:
					diffJSON(p, av[i], bv[i], out)
				}
			}
			return
		}
	}
	if ta, tb := text(a), text(b); ta != tb {
		*out = append(*out, FieldDifference{path, ta, tb})
	}
}

// diffMembers compares the members of two objects (or two arrays indexed by name), in key order;
// member names a key's path.
func diffMembers(a, b map[string]any, member func(string) string, out *[]FieldDifference) {
	keys := slices.Collect(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		x, inA := a[k]
		y, inB := b[k]
		switch {
		case !inA:
			*out = append(*out, FieldDifference{member(k), absent, text(y)})
		case !inB:
			*out = append(*out, FieldDifference{member(k), text(x), absent})
		default:
			diffJSON(member(k), x, y, out)
		}
	}
}

// byName indexes a non-empty array whose elements are all objects with a unique string "name".
func byName(xs []any) (map[string]any, bool) {
	if len(xs) == 0 {
		return nil, false
	}
	m := map[string]any{}
	for _, x := range xs {
		o, ok := x.(map[string]any)
		if !ok {
			return nil, false
		}
		n, ok := o["name"].(string)
		if _, dup := m[n]; !ok || dup {
			return nil, false
		}
		m[n] = o
	}
	return m, true
}

func text(v any) string {
	b, err := json.Marshal(v) // decoded JSON: maps are marshalled with sorted keys
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
