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
	// Simulation is the double's behaviour in the harness's simulated up (see SimulateEnv); nil
	// means the defaults described on Simulation.
	Simulation *Simulation
}

// Main serves the double on the port the engine expects; call it from the double's main.
func Main(d Double) error {
	return provider.Main(d.Package, func(*provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		return newServer(d), nil
	})
}

func newServer(d Double) *server {
	s := &server{double: d}
	dir, err := simulationDir()
	switch {
	case err != nil:
		s.simErr = err
	case dir != "":
		s.store = &Store{path: StorePath(dir, d.Package)}
		if s.double.Simulation == nil {
			s.double.Simulation = &Simulation{}
		}
	}
	return s
}

type server struct {
	pulumirpc.UnimplementedResourceProviderServer
	double Double
	// store is set in a valid simulated up; simErr says why a requested simulation was refused.
	store  *Store
	simErr error

	mu     sync.RWMutex
	config map[string]string
}

func (s *server) simulating() bool { return s.store != nil }

func (s *server) refuse(op, urn string) error {
	if s.simErr != nil {
		return status.Errorf(codes.FailedPrecondition, "%s double refuses to %s %s: %v", s.double.Package, op, urn, s.simErr)
	}
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
	s.config = configOf(s.double.Package, req)
	if s.store != nil {
		s.store.Config = s.config
	}
	s.mu.Unlock()
	return &pulumirpc.ConfigureResponse{
		AcceptSecrets: true, SupportsPreview: true, AcceptResources: true, AcceptOutputs: true,
	}, nil
}

// configOf is the provider configuration as "<pkg>:<key>" strings, from both forms the engine
// sends to Configure: the typed args (a struct of the provider's inputs, e.g. region), which
// win, and the legacy variables, keyed "<pkg>:config:<key>" (pulumi sdk proto provider.proto,
// ConfigureRequest: "variables ... keys are of the form <package>:config:<name>"). Objects and
// lists are kept as JSON text.
func configOf(pkg string, req *pulumirpc.ConfigureRequest) map[string]string {
	config := map[string]string{}
	//lint:ignore SA1019 the engine still sends the legacy variables beside the typed args (pkg/resource/plugin/provider_plugin.go, Configure)
	for k, v := range req.GetVariables() {
		if p, name, ok := strings.Cut(k, ":config:"); ok {
			k = p + ":" + name
		}
		config[k] = v
	}
	for k, v := range req.GetArgs().GetFields() {
		switch x := v.GetKind().(type) {
		case *structpb.Value_StringValue:
			config[pkg+":"+k] = x.StringValue
		case *structpb.Value_NullValue:
		default:
			if text, err := v.MarshalJSON(); err == nil {
				config[pkg+":"+k] = string(text)
			}
		}
	}
	return config
}

func (s *server) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	if !s.simulating() || s.double.Simulation.Check == nil {
		return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
	}
	inputs, err := s.double.Simulation.Check(s.store, req.GetUrn(), req.GetType(), req.GetOlds().AsMap(), req.GetNews().AsMap())
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "%s double: %v", s.double.Package, err)
	}
	out, err := structpb.NewStruct(inputs)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "%s double: %v", s.double.Package, err)
	}
	return &pulumirpc.CheckResponse{Inputs: out}, nil
}

func (s *server) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	if !s.simulating() || s.double.Simulation.Diff == nil {
		return diff(req), nil
	}
	d, err := s.double.Simulation.Diff(s.store, req.GetType(), req.GetOldInputs().AsMap(), req.GetOlds().AsMap(), req.GetNews().AsMap())
	if err != nil {
		return nil, status.Errorf(codes.FailedPrecondition, "%s double, diff of %s: %v", s.double.Package, req.GetUrn(), err)
	}
	resp := &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}
	if len(d.Changed) > 0 || len(d.Replaces) > 0 {
		resp.Changes = pulumirpc.DiffResponse_DIFF_SOME
		resp.Diffs, resp.Replaces, resp.DeleteBeforeReplace = d.Changed, d.Replaces, d.DeleteBeforeReplace
	}
	return resp, nil
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
	if req.GetPreview() {
		return &pulumirpc.CreateResponse{Properties: s.withComputed(req.GetType(), req.GetProperties())}, nil
	}
	if !s.simulating() {
		return nil, s.refuse("create", req.GetUrn())
	}
	inputs := req.GetProperties().AsMap()
	id, outputs := "sim-"+RandomHex(12), inputs
	if f := s.double.Simulation.Create; f != nil {
		var err error
		if id, outputs, err = f(s.store, req.GetUrn(), req.GetType(), inputs); err != nil {
			return nil, status.Errorf(codes.FailedPrecondition, "%s double, simulated create of %s: %v", s.double.Package, req.GetUrn(), err)
		}
	}
	props, err := structpb.NewStruct(outputs)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "%s double: %v", s.double.Package, err)
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, nil
}

func (s *server) Update(_ context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	if req.GetPreview() && s.simulating() {
		// The planned state of an update keeps the computed outputs it had (a Terraform SDKv2
		// provider's plan keeps prior computed values unless the provider marks them new);
		// UnknownOnUpdate names those it does.
		out := &structpb.Struct{Fields: map[string]*structpb.Value{}}
		for k, v := range req.GetOlds().GetFields() {
			if !strings.HasPrefix(k, "__") {
				out.Fields[k] = v
			}
		}
		for k, v := range req.GetNews().GetFields() {
			out.Fields[k] = v
		}
		for _, k := range s.double.Simulation.UnknownOnUpdate[req.GetType()] {
			out.Fields[k] = structpb.NewStringValue(plugin.UnknownStringValue)
		}
		return &pulumirpc.UpdateResponse{Properties: out}, nil
	}
	if req.GetPreview() {
		return &pulumirpc.UpdateResponse{Properties: s.withComputed(req.GetType(), req.GetNews())}, nil
	}
	if !s.simulating() {
		return nil, s.refuse("update", req.GetUrn())
	}
	outputs := req.GetNews().AsMap()
	if f := s.double.Simulation.Update; f != nil {
		var err error
		outputs, err = f(s.store, req.GetUrn(), req.GetType(), req.GetId(), req.GetOldInputs().AsMap(), req.GetOlds().AsMap(), outputs)
		if err != nil {
			return nil, status.Errorf(codes.FailedPrecondition, "%s double, simulated update of %s: %v", s.double.Package, req.GetUrn(), err)
		}
	}
	props, err := structpb.NewStruct(outputs)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "%s double: %v", s.double.Package, err)
	}
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

// Read answers `Get` lookups of existing resources with what the program already knows: the id
// and the state it passed. No cloud API is asked.
func (s *server) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
}

func (s *server) Delete(_ context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	if !s.simulating() {
		return nil, s.refuse("delete", req.GetUrn())
	}
	if f := s.double.Simulation.Delete; f != nil {
		if err := f(s.store, req.GetUrn(), req.GetType(), req.GetId(), req.GetProperties().AsMap()); err != nil {
			return nil, status.Errorf(codes.FailedPrecondition, "%s double, simulated delete of %s: %v", s.double.Package, req.GetUrn(), err)
		}
	}
	return &emptypb.Empty{}, nil
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
