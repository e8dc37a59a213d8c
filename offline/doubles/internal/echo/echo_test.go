package echo

import (
	"context"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

func testServer() *server {
	return &server{double: Double{
		Package: "aws", Version: "6.83.4",
		Computed: map[string][]string{"*": {"arn"}, "aws:ecr/repository:Repository": {"repositoryUrl"}},
		Invokes: map[string]InvokeFunc{
			"aws:index/getRegion:getRegion": func(config map[string]string, _ map[string]any) (map[string]any, error) {
				return map[string]any{"name": config["aws:region"]}, nil
			},
		},
	}}
}

func mustStruct(t *testing.T, m map[string]any) *structpb.Struct {
	t.Helper()
	s, err := structpb.NewStruct(m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPreviewCreateEchoesInputsWithComputedOutputsUnknown(t *testing.T) {
	s := testServer()
	inputs := mustStruct(t, map[string]any{"name": "web", "arn": "set-by-program"})
	resp, err := s.Create(context.Background(), &pulumirpc.CreateRequest{
		Type: "aws:ecr/repository:Repository", Properties: inputs, Preview: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	got := resp.GetProperties().AsMap()
	want := map[string]any{"name": "web", "arn": "set-by-program", "repositoryUrl": plugin.UnknownStringValue}
	if len(got) != len(want) {
		t.Fatalf("properties %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if resp.GetId() != "" {
		t.Errorf("preview id %q, want empty (unknown)", resp.GetId())
	}
}

func TestDoubleRefusesRealChanges(t *testing.T) {
	s := testServer()
	ctx := context.Background()
	_, createErr := s.Create(ctx, &pulumirpc.CreateRequest{Urn: "urn:x", Type: "aws:s3/bucket:Bucket"})
	_, updateErr := s.Update(ctx, &pulumirpc.UpdateRequest{Urn: "urn:x"})
	_, deleteErr := s.Delete(ctx, &pulumirpc.DeleteRequest{Urn: "urn:x"})
	for op, err := range map[string]error{"create": createErr, "update": updateErr, "delete": deleteErr} {
		if err == nil || !strings.Contains(err.Error(), "TEST DOUBLE") || !strings.Contains(err.Error(), "refuses to "+op) {
			t.Errorf("%s outside a preview: %v, want a refusal naming the double", op, err)
		}
	}
}

func TestDiffReportsChangesOnlyWhenInputsDiffer(t *testing.T) {
	s := testServer()
	old := mustStruct(t, map[string]any{"cidrBlock": "10.0.0.0/16"})
	for news, want := range map[string]pulumirpc.DiffResponse_DiffChanges{
		"10.0.0.0/16": pulumirpc.DiffResponse_DIFF_NONE,
		"10.1.0.0/16": pulumirpc.DiffResponse_DIFF_SOME,
	} {
		resp, err := s.Diff(context.Background(), &pulumirpc.DiffRequest{
			OldInputs: old, News: mustStruct(t, map[string]any{"cidrBlock": news}),
		})
		if err != nil || resp.GetChanges() != want {
			t.Errorf("diff to %s: %v %v, want %v", news, resp.GetChanges(), err, want)
		}
	}
}

func TestInvokeAnswersFromConfigAndNamesUnknownTokens(t *testing.T) {
	s := testServer()
	ctx := context.Background()
	//lint:ignore SA1019 the legacy form the engine still sends, which the double must read
	if _, err := s.Configure(ctx, &pulumirpc.ConfigureRequest{Variables: map[string]string{"aws:region": "eu-west-1"}}); err != nil {
		t.Fatal(err)
	}
	resp, err := s.Invoke(ctx, &pulumirpc.InvokeRequest{Tok: "aws:index/getRegion:getRegion", Args: mustStruct(t, nil)})
	if err != nil || resp.GetReturn().AsMap()["name"] != "eu-west-1" {
		t.Errorf("getRegion = %v, %v; want name eu-west-1 from the provider config", resp.GetReturn().AsMap(), err)
	}
	_, err = s.Invoke(ctx, &pulumirpc.InvokeRequest{Tok: "aws:iam/getPolicyDocument:getPolicyDocument", Args: mustStruct(t, nil)})
	if err == nil || !strings.Contains(err.Error(), `"aws:iam/getPolicyDocument:getPolicyDocument"`) ||
		!strings.Contains(err.Error(), "aws:index/getRegion:getRegion") {
		t.Errorf("unknown invoke: %v, want an error naming it and the invokes answered", err)
	}
}
