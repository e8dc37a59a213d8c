package main

// What -check needs from the Automation API beyond a release (release.CheckEngine).

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"example.com/webstack/release"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

var _ release.CheckEngine = (*autoEngine)(nil)

// taskDefinitionType is the pulumi-aws type token of a task definition.
const taskDefinitionType = "aws:ecs/taskDefinition:TaskDefinition"

// PreviewChanges previews an update and returns the steps that change something. It runs without
// the policy pack: it changes nothing, and the release before it ran with the pack.
func (e *autoEngine) PreviewChanges(ctx context.Context, progress io.Writer) ([]string, error) {
	st, err := e.open(ctx)
	if err != nil {
		return nil, err
	}
	ch := make(chan events.EngineEvent)
	done := make(chan struct{})
	var changes []string
	go func() { changes = changedSteps(ch); close(done) }()
	_, err = st.Preview(ctx, optpreview.EventStreams(ch), optpreview.ProgressStreams(progress), optpreview.ErrorProgressStreams(progress))
	if err != nil { // ch may never close when the preview did not start: do not wait for it
		return nil, err
	}
	<-done // a finished preview has closed ch (auto: eventsServer.StreamEvents)
	return changes, nil
}

// changedSteps reads engine events until the channel closes and returns one line per step that
// changes something: "OP URN (properties)". A replacement is reported once, as "replace", with
// the properties that force it; reads of existing resources change nothing.
func changedSteps(ch <-chan events.EngineEvent) []string {
	var lines []string
	for ev := range ch {
		if ev.ResourcePreEvent == nil {
			continue
		}
		m := ev.ResourcePreEvent.Metadata
		switch m.Op {
		case apitype.OpSame, apitype.OpRead, apitype.OpRefresh, apitype.OpCreateReplacement, apitype.OpDeleteReplaced:
			continue
		}
		why := m.Diffs
		if m.Op == apitype.OpReplace && len(m.Keys) > 0 {
			why = m.Keys
		}
		line := fmt.Sprintf("%s %s", m.Op, m.URN)
		if len(why) > 0 {
			line += " (" + strings.Join(why, ", ") + ")"
		}
		lines = append(lines, line)
	}
	slices.Sort(lines)
	return lines
}

// RenderedContainerDefinitions reads the containerDefinitions the program sent for the task
// definition arn from the stack's state.
func (e *autoEngine) RenderedContainerDefinitions(ctx context.Context, arn string) (string, error) {
	st, err := e.open(ctx)
	if err != nil {
		return "", err
	}
	dep, err := st.Export(ctx)
	if err != nil {
		return "", fmt.Errorf("pulumi stack export: %w", err)
	}
	return containerDefinitionsFromState(dep, arn)
}

// containerDefinitionsFromState finds the task definition whose arn output is arn and returns its
// containerDefinitions input: the JSON the program rendered, before ECS saw it.
func containerDefinitionsFromState(dep apitype.UntypedDeployment, arn string) (string, error) {
	var state apitype.DeploymentV3
	if err := json.Unmarshal(dep.Deployment, &state); err != nil {
		return "", fmt.Errorf("reading the stack's state: %w", err)
	}
	var found []string
	for _, r := range state.Resources {
		if string(r.Type) != taskDefinitionType || r.Delete {
			continue
		}
		found = append(found, fmt.Sprint(r.Outputs["arn"]))
		if r.Outputs["arn"] != arn {
			continue
		}
		switch v := r.Inputs["containerDefinitions"].(type) {
		case string:
			return v, nil
		case map[string]any: // a secret: the state holds only its ciphertext
			return "", fmt.Errorf("the containerDefinitions of %s are a secret in the stack's state, so they cannot be compared", arn)
		default:
			return "", fmt.Errorf("the task definition %s in the stack's state has no containerDefinitions input", arn)
		}
	}
	return "", fmt.Errorf("no %s with arn %s in the stack's state (task definitions there: %v): run `pulumi refresh` and retry",
		taskDefinitionType, arn, found)
}
