package echo

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

// TestSimulationOnlyInTheHarnessBackend: the doubles create, update and delete only when the
// flag names the engine's own file backend and that directory holds the harness's marker.
func TestSimulationOnlyInTheHarnessBackend(t *testing.T) {
	dir := t.TempDir()
	double := Double{Package: "aws", Version: "6.83.4"}
	create := func() error {
		s := newServer(double)
		_, err := s.Create(context.Background(), &pulumirpc.CreateRequest{
			Urn: "urn:pulumi:dev::p::aws:ecs/cluster:Cluster::c", Type: "aws:ecs/cluster:Cluster",
			Properties: &structpb.Struct{Fields: map[string]*structpb.Value{"name": structpb.NewStringValue("c")}},
		})
		return err
	}
	for _, tc := range []struct {
		name, flag, backend string
		marker              bool
		want                string // "" = the create succeeds
	}{
		{"no flag", "", "file://" + dir, true, "refuses to create"},
		{"another backend", dir, "https://api.pulumi.com", true, "not the throwaway"},
		{"no marker", dir, "file://" + dir, false, "marker"},
		{"relative path", "state", "file://state", true, "not an absolute path"},
		{"the harness's backend", dir, "file://" + dir, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(SimulateEnv, tc.flag)
			t.Setenv("PULUMI_BACKEND_URL", tc.backend)
			os.Remove(filepath.Join(dir, SimulateMarker))
			if tc.marker {
				if err := os.WriteFile(filepath.Join(dir, SimulateMarker), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			err := create()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("create in the harness's simulation: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("create: %v, want a refusal containing %q", err, tc.want)
			}
		})
	}
}

// TestConfigureReadsTheEnginesForms: the region arrives as a typed arg and as the legacy
// "aws:config:region" variable (never "aws:region"); both reach the invokes as "aws:region".
func TestConfigureReadsTheEnginesForms(t *testing.T) {
	for name, req := range map[string]*pulumirpc.ConfigureRequest{
		"variables": {Variables: map[string]string{"aws:config:region": "eu-west-1"}},
		"args": {Args: &structpb.Struct{Fields: map[string]*structpb.Value{
			"region": structpb.NewStringValue("eu-west-1"), "skipCredentialsValidation": structpb.NewBoolValue(true)}}},
	} {
		if got := configOf("aws", req)["aws:region"]; got != "eu-west-1" {
			t.Errorf("%s: aws:region = %q, want eu-west-1", name, got)
		}
	}
}
