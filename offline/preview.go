// Package offline runs a real `pulumi preview` of a stack with the policy pack on a machine with
// no cloud account and no internet.
//
// The real engine (the pinned CLI built from source into bin/pulumi) previews the real program as
// an Automation API inline program, with a file:// backend and a private PULUMI_HOME under
// .offline/ (git-ignored), copies of Pulumi.yaml and the stack's Pulumi.<stack>.yaml (so objects
// and secure values stay exactly as written), and the prebuilt policy pack binary with
// policy/config/<stack>.json. The providers are the offline TEST DOUBLES in offline/doubles, put
// first on PATH: no AWS or Docker API is called. What it proves: the program runs against the
// real engine and SDKs, every resource registers with its real inputs and dependencies, and the
// policy pack's resource and stack policies pass or fail on them. What it cannot prove: anything
// AWS decides (API validation, quotas, permissions, real ids and computed values), or the real
// awsx VPC's gateways and route tables, which the awsx double does not create.
package offline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"gopkg.in/yaml.v3"

	"example.com/webstack/offline/doubles/simflag"
)

// Options says what to preview.
type Options struct {
	// Stack is the stack name: Pulumi.<Stack>.yaml and policy/config/<Stack>.json must exist in RepoRoot.
	Stack string
	// RepoRoot is the repository root (it holds Pulumi.yaml, tools/, policy/ and offline/).
	RepoRoot string
	// Program is the Pulumi program, the same function main.go runs.
	Program pulumi.RunFunc
	// StateDir holds each stack's file:// backend and workspace, and PULUMI_HOME; default
	// RepoRoot/.offline. Runs sharing it must not preview the same stack at the same time.
	StateDir string
	// ConfigOverlay, when set, is a YAML file whose top-level config map is laid over the stack
	// file's config in the workspace copy (a test fixture, e.g. another compute type on dev); the
	// repository's files are not changed.
	ConfigOverlay string
	// Progress, when set, receives the CLI's preview output (resource tree and policy section);
	// Log receives build messages. Either may be nil.
	Progress, Log io.Writer
	// Simulate runs against the offline AWS model (internal/awsmodel): the doubles keep what
	// they "created" in the stack's throwaway file backend and answer Check and Diff as the
	// provider would, so a preview after Up shows the second `pulumi up` (docs/day2.md).
	// Without it the doubles refuse every change, as in `make preview`.
	Simulate bool
	// Up runs a simulated `pulumi up` instead of a preview; it needs Simulate.
	Up bool
}

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

var validStackName = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// Stacks lists the stacks the repository defines (its Pulumi.<stack>.yaml files).
func Stacks(root string) []string {
	files, _ := filepath.Glob(filepath.Join(root, "Pulumi.*.yaml"))
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "Pulumi."), ".yaml"))
	}
	sort.Strings(names)
	return names
}

// Check returns one clear error when the stack cannot be previewed, before anything is built.
func Check(root, stack string) error {
	if !validStackName.MatchString(stack) {
		return fmt.Errorf("stack name %q is not valid: use letters, digits, '-', '_' or '.' (stacks here: %s)",
			stack, strings.Join(Stacks(root), ", "))
	}
	if _, err := os.Stat(filepath.Join(root, "Pulumi."+stack+".yaml")); err != nil {
		return fmt.Errorf("unknown stack %q: there is no Pulumi.%s.yaml in %s (stacks here: %s); "+
			"create one with its config to preview it", stack, stack, root, strings.Join(Stacks(root), ", "))
	}
	if _, err := os.Stat(filepath.Join(root, "policy", "config", stack+".json")); err != nil {
		return fmt.Errorf("stack %q has no policy pack config: create policy/config/%s.json "+
			"(copy policy/config/dev.json and adjust it)", stack, stack)
	}
	return nil
}

// CheckOverlay reports, before anything is built, whether file can be a ConfigOverlay: a
// readable YAML document with a top-level config map.
func CheckOverlay(file string) error {
	_, err := readOverlay(file)
	return err
}

// readOverlay is the config map of an overlay file.
func readOverlay(file string) (*yaml.Node, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("config overlay: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("config overlay %s is not YAML: %w", file, err)
	}
	over := configMap(&doc)
	if over == nil {
		return nil, fmt.Errorf("config overlay %s has no top-level config map (write it as a stack file: config: {webstack:key: value})", file)
	}
	return over, nil
}

// Preview builds the tools if needed and runs the offline preview. A preview that fails, for a
// policy or any other reason, returns a Result with Status "policy-violations" or "error" and a
// nil error; the error is for a run that could not start (bad options, build failure).
func Preview(ctx context.Context, opts Options) (*Result, error) {
	start := time.Now()
	if opts.Program == nil {
		return nil, errors.New("offline.Preview: Options.Program is nil")
	}
	if opts.Up && !opts.Simulate {
		return nil, errors.New("offline: Options.Up needs Options.Simulate: the doubles change nothing outside a simulation")
	}
	if err := Check(opts.RepoRoot, opts.Stack); err != nil {
		return nil, err
	}
	log := opts.Log
	if log == nil {
		log = io.Discard
	}
	tools := toolsIn(opts.RepoRoot)
	if err := ensureCLI(ctx, tools, opts.RepoRoot, log); err != nil {
		return nil, err
	}
	res := &Result{Stack: opts.Stack}
	// The pack and doubles build while the CLI sets the stack up; the preview needs both.
	built := make(chan error, 1)
	go func() {
		err := buildPackAndDoubles(ctx, tools, opts.RepoRoot)
		res.Timings.Build = since(start)
		built <- err
	}()

	stateDir := opts.StateDir
	if stateDir == "" {
		stateDir = filepath.Join(opts.RepoRoot, ".offline")
	}
	var programNanos atomic.Int64
	program := func(ctx *pulumi.Context) error {
		programStart := time.Now()
		defer func() { programNanos.Store(int64(time.Since(programStart))) }()
		return opts.Program(ctx)
	}
	stack, err := selectStack(ctx, opts.RepoRoot, opts.Stack, program, tools, stateDir, opts.Simulate)
	res.Timings.Setup = since(start)
	if buildErr := <-built; buildErr != nil {
		return nil, buildErr
	}
	if err != nil {
		return nil, err
	}
	if opts.ConfigOverlay != "" {
		stackFile := filepath.Join(stack.Workspace().WorkDir(), "Pulumi."+opts.Stack+".yaml")
		if err := overlayConfig(stackFile, opts.ConfigOverlay); err != nil {
			return nil, err
		}
	}

	eventsCh := make(chan events.EngineEvent)
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for e := range eventsCh {
			res.add(e)
		}
	}()
	policyConfig := filepath.Join(opts.RepoRoot, "policy", "config", opts.Stack+".json")
	previewOpts := []optpreview.Option{
		optpreview.PolicyPacks(tools.PolicyPack),
		optpreview.PolicyPackConfigs(policyConfig),
		optpreview.EventStreams(eventsCh),
	}
	upOpts := []optup.Option{
		optup.PolicyPacks(tools.PolicyPack),
		optup.PolicyPackConfigs(policyConfig),
		optup.EventStreams(eventsCh),
	}
	if opts.Progress != nil {
		previewOpts = append(previewOpts, optpreview.ProgressStreams(opts.Progress), optpreview.ErrorProgressStreams(opts.Progress))
		upOpts = append(upOpts, optup.ProgressStreams(opts.Progress), optup.ErrorProgressStreams(opts.Progress))
	}
	// The inline program runs in this process; give it the repository root as working directory,
	// as `pulumi up` runs a program in its project directory (relative paths such as the Docker
	// build context resolve the same way).
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	if err := os.Chdir(opts.RepoRoot); err != nil {
		return nil, err
	}
	defer os.Chdir(wd)
	previewStart := time.Now()
	changes := map[string]int{}
	var previewErr error
	if opts.Up {
		up, err := stack.Up(ctx, upOpts...)
		previewErr = err
		if up.Summary.ResourceChanges != nil {
			for op, n := range *up.Summary.ResourceChanges {
				changes[op] = n
			}
		}
		if err == nil {
			res.Outputs = map[string]any{}
			for k, v := range up.Outputs {
				res.Outputs[k] = v.Value
			}
		}
	} else {
		preview, err := stack.Preview(ctx, previewOpts...)
		previewErr = err
		for op, n := range preview.ChangeSummary {
			changes[string(op)] = n
		}
	}
	res.Timings.Preview = since(previewStart)
	select {
	case <-collected:
	case <-time.After(10 * time.Second):
		return nil, errors.New("offline: the engine's event log did not close after the preview")
	}

	switch {
	case previewErr != nil && len(res.MandatoryViolations()) > 0:
		res.Status = "policy-violations"
		res.Error = fmt.Sprintf("mandatory policies failed: %s", strings.Join(res.MandatoryViolations(), ", "))
	case previewErr != nil:
		res.Status = "error"
		res.Error = strings.Join(res.errors, "\n")
		if res.Error == "" {
			res.Error = previewErr.Error()
		}
	default:
		res.Status = "passed"
		res.Changes = changes
	}
	res.Timings.Program = seconds(time.Duration(programNanos.Load()))
	res.Timings.Total = since(start)
	return res, nil
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

// workspaceFor makes the stack's workspace under stateDir/<stack>: a file:// backend and a work
// dir holding copies of Pulumi.yaml and Pulumi.<stack>.yaml, refreshed from the repository on
// every run (the repository's files are never written). Creating a stack costs the CLI a
// passphrase key derivation, so the stack is kept between runs, and with it the encryption salt
// the CLI wrote into the work copy when the repository's file has none.
func workspaceFor(root, stackName, stateDir string) (work, backend string, err error) {
	work, backend = filepath.Join(stateDir, stackName, "work"), filepath.Join(stateDir, stackName, "state")
	for _, dir := range []string{work, backend, filepath.Join(stateDir, "home")} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", "", err
		}
	}
	for _, name := range []string{"Pulumi.yaml", "Pulumi." + stackName + ".yaml"} {
		data, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			return "", "", err
		}
		target := filepath.Join(work, name)
		if previous, err := os.ReadFile(target); err == nil && saltLine(data) == "" && saltLine(previous) != "" {
			data = append(bytes.TrimRight(data, "\n"), []byte("\n"+saltLine(previous)+"\n")...)
		}
		if err := os.WriteFile(target, data, 0o644); err != nil {
			return "", "", err
		}
	}
	return work, backend, nil
}

// overlayConfig sets each key of the overlay file's config map in the stack file at path, values
// as written (lists and objects included).
func overlayConfig(path, overlayFile string) error {
	over, err := readOverlay(overlayFile)
	if err != nil {
		return fmt.Errorf("offline: %w", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("offline: config overlay: %w", err)
	}
	var stackDoc yaml.Node
	if err := yaml.Unmarshal(data, &stackDoc); err != nil {
		return fmt.Errorf("offline: config overlay: %s: %w", path, err)
	}
	target := configMap(&stackDoc)
	if target == nil {
		return fmt.Errorf("offline: config overlay: %s has no top-level config map", path)
	}
	for i := 0; i+1 < len(over.Content); i += 2 {
		key, value := over.Content[i], over.Content[i+1]
		replaced := false
		for j := 0; j+1 < len(target.Content); j += 2 {
			if target.Content[j].Value == key.Value {
				target.Content[j+1], replaced = value, true
			}
		}
		if !replaced {
			target.Content = append(target.Content, key, value)
		}
	}
	if data, err = yaml.Marshal(&stackDoc); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// configMap is the mapping under a document's top-level config key, or nil.
func configMap(doc *yaml.Node) *yaml.Node {
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	top := doc.Content[0]
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value == "config" && top.Content[i+1].Kind == yaml.MappingNode {
			return top.Content[i+1]
		}
	}
	return nil
}

// saltLine is the top-level encryptionsalt line of a stack file, or "".
func saltLine(stackFile []byte) string {
	for line := range strings.SplitSeq(string(stackFile), "\n") {
		if strings.HasPrefix(line, "encryptionsalt:") {
			return line
		}
	}
	return ""
}

// selectStack selects (or first creates) the stack in its workspace, with the environment that
// keeps the engine offline.
func selectStack(ctx context.Context, root, stackName string, program pulumi.RunFunc, tools Tools, stateDir string,
	simulate bool,
) (auto.Stack, error) {
	work, backend, err := workspaceFor(root, stackName, stateDir)
	if err != nil {
		return auto.Stack{}, err
	}
	passphrase := os.Getenv("PULUMI_CONFIG_PASSPHRASE")
	if passphrase == "" {
		// Only protects the offline stack's own salt; a stack file with secure values needs its
		// real passphrase in PULUMI_CONFIG_PASSPHRASE.
		passphrase = "offline-preview"
	}
	env := map[string]string{
		"PULUMI_BACKEND_URL":                       "file://" + backend,
		"PULUMI_CONFIG_PASSPHRASE":                 passphrase,
		"PULUMI_SKIP_UPDATE_CHECK":                 "1",
		"PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true",
		// The doubles are found on PATH only while ambient plugins are allowed.
		"PULUMI_IGNORE_AMBIENT_PLUGINS":               "false",
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
		"PATH": tools.DoublesDir + string(os.PathListSeparator) + os.Getenv("PATH"),
		// Set for every command of this workspace: the CLI logs under $PULUMI_HOME/logs.
		"PULUMI_HOME": filepath.Join(stateDir, "home"),
		// The flag only this harness sets: the doubles simulate only in this file backend,
		// which holds the marker (offline/doubles/simflag).
		simflag.Env: "",
	}
	if simulate {
		if err := os.WriteFile(filepath.Join(backend, simflag.Marker), []byte("offline harness simulation\n"), 0o644); err != nil {
			return auto.Stack{}, err
		}
		env[simflag.Env] = backend
	}
	cmdEnv := make([]string, 0, len(env))
	for k, v := range env {
		cmdEnv = append(cmdEnv, k+"="+v)
	}
	sort.Strings(cmdEnv)
	cli := cli{path: tools.Pulumi, env: cmdEnv}
	stack, err := auto.UpsertStackInlineSource(ctx, stackName, "", program,
		auto.WorkDir(work), auto.Pulumi(cli), auto.PulumiHome(filepath.Join(stateDir, "home")), auto.EnvVars(env))
	if err != nil {
		return stack, fmt.Errorf("offline: selecting stack %s: %w", stackName, err)
	}
	return stack, nil
}
