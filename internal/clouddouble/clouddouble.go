// Package clouddouble is a test double for the Pulumi engine and AWS, shared by the tests of the
// components and of the whole program. It is imported by tests only.
package clouddouble

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The account and region the double answers with unless Options say otherwise.
const (
	Account = "123456789012"
	Region  = "eu-west-1"
)

// albZones is each region's canonical hosted zone of application load balancers (for alias records).
var albZones = map[string]string{"eu-west-1": "Z32O12XQLNTSW2", "us-east-1": "Z35SXDOTRQ7X7K"}

// Options adapt the double to tests written against other fake values. The zero value is the
// double Run and RunStack use.
type Options struct {
	// Account and Region replace the package's Account and Region in ARNs, DNS names and invoke answers.
	Account, Region string
	// Autoname is appended to a resource's name for the physical name the provider would pick
	// when the inputs give none; "" means "-physical".
	Autoname string
	// Outputs sets outputs for one type token after the built-in ones (so it may override them).
	// A non-empty id it returns replaces the default physical id (name + "-id").
	Outputs map[string]OutputHook
	// Invokes, when non-nil, is the only invokes the double answers: a nil answer is the double's
	// built-in answer for that token, any other answers instead. Nil means the built-in list.
	Invokes map[string]Invoke
	// DryRun runs the program as `pulumi preview` runs it (ctx.DryRun() is true); false is `pulumi up`.
	DryRun bool
}

// OutputHook sets outputs in out for a registration; d has already recorded it.
type OutputHook func(d *Double, args pulumi.MockResourceArgs, out resource.PropertyMap) (id string)

// Invoke answers one invoke.
type Invoke func(args pulumi.MockCallArgs) (resource.PropertyMap, error)

// Double stands in for the Pulumi engine and AWS in mocks runs (pulumi.WithMocks). It records each registration with the options the
// engine would see (parent, dependencies, ignoreChanges), echoes inputs back with fake ids and
// ARNs, and answers only the three invokes the program makes (Call; any other invoke fails the run).
// Options narrow the invokes and add per-type outputs for tests that need them.
type Double struct {
	opts      Options
	stack     string
	mu        sync.Mutex
	resources []Recorded
	invokes   []string
}

// Recorded is one resource registration as the engine saw it.
type Recorded struct {
	Type, Name       string
	Inputs           resource.PropertyMap
	Parent           string
	Dependencies     []string
	IgnoreChanges    []string
	ReplaceOnChanges []string
	// DeleteBeforeReplace is the deleteBeforeReplace option as the engine receives it: nil when
	// the program left it unset (the provider's recommendation then decides), else its value.
	DeleteBeforeReplace *bool
}

func (d *Double) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	rpc := args.RegisterRPC
	var dbr *bool
	if rpc.GetDeleteBeforeReplaceDefined() {
		v := rpc.GetDeleteBeforeReplace()
		dbr = &v
	}
	d.mu.Lock()
	d.resources = append(d.resources, Recorded{
		Type: args.TypeToken, Name: args.Name, Inputs: args.Inputs,
		Parent: rpc.GetParent(), Dependencies: rpc.GetDependencies(), IgnoreChanges: rpc.GetIgnoreChanges(),
		ReplaceOnChanges: rpc.GetReplaceOnChanges(), DeleteBeforeReplace: dbr,
	})
	d.mu.Unlock()

	account, region, autoname := d.accountID(), d.regionName(), d.opts.Autoname
	if autoname == "" {
		autoname = "-physical"
	}
	out := args.Inputs.Copy()
	set := func(k string, v any) { out[resource.PropertyKey(k)] = resource.NewPropertyValue(v) }
	arn := fmt.Sprintf("arn:aws:double:%s:%s:%s", region, account, args.Name)
	set("arn", arn)
	if _, named := out["name"]; !named {
		set("name", args.Name+autoname)
	}
	switch args.TypeToken {
	case "aws:ecr/repository:Repository":
		set("repositoryUrl", fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s", account, region, args.Inputs["name"].StringValue()))
	case "aws:ec2/launchTemplate:LaunchTemplate":
		set("latestVersion", 1)
	case "aws:ecs/taskDefinition:TaskDefinition":
		set("arn", fmt.Sprintf("arn:aws:ecs:%s:%s:task-definition/%s:1", region, account, args.Inputs["family"].StringValue()))
	case "awsx:ec2:Vpc":
		azs := int(args.Inputs["numberOfAvailabilityZones"].NumberValue())
		var public, private []any
		for i := 1; i <= azs; i++ {
			public = append(public, fmt.Sprintf("subnet-public-%d", i))
			private = append(private, fmt.Sprintf("subnet-private-%d", i))
		}
		set("vpcId", "vpc-double")
		set("publicSubnetIds", public)
		set("privateSubnetIds", private)
		out["routeTableAssociations"] = resource.NewArrayProperty(nil)
	case "aws:lb/loadBalancer:LoadBalancer":
		set("dnsName", args.Name+"-123."+region+".elb.amazonaws.com")
		zone, ok := albZones[region]
		if !ok {
			return "", nil, fmt.Errorf("Double: no load balancer hosted zone known for region %s; add it to albZones", region)
		}
		set("zoneId", zone)
		set("arnSuffix", "app/"+args.Name+"/0123456789abcdef")
	case "aws:lb/targetGroup:TargetGroup":
		set("arnSuffix", "targetgroup/"+args.Name+"/0123456789abcdef")
	case "aws:s3/bucketV2:BucketV2":
		set("bucket", args.Name+"-bucket")
		set("arn", "arn:aws:s3:::"+args.Name+"-bucket")
		// The provider computes the bucket's region (Terraform AWS provider
		// internal/service/s3/bucket.go, attribute "region"); left out, a preview would see it unknown.
		set("region", region)
	case "aws:acm/certificate:Certificate":
		domain := args.Inputs["domainName"].StringValue()
		set("domainValidationOptions", []any{map[string]any{
			"domainName": domain, "resourceRecordName": "_x1." + domain + ".",
			"resourceRecordType": "CNAME", "resourceRecordValue": "_x2.acm-validations.aws.",
		}})
	case "aws:acm/certificateValidation:CertificateValidation":
		set("certificateArn", args.Inputs["certificateArn"].StringValue())
	}
	id := args.Name + "-id"
	if hook := d.opts.Outputs[args.TypeToken]; hook != nil {
		if hid := hook(d, args, out); hid != "" {
			id = hid
		}
	}
	return id, out, nil
}

func (d *Double) accountID() string {
	if d.opts.Account != "" {
		return d.opts.Account
	}
	return Account
}

func (d *Double) regionName() string {
	if d.opts.Region != "" {
		return d.opts.Region
	}
	return Region
}

func (d *Double) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	d.mu.Lock()
	d.invokes = append(d.invokes, args.Token)
	d.mu.Unlock()
	if d.opts.Invokes != nil {
		answer, allowed := d.opts.Invokes[args.Token]
		if !allowed {
			return nil, fmt.Errorf("Double: invoke %s is not in this test's list (the double answers only those Call lists)", args.Token)
		}
		if answer != nil {
			return answer(args)
		}
	}
	account, region := d.accountID(), d.regionName()
	switch args.Token {
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return resource.NewPropertyMapFromMap(map[string]any{"accountId": account, "arn": "arn:aws:iam::" + account + ":user/double", "userId": "DOUBLE", "id": account}), nil
	case "aws:index/getRegion:getRegion":
		return resource.NewPropertyMapFromMap(map[string]any{"name": region, "id": region}), nil
	case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
		return resource.NewPropertyMapFromMap(map[string]any{"userName": "AWS", "password": "double-password", "proxyEndpoint": "https://" + account + ".dkr.ecr." + region + ".amazonaws.com", "authorizationToken": "QVdTOmRvdWJsZS1wYXNzd29yZA==", "expiresAt": "2030-01-01T00:00:00Z", "id": region}), nil
	}
	return nil, fmt.Errorf("Double: invoke %s is not one the double answers: the program makes only those Call lists", args.Token)
}

// Run runs program against a fresh double as stack "test" of project webstack.
func Run(program pulumi.RunFunc) (*Double, error) {
	return RunStack("test", nil, program)
}

// RunStack runs program as stack with the given config ("project:key" -> value as the CLI
// passes it), the way `pulumi up` would.
func RunStack(stack string, config map[string]string, program pulumi.RunFunc) (*Double, error) {
	return RunWith(Options{}, stack, config, program)
}

// RunWith is RunStack against a double adapted by opts.
func RunWith(opts Options, stack string, config map[string]string, program pulumi.RunFunc) (*Double, error) {
	d := &Double{opts: opts, stack: stack}
	withConfig := func(info *pulumi.RunInfo) { info.Config, info.DryRun = config, opts.DryRun }
	err := pulumi.RunErr(program, pulumi.WithMocks("webstack", stack, d), withConfig)
	return d, err
}

// AssertRefused fails t unless err is set and contains every want, and nothing was registered
// before it: invalid arguments must be refused before any resource exists.
func (d *Double) AssertRefused(t testing.TB, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("no error, want one containing %q", want)
	}
	for _, w := range want {
		if err != nil && !strings.Contains(err.Error(), w) {
			t.Errorf("error = %v, want it to contain %q", err, w)
		}
	}
	if n := len(d.Resources()); n != 0 {
		t.Errorf("%d resources registered before the error, want none", n)
	}
}

// Resources returns every registration, in order.
func (d *Double) Resources() []Recorded {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.resources)
}

// Invokes returns the token of every invoke, in order.
func (d *Double) Invokes() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.invokes)
}

// OfType returns the registrations of one type token, in order.
func (d *Double) OfType(typ string) []Recorded {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []Recorded
	for _, r := range d.resources {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// One returns the single registration of typ, failing the test if there are none or several.
func (d *Double) One(t *testing.T, typ string) Recorded {
	t.Helper()
	rs := d.OfType(typ)
	if len(rs) != 1 {
		t.Fatalf("want exactly one %s, got %d", typ, len(rs))
	}
	return rs[0]
}

// Named returns the registration of typ called name, failing the test if there is none.
func (d *Double) Named(t *testing.T, typ, name string) Recorded {
	t.Helper()
	for _, r := range d.OfType(typ) {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no %s named %q was registered; registered: %v", typ, name, d.Names())
	return Recorded{}
}

// Names lists every registration as "type name", in order, for failure messages.
func (d *Double) Names() []string {
	var out []string
	for _, r := range d.Resources() {
		out = append(out, r.Type+" "+r.Name)
	}
	return out
}

// DependsOnType reports whether r depends on a registered resource of typ.
func (d *Double) DependsOnType(r Recorded, typ string) bool {
	return slices.ContainsFunc(r.Dependencies, func(urn string) bool { return resource.URN(urn).Type().String() == typ })
}

// Num formats a whole number property.
func Num(f float64) string { return fmt.Sprint(int(f)) }

// Path reads recorded inputs along a path of object keys (string) and array indexes (int);
// a missing step gives a null value.
func Path(m resource.PropertyMap, path ...any) resource.PropertyValue {
	v := resource.NewObjectProperty(m)
	for _, step := range path {
		switch s := step.(type) {
		case string:
			if !v.IsObject() {
				return resource.NewNullProperty()
			}
			v = v.ObjectValue()[resource.PropertyKey(s)]
		case int:
			if !v.IsArray() || s >= len(v.ArrayValue()) {
				return resource.NewNullProperty()
			}
			v = v.ArrayValue()[s]
		}
	}
	return v
}

// Strings is a recorded array of strings (nil when v is not an array).
func Strings(v resource.PropertyValue) []string {
	if !v.IsArray() {
		return nil
	}
	var out []string
	for _, e := range v.ArrayValue() {
		out = append(out, e.StringValue())
	}
	return out
}

// Str is v's string, or "" when v is absent or not a string.
func Str(v resource.PropertyValue) string {
	if v.IsString() {
		return v.StringValue()
	}
	return ""
}
