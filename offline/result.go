package offline

import (
	"math"
	"sort"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
)

// Result is the outcome of one preview, also the --json form.
type Result struct {
	Stack string `json:"stack"`
	// Status is "passed", "policy-violations" (a mandatory policy failed) or "error".
	Status string `json:"status"`
	// Error says why the preview failed: the failed mandatory policies, or the engine's error
	// diagnostics (program, provider or policy pack errors).
	Error string `json:"error,omitempty"`
	// Resources are the preview's resource steps, providers and the stack included.
	Resources  []Resource     `json:"resources"`
	Changes    map[string]int `json:"changes,omitempty"`
	Violations []Violation    `json:"policyViolations"`
	Timings    Timings        `json:"timings"`
	// Outputs are the stack outputs after a simulated Up.
	Outputs map[string]any `json:"outputs,omitempty"`

	errors []string
}

// Resource is one resource step of the preview, in the engine's order.
type Resource struct {
	URN  string `json:"urn"`
	Type string `json:"type"`
	Op   string `json:"op"`
	// Diffs are the changed properties of an update or replacement, ReplaceKeys those that
	// force the replacement.
	Diffs       []string `json:"diffs,omitempty"`
	ReplaceKeys []string `json:"replaceKeys,omitempty"`
	// Inputs are the resource's new inputs as the engine reports them (not in the JSON form).
	Inputs map[string]any `json:"-"`
}

// Violation is one policy finding.
type Violation struct {
	Policy           string `json:"policy"`
	Pack             string `json:"pack"`
	EnforcementLevel string `json:"enforcementLevel"`
	ResourceURN      string `json:"resourceUrn,omitempty"`
	Message          string `json:"message"`
}

// Timings split the wall time of a run, in seconds. Build (go build of the pack and doubles) and
// Setup (workspace and stack creation) run side by side and count from the start of the run;
// Preview spans the CLI's preview (engine start, plugin launches, program, policy analysis, event
// log); Program is the program function's own run time inside it.
type Timings struct {
	Build   float64 `json:"build"`
	Setup   float64 `json:"setup"`
	Preview float64 `json:"preview"`
	Program float64 `json:"program"`
	Total   float64 `json:"total"`
}

// MandatoryViolations returns the names of the mandatory policies that failed, sorted, one per policy.
func (r *Result) MandatoryViolations() []string {
	seen := map[string]bool{}
	var names []string
	for _, v := range r.Violations {
		if v.EnforcementLevel == "mandatory" && !seen[v.Policy] {
			seen[v.Policy] = true
			names = append(names, v.Policy)
		}
	}
	sort.Strings(names)
	return names
}

func since(t time.Time) float64 { return seconds(time.Since(t)) }

func seconds(d time.Duration) float64 { return math.Round(d.Seconds()*1000) / 1000 }

func (r *Result) add(e events.EngineEvent) {
	switch {
	case e.ResourcePreEvent != nil:
		m := e.ResourcePreEvent.Metadata
		res := Resource{URN: m.URN, Type: m.Type, Op: string(m.Op), Diffs: m.Diffs, ReplaceKeys: m.Keys}
		if m.New != nil {
			res.Inputs = m.New.Inputs
		}
		r.Resources = append(r.Resources, res)
	case e.PolicyEvent != nil:
		p := e.PolicyEvent
		r.Violations = append(r.Violations, Violation{
			Policy: p.PolicyName, Pack: p.PolicyPackName, EnforcementLevel: p.EnforcementLevel,
			ResourceURN: p.ResourceURN, Message: strings.TrimSpace(p.Message),
		})
	case e.DiagnosticEvent != nil && e.DiagnosticEvent.Severity == "error":
		r.errors = append(r.errors, strings.TrimSpace(e.DiagnosticEvent.Message))
	}
}
