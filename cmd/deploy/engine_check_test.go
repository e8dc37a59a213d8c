package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"example.com/webstack/release"
	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func stateWith(t *testing.T, resources ...map[string]any) apitype.UntypedDeployment {
	t.Helper()
	b, err := json.Marshal(map[string]any{"manifest": map[string]any{}, "resources": resources})
	if err != nil {
		t.Fatal(err)
	}
	return apitype.UntypedDeployment{Version: 3, Deployment: b}
}

func TestContainerDefinitionsFromState(t *testing.T) {
	const arn = "arn:aws:ecs:us-east-1:123456789012:task-definition/webstack:7"
	td := func(arn, defs string, deleted bool) map[string]any {
		return map[string]any{"urn": "urn:pulumi:dev::webstack::" + taskDefinitionType + "::web", "custom": true, "type": taskDefinitionType,
			"delete": deleted, "inputs": map[string]any{"containerDefinitions": defs}, "outputs": map[string]any{"arn": arn}}
	}
	dep := stateWith(t,
		map[string]any{"urn": "urn:pulumi:dev::webstack::pulumi:pulumi:Stack::webstack-dev", "type": "pulumi:pulumi:Stack"},
		td(arn, `[{"name":"pending-delete"}]`, true), // the replaced one, still in state until deleted
		td(arn, `[{"name":"api"}]`, false),
		td(strings.TrimSuffix(arn, "7")+"6", `[{"name":"other"}]`, false))
	got, err := containerDefinitionsFromState(dep, arn)
	if err != nil || got != `[{"name":"api"}]` {
		t.Errorf("got %q, %v; want the live task definition's input", got, err)
	}
	if _, err := containerDefinitionsFromState(dep, strings.TrimSuffix(arn, "7")+"8"); err == nil ||
		!strings.Contains(err.Error(), "no "+taskDefinitionType+" with arn") || !strings.Contains(err.Error(), "webstack:6") {
		t.Errorf("missing arn: %v", err)
	}
	secret := stateWith(t, map[string]any{"type": taskDefinitionType, "urn": "u", "inputs": map[string]any{"containerDefinitions": map[string]any{
		"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "xyz"}}, "outputs": map[string]any{"arn": arn}})
	if _, err := containerDefinitionsFromState(secret, arn); err == nil || !strings.Contains(err.Error(), "are a secret") {
		t.Errorf("secret: %v", err)
	}
}

func TestChangedSteps(t *testing.T) {
	ch := make(chan events.EngineEvent)
	go func() {
		defer close(ch)
		for _, m := range []apitype.StepEventMetadata{
			{Op: apitype.OpSame, URN: "urn:same"},
			{Op: apitype.OpRead, URN: "urn:read"},
			{Op: apitype.OpCreateReplacement, URN: "urn:td", Keys: []string{"containerDefinitions"}},
			{Op: apitype.OpReplace, URN: "urn:td", Keys: []string{"containerDefinitions"}, Diffs: []string{"containerDefinitions", "tags"}},
			{Op: apitype.OpDeleteReplaced, URN: "urn:td"},
			{Op: apitype.OpUpdate, URN: "urn:svc", Diffs: []string{"taskDefinition"}},
			{Op: apitype.OpCreate, URN: "urn:new"},
		} {
			ch <- events.EngineEvent{EngineEvent: apitype.EngineEvent{ResourcePreEvent: &apitype.ResourcePreEvent{Metadata: m, Planning: true}}}
		}
		ch <- events.EngineEvent{EngineEvent: apitype.EngineEvent{SummaryEvent: &apitype.SummaryEvent{}}}
	}()
	got := changedSteps(ch)
	want := []string{"create urn:new", "replace urn:td (containerDefinitions)", "update urn:svc (taskDefinition)"}
	if !slices.Equal(got, want) {
		t.Errorf("steps %q, want %q", got, want)
	}
}

// The real Automation API adapter against the real CLI and a local backend, with a program of
// component resources only (no provider plugin): Refresh works and finds a missing stack; after
// an up, PreviewChanges reports nothing, and after the program changes, exactly what changed.
func TestAutoEngineRefreshAndPreviewChanges(t *testing.T) {
	_, cli, tmp := localBackend(t)
	project := filepath.Join(tmp, "project")
	if err := os.MkdirAll(project, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(project, "Pulumi.yaml"), []byte("name: checktest\nruntime: go\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	names := []string{"a", "b"}
	program := func(ctx *pulumi.Context) error {
		for _, n := range names {
			var c struct{ pulumi.ResourceState }
			if err := ctx.RegisterComponentResource("checktest:index:Thing", n, &c); err != nil {
				return err
			}
		}
		return nil
	}
	missing := &autoEngine{stackName: "nosuchstack", root: project, pulumiCLI: cli, program: program}
	if err := missing.Refresh(ctx, os.Stderr); !errors.Is(err, release.ErrStackNotFound) {
		t.Errorf("Refresh of a missing stack: err = %v, want release.ErrStackNotFound", err)
	}

	cmd, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: filepath.Dir(filepath.Dir(cli)), SkipVersionCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	st, err := auto.UpsertStackInlineSource(ctx, "dev", "checktest", program, auto.WorkDir(project), auto.Pulumi(cmd))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Up(ctx); err != nil {
		t.Fatal(err)
	}
	e := &autoEngine{stackName: "dev", root: project, pulumiCLI: cli, program: program}
	var progress strings.Builder
	if err := e.Refresh(ctx, &progress); err != nil {
		t.Fatalf("Refresh: %v\n%s", err, progress.String())
	}
	if changes, err := e.PreviewChanges(ctx, &progress); err != nil || len(changes) != 0 {
		t.Errorf("preview right after up: %q, %v; want no changes", changes, err)
	}
	names = []string{"a", "c"}
	changes, err := e.PreviewChanges(ctx, &progress)
	want := []string{"create urn:pulumi:dev::checktest::checktest:index:Thing::c", "delete urn:pulumi:dev::checktest::checktest:index:Thing::b"}
	if err != nil || !slices.Equal(changes, want) {
		t.Errorf("preview after renaming b to c: %q, %v; want %q", changes, err, want)
	}
}

// zeroVersionCLI is a PulumiCommand that, like the source-built CLI, reports no version.
type zeroVersionCLI struct{ auto.PulumiCommand }

func (zeroVersionCLI) Version() semver.Version { return semver.Version{} }

// The source-built CLI prints no version; its build info names the module it was built from.
func TestWithBuildVersion(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	cli := pulumiCLI(t, root)
	if v := withBuildVersion(zeroVersionCLI{}, cli).Version(); v.Major != 3 || v.Minor < 181 {
		t.Errorf("version of %s = %s, want the pinned pulumi/pkg/v3 (3.181 or later)", cli, v)
	}
	notGo := filepath.Join(t.TempDir(), "pulumi")
	if err := os.WriteFile(notGo, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if v := withBuildVersion(zeroVersionCLI{}, notGo).Version(); !v.Equals(semver.Version{}) {
		t.Errorf("a binary without Go build info got version %s, want none", v)
	}
}
