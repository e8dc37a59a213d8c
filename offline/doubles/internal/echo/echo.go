// Package echo is the shared core of the offline provider TEST DOUBLES under offline/doubles.
//
// A double speaks the real Pulumi provider gRPC protocol so that the real engine can preview our
// real program on a machine with no cloud account, but it calls no cloud API: Check returns the
// inputs unchanged, a preview Create or Update returns the inputs with the provider-computed
// outputs the double names marked unknown (every other missing output also resolves unknown in a
// preview), and invokes are answered from a fixed table of obviously fake values. It refuses every
// operation that would change real infrastructure, so a double can never stand in for a provider
// in `pulumi up`; only the offline harness (package offline) puts the doubles on PATH.
package echo

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// InvokeFunc answers one invoke (data source) with fixed values. config holds the provider's
// configuration variables as the engine sent them to Configure (keys like "aws:region").
type InvokeFunc func(config map[string]string, args map[string]any) (map[string]any, error)

// Double describes one provider double.
type Double struct {
	// Package is the provider's package name ("aws"), Version the real provider version it stands in for.
	Package, Version string
	// Computed lists, per resource type token, the outputs the real provider computes on create
	// (arn, id-like values, digests); a preview shows them unknown. The key "*" applies to every type.
	Computed map[string][]string
	// Invokes answers the invoke tokens the program may call; any other token is an error naming it.
	Invokes map[string]InvokeFunc
}

// Main serves the double on the port the engine expects; call it from the double's main.
func Main(d Double) error {
	return provider.Main(d.Package, func(*provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		return &server{double: d}, nil
	})
}

type server struct {
	pulumirpc.UnimplementedResourceProviderServer
	double Double

	mu     sync.RWMutex
	config map[string]string
}

func (s *server) refuse(op, urn string) error {
	return status.Errorf(codes.FailedPrecondition,
		"%s is the offline TEST DOUBLE of the %s provider: it answers previews only and refuses to %s %s; "+
			"use the real provider for `pulumi up`", s.double.Package, s.double.Package, op, urn)
}

func (s *server) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: s.double.Version}, nil
}

func (s *server) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{
		Schema: fmt.Sprintf(`{"name":%q,"version":%q}`, s.double.Package, s.double.Version),
	}, nil
}

func (s *server) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (s *server) DiffConfig(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return diff(req), nil
}

func (s *server) Configure(_ context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	s.mu.Lock()
	s.config = req.GetVariables()
	s.mu.Unlock()
	return &pulumirpc.ConfigureResponse{
		AcceptSecrets: true, SupportsPreview: true, AcceptResources: true, AcceptOutputs: true,
	}, nil
}

func (s *server) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (s *server) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return diff(req), nil
}

// diff reports a change exactly when the new inputs differ from the old ones.
func diff(req *pulumirpc.DiffRequest) *pulumirpc.DiffResponse {
	olds := req.GetOldInputs()
	if olds == nil {
		olds = req.GetOlds()
	}
	if proto.Equal(olds, req.GetNews()) {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}
	}
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_SOME}
}

func (s *server) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	if !req.GetPreview() {
		return nil, s.refuse("create", req.GetUrn())
	}
	return &pulumirpc.CreateResponse{Properties: s.withComputed(req.GetType(), req.GetProperties())}, nil
}

func (s *server) Update(_ context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	if !req.GetPreview() {
		return nil, s.refuse("update", req.GetUrn())
	}
	return &pulumirpc.UpdateResponse{Properties: s.withComputed(req.GetType(), req.GetNews())}, nil
}

// Read answers `Get` lookups of existing resources with what the program already knows: the id
// and the state it passed. No cloud API is asked.
func (s *server) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
}

func (s *server) Delete(_ context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	return nil, s.refuse("delete", req.GetUrn())
}

func (s *server) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func (s *server) Invoke(_ context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	answer, ok := s.double.Invokes[req.GetTok()]
	if !ok {
		known := make([]string, 0, len(s.double.Invokes))
		for tok := range s.double.Invokes {
			known = append(known, tok)
		}
		sort.Strings(known)
		return nil, status.Errorf(codes.Unimplemented,
			"the offline %s provider double does not answer invoke %q (it answers: %s); "+
				"add a fixed answer in offline/doubles/%s or avoid the invoke",
			s.double.Package, req.GetTok(), strings.Join(known, ", "), s.double.Package)
	}
	s.mu.RLock()
	config := s.config
	s.mu.RUnlock()
	result, err := answer(config, req.GetArgs().AsMap())
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "offline %s double, invoke %s: %v", s.double.Package, req.GetTok(), err)
	}
	ret, err := structpb.NewStruct(result)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "offline %s double, invoke %s: %v", s.double.Package, req.GetTok(), err)
	}
	return &pulumirpc.InvokeResponse{Return: ret}, nil
}

// withComputed returns the inputs plus, for each computed output the inputs do not set, the
// engine's unknown sentinel.
func (s *server) withComputed(typ string, inputs *structpb.Struct) *structpb.Struct {
	out := &structpb.Struct{Fields: map[string]*structpb.Value{}}
	for k, v := range inputs.GetFields() {
		out.Fields[k] = v
	}
	for _, key := range append(s.double.Computed["*"], s.double.Computed[typ]...) {
		if _, set := out.Fields[key]; !set {
			out.Fields[key] = structpb.NewStringValue(plugin.UnknownStringValue)
		}
	}
	return out
}
