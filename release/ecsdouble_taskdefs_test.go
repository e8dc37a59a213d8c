package release

// Test double at the cloud boundary: ECS's task definition registry (ListTaskDefinitions,
// DeregisterTaskDefinition, DescribeTaskDefinition), served beside the ECS double of
// awsdoubles_test.go, and a Refresh for its engine double. Each behaviour names its source; what
// no source backs is not modelled (unknown task definitions, other error messages, throttling).

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
)

// registry is the account's task definitions. Guarded by the world's mutex (awsJSONDouble holds it
// while a handler runs).
type registry struct {
	t      *testing.T
	status map[string]string // ARN -> ACTIVE | INACTIVE
	// stored is the containerDefinitions JSON DescribeTaskDefinition returns (what ECS stores), for
	// every revision; the tests set it.
	stored string

	pageSize       int             // results per ListTaskDefinitions page when the caller sets no maxResults
	failDeregister map[string]bool // DeregisterTaskDefinition of these answers ServerException

	listInputs   []map[string]any // every ListTaskDefinitions request
	deregistered []string         // ARNs, in call order
}

func newRegistry(t *testing.T) *registry {
	return &registry{t: t, status: map[string]string{}, failDeregister: map[string]bool{}, stored: "[]", pageSize: 100}
}

// sync registers the revisions `pulumi up` registered in the world (RegisterTaskDefinition makes a
// revision ACTIVE: ECS API reference, RegisterTaskDefinition / TaskDefinition.status).
func (r *registry) sync(w *world) {
	for rev := 1; rev <= w.revision; rev++ {
		if _, ok := r.status[td(rev)]; !ok {
			r.status[td(rev)] = "ACTIVE"
		}
	}
}

// add registers revisions 1..n of another family (arn:...:task-definition/FAMILY:N).
func (r *registry) add(family string, n int) {
	for rev := 1; rev <= n; rev++ {
		r.status[fmt.Sprintf("arn:aws:ecs:us-east-1:123456789012:task-definition/%s:%d", family, rev)] = "ACTIVE"
	}
}

// handle answers the registry's operations; ok is false for any other operation.
func (r *registry) handle(w *world, op string, in map[string]any) (out any, errType string, ok bool) {
	r.sync(w)
	switch op {
	case "ListTaskDefinitions":
		r.listInputs = append(r.listInputs, in)
		return r.list(in), "", true
	case "DeregisterTaskDefinition":
		arn, _ := in["taskDefinition"].(string)
		if _, known := r.status[arn]; !known {
			r.t.Errorf("DeregisterTaskDefinition of %q, which the double never registered", arn)
			return nil, "ClientException", true
		}
		if r.failDeregister[arn] {
			// ServerException is one of the operation's documented errors (API reference, Errors).
			return nil, "ServerException", true
		}
		// "Upon deregistration, the task definition is marked as INACTIVE" (DeregisterTaskDefinition
		// API reference). The up-to-10-minute window in which ECS still accepts it is not modelled:
		// nothing here uses a revision after deregistering it.
		r.status[arn] = "INACTIVE"
		r.deregistered = append(r.deregistered, arn)
		return map[string]any{"taskDefinition": r.describe(arn)}, "", true
	case "DescribeTaskDefinition":
		arn, _ := in["taskDefinition"].(string)
		if _, known := r.status[arn]; !known {
			r.t.Errorf("DescribeTaskDefinition of %q, which the double never registered", arn)
			return nil, "ClientException", true
		}
		// INACTIVE revisions stay describable ("INACTIVE task definitions remain discoverable in your
		// account indefinitely", DeregisterTaskDefinition API reference).
		return map[string]any{"taskDefinition": r.describe(arn)}, "", true
	}
	return nil, "", false
}

func (r *registry) describe(arn string) map[string]any {
	rev, _ := parseRevision(arn)
	var defs any = rawJSON(r.stored)
	return map[string]any{"taskDefinitionArn": arn, "family": rev.family, "revision": rev.number, "status": r.status[arn],
		"containerDefinitions": defs}
}

// rawJSON is embedded as is by encoding/json.
type rawJSON string

func (j rawJSON) MarshalJSON() ([]byte, error) { return []byte(j), nil }

// list is ListTaskDefinitions (API reference, request parameters):
//   - familyPrefix: "The full family name ... limits the listed task definitions to task definition
//     revisions that belong to that family" (matched as a whole name: getmoto/moto#2602 shows
//     `--family-prefix super-cool` listing nothing for family super-cool-task-def);
//   - status: "By default, only ACTIVE task definitions are listed";
//   - sort: ASC (default) lists "lexicographically by family name and in ascending numerical order by
//     revision"; DESC "reverses the sort order on family name and revision";
//   - maxResults 1..100; without it "up to 100 results and a nextToken value if applicable"
//     (pageSize <= 100 here); nextToken returns the rest.
func (r *registry) list(in map[string]any) map[string]any {
	status := "ACTIVE"
	if s, ok := in["status"].(string); ok {
		status = s
	}
	family, _ := in["familyPrefix"].(string)
	var revs []revision
	for arn, s := range r.status {
		rev, _ := parseRevision(arn)
		if s == status && (family == "" || rev.family == family) {
			revs = append(revs, rev)
		}
	}
	slices.SortFunc(revs, func(a, b revision) int {
		if c := strings.Compare(a.family, b.family); c != 0 {
			return c
		}
		return a.number - b.number
	})
	if in["sort"] == "DESC" {
		slices.Reverse(revs)
	}
	size := r.pageSize
	if m, ok := in["maxResults"].(float64); ok {
		size = int(m)
	}
	start := 0
	if tok, ok := in["nextToken"].(string); ok {
		start, _ = strconv.Atoi(strings.TrimPrefix(tok, "page-"))
	}
	end := min(start+size, len(revs))
	arns := []string{}
	for _, rev := range revs[start:end] {
		arns = append(arns, rev.arn)
	}
	out := map[string]any{"taskDefinitionArns": arns}
	if end < len(revs) {
		out["nextToken"] = fmt.Sprintf("page-%d", end) // opaque to the caller
	}
	return out
}

// withRegistry points the deployer's ECS client at the ECS double of awsdoubles_test.go plus reg.
func withRegistry(t *testing.T, d *Deployer, w *world, reg *registry) {
	t.Helper()
	s := httptest.NewServer(awsJSONDouble(t, w, func(op string, in map[string]any) (any, string) {
		if out, errType, ok := reg.handle(w, op, in); ok {
			return out, errType
		}
		return w.ecsAPI(op, in)
	}))
	t.Cleanup(s.Close)
	cfg := aws.Config{Region: "us-east-1", RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDDOUBLE", SecretAccessKey: "double"}, nil
		})}
	d.ECS = ecs.NewFromConfig(cfg, func(o *ecs.Options) { o.BaseEndpoint = aws.String(s.URL) })
}

// --- the engine double's refresh -------------------------------------------------------------------

// refreshes records, per world, each `pulumi refresh` and how many `pulumi up`s had run before it;
// refreshErr makes the next ones fail.
var refreshes = struct {
	sync.Mutex
	upsBefore map[*world][]int
	err       map[*world]error
}{upsBefore: map[*world][]int{}, err: map[*world]error{}}

// Refresh is `pulumi refresh`: it changes nothing in the simulated account.
func (e *engineDouble) Refresh(_ context.Context, progress io.Writer) error {
	e.w.mu.Lock()
	ups := e.w.ups
	e.w.mu.Unlock()
	refreshes.Lock()
	defer refreshes.Unlock()
	refreshes.upsBefore[e.w] = append(refreshes.upsBefore[e.w], ups)
	if err := refreshes.err[e.w]; err != nil {
		return err
	}
	fmt.Fprintln(progress, "~ aws:lb/listener:Listener refreshed")
	return nil
}

func refreshesOf(w *world) []int {
	refreshes.Lock()
	defer refreshes.Unlock()
	return slices.Clone(refreshes.upsBefore[w])
}

func failRefresh(w *world, err error) {
	refreshes.Lock()
	defer refreshes.Unlock()
	refreshes.err[w] = err
}
