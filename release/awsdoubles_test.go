package release

// Test doubles at the cloud boundary: httptest servers that stand in for the ECS, CodeDeploy,
// CloudWatch, ELBv2 and STS APIs (each speaking the wire protocol its AWS SDK v2 client uses), a
// stand-in for the service's load balancer URL, and a Pulumi engine double. They share one small
// simulated world so that what the deployer does (UpdateService, CreateDeployment, StopDeployment)
// changes what the service URL answers.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/encoding/cbor"
)

const (
	cluster   = "webstack-prod"
	service   = "webstack"
	tdFamily  = "arn:aws:ecs:us-east-1:123456789012:task-definition/webstack:"
	blueTG    = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/webstack-blue/1"
	greenTG   = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/webstack-green/2"
	alarmName = "webstack-prod-alb-5xx-rate"
)

var zones = []string{"us-east-1a", "us-east-1b"}

type fakeTask struct {
	arn, td, az, tg string
}

type fakeDeployment struct {
	id, td, status, rollout, reason string
	step                            int
}

type fakeCodeDeployment struct {
	id, td, status string
	step           int
	green          []string // green task ARNs
}

// world is the simulated AWS account and service shared by the doubles.
type world struct {
	mu       sync.Mutex
	strategy Strategy
	revision int
	serving  string // task definition the service was last told to run
	tasks    []*fakeTask
	taskSeq  int

	deployments []*fakeDeployment // rolling
	events      []string
	codeDeploys []*fakeCodeDeployment // blue-green
	greenWeight float64

	alarmState   string
	alarmChanged time.Time

	// knobs a test sets
	noCredentials     bool
	stackMissing      bool
	badRevisions      map[string]bool // task definitions whose /v1/info answers 500
	rolloutFails      bool            // the ECS circuit breaker fails the new deployment
	stuckRevision     string          // the rollout of this task definition never finishes
	alarmOnRevision   string          // the alarm enters ALARM once this task definition serves
	oneZoneRevision   string          // ECS places this task definition's tasks in the first AZ only
	sickRevision      string          // this task definition's /healthz answers 503
	noTerminationWait bool            // CodeDeploy removes blue as soon as traffic moved
	activeCodeDeploy  string          // a CodeDeploy deployment someone else started
	releaseTimeout    int             // the stack output releaseTimeoutSeconds

	// what the deployer did
	updateServiceTDs []string
	createdAppSpecs  []string
	stopped          []string // "id autoRollback=true"
	ups, previews    int
	rr               int
}

func td(rev int) string { return fmt.Sprintf("%s%d", tdFamily, rev) }

func version(taskDefinition string) string {
	return "v" + strings.TrimPrefix(taskDefinition, tdFamily)
}

func newWorld(s Strategy) *world {
	w := &world{strategy: s, revision: 1, serving: td(1), alarmState: "OK", badRevisions: map[string]bool{}, releaseTimeout: 900}
	tg := ""
	if s == BlueGreen {
		tg = blueTG
	}
	w.startTasks(td(1), tg)
	if s == Rolling {
		w.deployments = []*fakeDeployment{{id: "ecs-svc/1", td: td(1), status: "PRIMARY", rollout: "COMPLETED"}}
	}
	return w
}

func (w *world) startTasks(taskDefinition, tg string) []string {
	var arns []string
	placed := zones
	if taskDefinition == w.oneZoneRevision {
		placed = zones[:1]
	}
	for _, az := range placed {
		w.taskSeq++
		t := &fakeTask{arn: fmt.Sprintf("arn:aws:ecs:us-east-1:123456789012:task/%s/t%d", cluster, w.taskSeq), td: taskDefinition, az: az, tg: tg}
		w.tasks = append(w.tasks, t)
		arns = append(arns, t.arn)
		if taskDefinition == w.alarmOnRevision && w.alarmState != "ALARM" {
			w.alarmState, w.alarmChanged = "ALARM", time.Now()
		}
	}
	return arns
}

func (w *world) stopTasksExcept(taskDefinition string) {
	w.tasks = slices.DeleteFunc(w.tasks, func(t *fakeTask) bool { return t.td != taskDefinition })
}

// --- rolling: ECS deployment controller -----------------------------------------------------------

func (w *world) event(msg string) { w.events = append(w.events, msg) }

// deploy is what `pulumi up` or UpdateService does under the ECS controller: a new PRIMARY deployment.
func (w *world) deploy(taskDefinition string) {
	for _, d := range w.deployments {
		d.status = "ACTIVE"
	}
	w.deployments = append(w.deployments, &fakeDeployment{id: fmt.Sprintf("ecs-svc/%d", len(w.deployments)+1), td: taskDefinition,
		status: "PRIMARY", rollout: "IN_PROGRESS"})
	w.serving = taskDefinition
}

// advanceRolling moves the PRIMARY deployment one step; older ones only wait to be scaled in.
func (w *world) advanceRolling() {
	for _, d := range w.deployments {
		if d.status != "PRIMARY" || d.rollout != "IN_PROGRESS" || d.td == w.stuckRevision {
			continue
		}
		d.step++
		switch {
		case d.step == 1:
			w.startTasks(d.td, "")
			w.event(fmt.Sprintf("(service %s) has started 2 tasks: (task %s).", service, d.td))
		case d.step == 2 && w.rolloutFails && d.td != td(1):
			d.rollout, d.reason = "FAILED", "ECS deployment circuit breaker: tasks failed to start."
			w.stopTasksExcept(td(1))
			w.deployments = slices.DeleteFunc(w.deployments, func(x *fakeDeployment) bool { return x != d })
			w.deploy(td(1))
			w.deployments[len(w.deployments)-1].step = 1
		case d.step == 2:
			d.rollout = "COMPLETED"
			w.stopTasksExcept(d.td)
			w.deployments = []*fakeDeployment{d}
			w.event(fmt.Sprintf("(service %s) has reached a steady state.", service))
		}
	}
}

// --- blue-green: CodeDeploy ------------------------------------------------------------------------

var lifecycle = []string{"BeforeInstall", "Install", "AfterInstall", "AllowTestTraffic", "AfterAllowTestTraffic",
	"BeforeAllowTraffic", "AllowTraffic", "AfterAllowTraffic"}

// advanceCodeDeploy moves a deployment one step per GetDeployment call: green tasks up and test
// traffic (1), 10 % canary (2), all traffic on green while blue waits for termination (3), blue
// terminated (4, only without a termination wait: the tests never outlast one).
func (w *world) advanceCodeDeploy(d *fakeCodeDeployment) {
	if d.status != "InProgress" || (d.td == w.stuckRevision && d.step >= 2) || (d.step == 3 && !w.noTerminationWait) {
		return
	}
	d.step++
	switch d.step {
	case 1:
		d.green = w.startTasks(d.td, greenTG)
	case 2:
		w.greenWeight = 10
	case 3:
		w.greenWeight = 100
	case 4:
		d.status = "Succeeded"
		w.stopTasksExcept(d.td)
		for _, t := range w.tasks {
			t.tg = blueTG // the next deployment's green is the other target group; one name is enough here
		}
		w.greenWeight = 0
		w.serving = d.td
	}
}

func (d *fakeCodeDeployment) events() []map[string]any {
	var evs []map[string]any
	for i, name := range lifecycle {
		status := "Pending"
		switch {
		case d.step >= 3 || (d.step == 2 && i < 6) || (d.step == 1 && i < 5):
			status = "Succeeded"
		case d.step == 2 && i == 6:
			status = "InProgress"
		}
		evs = append(evs, map[string]any{"lifecycleEventName": name, "status": status})
	}
	return evs
}

// --- the service URL --------------------------------------------------------------------------------

// route picks the next task that the production (or test) listener sends a request to.
func (w *world) route(test bool) *fakeTask {
	var pool []*fakeTask
	for _, t := range w.tasks {
		green := t.tg == greenTG
		switch {
		case w.strategy == Rolling:
			pool = append(pool, t)
		case test && green, !test && !green && w.greenWeight < 100, !test && green && w.greenWeight > 0:
			pool = append(pool, t)
		}
	}
	if len(pool) == 0 {
		return nil
	}
	w.rr++
	return pool[w.rr%len(pool)]
}

func (w *world) serviceHandler(test bool) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/info", func(rw http.ResponseWriter, r *http.Request) {
		w.mu.Lock()
		t := w.route(test)
		w.mu.Unlock()
		if t == nil {
			http.Error(rw, "no healthy targets", http.StatusServiceUnavailable)
			return
		}
		if w.badRevisions[t.td] {
			http.Error(rw, `{"error":"boom"}`, http.StatusInternalServerError)
			return
		}
		json.NewEncoder(rw).Encode(map[string]string{"version": version(t.td), "taskArn": t.arn,
			"availabilityZone": t.az, "cluster": cluster, "requestId": "r"})
	})
	mux.HandleFunc("GET /healthz", func(rw http.ResponseWriter, r *http.Request) {
		w.mu.Lock()
		t := w.route(test)
		w.mu.Unlock()
		if t == nil || t.td == w.sickRevision {
			http.Error(rw, `{"status":"unhealthy"}`, http.StatusServiceUnavailable)
			return
		}
		io.WriteString(rw, `{"status":"ok"}`)
	})
	return mux
}

// --- AWS API doubles ------------------------------------------------------------------------------

// awsJSONDouble answers awsJson1_1 requests (ECS, CodeDeploy): the operation is in X-Amz-Target.
func awsJSONDouble(t *testing.T, w *world, handle func(op string, in map[string]any) (any, string)) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		target := r.Header.Get("X-Amz-Target")
		op := target[strings.LastIndex(target, ".")+1:]
		var in map[string]any
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			t.Errorf("%s: request body is not JSON: %v", target, err)
		}
		w.mu.Lock()
		out, errType := handle(op, in)
		w.mu.Unlock()
		rw.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if errType != "" {
			rw.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(rw).Encode(map[string]string{"__type": errType, "message": fmt.Sprintf("%s: double does not handle %s", errType, op)})
			return
		}
		json.NewEncoder(rw).Encode(out)
	})
}

// ecsAPI answers ECS; under the ECS controller each read moves the rollout on, as time would.
func (w *world) ecsAPI(op string, in map[string]any) (any, string) {
	if w.strategy == Rolling && (op == "DescribeServices" || op == "ListTasks") {
		w.advanceRolling()
	}
	switch op {
	case "DescribeServices":
		return map[string]any{"services": []any{w.describeService()}}, ""
	case "ListTasks":
		arns := []string{}
		for _, t := range w.tasks {
			arns = append(arns, t.arn)
		}
		return map[string]any{"taskArns": arns}, ""
	case "DescribeTasks":
		var tasks []any
		for _, t := range w.tasks {
			if slices.Contains(in["tasks"].([]any), any(t.arn)) {
				tasks = append(tasks, map[string]any{"taskArn": t.arn, "taskDefinitionArn": t.td, "availabilityZone": t.az, "lastStatus": "RUNNING"})
			}
		}
		return map[string]any{"tasks": tasks}, ""
	case "UpdateService":
		taskDefinition := in["taskDefinition"].(string)
		w.updateServiceTDs = append(w.updateServiceTDs, taskDefinition)
		w.deploy(taskDefinition)
		return map[string]any{"service": w.describeService()}, ""
	}
	return nil, "UnknownOperationException"
}

func (w *world) describeService() map[string]any {
	svc := map[string]any{"serviceName": service, "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/" + cluster,
		"taskDefinition": w.serving}
	var events []any
	for i, msg := range w.events {
		events = append([]any{map[string]any{"id": fmt.Sprint(i), "createdAt": float64(time.Now().Unix() + 1), "message": msg}}, events...)
	}
	svc["events"] = events
	if w.strategy == Rolling {
		svc["loadBalancers"] = []any{map[string]any{"targetGroupArn": blueTG}}
		var deps []any
		for _, d := range w.deployments {
			running := 0
			for _, t := range w.tasks {
				if t.td == d.td {
					running++
				}
			}
			deps = append(deps, map[string]any{"id": d.id, "status": d.status, "taskDefinition": d.td, "rolloutState": d.rollout,
				"rolloutStateReason": d.reason, "runningCount": running, "desiredCount": len(zones)})
		}
		svc["deployments"] = deps
		return svc
	}
	sets := []any{map[string]any{"id": "ts-blue", "status": "PRIMARY", "taskDefinition": w.serving,
		"loadBalancers": []any{map[string]any{"targetGroupArn": blueTG}}}}
	for _, d := range w.codeDeploys {
		if d.status == "InProgress" && d.step > 0 {
			sets = append(sets, map[string]any{"id": "ts-green", "status": "ACTIVE", "taskDefinition": d.td,
				"loadBalancers": []any{map[string]any{"targetGroupArn": greenTG}}})
		}
	}
	svc["taskSets"] = sets
	return svc
}

func (w *world) codeDeployAPI(op string, in map[string]any) (any, string) {
	find := func() *fakeCodeDeployment {
		for _, d := range w.codeDeploys {
			if d.id == in["deploymentId"] {
				return d
			}
		}
		return nil
	}
	switch op {
	case "ListDeployments":
		ids := []string{}
		if w.activeCodeDeploy != "" {
			ids = append(ids, w.activeCodeDeploy)
		}
		return map[string]any{"deployments": ids}, ""
	case "CreateDeployment":
		content := in["revision"].(map[string]any)["appSpecContent"].(map[string]any)["content"].(string)
		w.createdAppSpecs = append(w.createdAppSpecs, content)
		var spec struct {
			Resources []map[string]struct {
				Properties struct{ TaskDefinition string }
			}
		}
		if err := json.Unmarshal([]byte(content), &spec); err != nil || len(spec.Resources) != 1 {
			return nil, "InvalidRevisionException"
		}
		d := &fakeCodeDeployment{id: fmt.Sprintf("d-%d", len(w.codeDeploys)+1), td: spec.Resources[0]["TargetService"].Properties.TaskDefinition,
			status: "InProgress"}
		w.codeDeploys = append(w.codeDeploys, d)
		return map[string]any{"deploymentId": d.id}, ""
	case "GetDeployment":
		d := find()
		if d == nil {
			return nil, "DeploymentDoesNotExistException"
		}
		w.advanceCodeDeploy(d)
		return map[string]any{"deploymentInfo": map[string]any{"deploymentId": d.id, "status": d.status}}, ""
	case "ListDeploymentTargets":
		return map[string]any{"targetIds": []string{cluster + ":" + service}}, ""
	case "GetDeploymentTarget":
		d := find()
		running := len(d.green)
		return map[string]any{"deploymentTarget": map[string]any{"deploymentTargetType": "ECSTarget", "ecsTarget": map[string]any{
			"lifecycleEvents": d.events(),
			"taskSetsInfo": []any{
				map[string]any{"taskSetLabel": "Blue", "trafficWeight": 100 - w.greenWeight, "runningCount": 2, "desiredCount": 2},
				map[string]any{"taskSetLabel": "Green", "trafficWeight": w.greenWeight, "runningCount": running, "desiredCount": 2},
			}}}}, ""
	case "StopDeployment":
		d := find()
		w.stopped = append(w.stopped, fmt.Sprintf("%s autoRollback=%v", d.id, in["autoRollbackEnabled"]))
		if in["autoRollbackEnabled"] == true { // CodeDeploy reroutes to blue and removes green
			d.status = "Stopped"
			w.greenWeight = 0
			w.tasks = slices.DeleteFunc(w.tasks, func(t *fakeTask) bool { return slices.Contains(d.green, t.arn) })
		}
		return map[string]any{"status": "Pending"}, ""
	}
	return nil, "UnknownOperationException"
}

// cloudWatchDouble answers DescribeAlarms in Smithy RPC v2 CBOR, the protocol of this cloudwatch client.
func cloudWatchDouble(t *testing.T, w *world) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/operation/DescribeAlarms") {
			t.Errorf("cloudwatch double: unexpected %s", r.URL.Path)
		}
		body, _ := io.ReadAll(r.Body)
		v, err := cbor.Decode(body)
		if err != nil {
			t.Errorf("cloudwatch double: request is not CBOR: %v", err)
		}
		in := v.(cbor.Map)
		w.mu.Lock()
		defer w.mu.Unlock()
		alarms := cbor.List{}
		asked := in["AlarmNames"].(cbor.List)
		if slices.Contains(asked, cbor.Value(cbor.String(alarmName))) && w.alarmState == string(in["StateValue"].(cbor.String)) {
			alarms = append(alarms, cbor.Map{"AlarmName": cbor.String(alarmName), "StateValue": cbor.String(w.alarmState),
				"StateReason":           cbor.String("Threshold Crossed: 5xx rate 12% > 1%"),
				"StateUpdatedTimestamp": &cbor.Tag{ID: 1, Value: cbor.Float64(float64(w.alarmChanged.UnixMilli()) / 1000)}})
		}
		rw.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
		rw.Header().Set("Content-Type", "application/cbor")
		rw.Write(cbor.Encode(cbor.Map{"MetricAlarms": alarms}))
	})
}

// queryDouble answers AWS query-protocol requests (STS, ELBv2) with the XML handle returns.
func queryDouble(t *testing.T, w *world, handle func(action string, form map[string][]string) (status int, xml string)) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Errorf("query double: %v", err)
		}
		w.mu.Lock()
		status, body := handle(r.Form.Get("Action"), r.Form)
		w.mu.Unlock()
		rw.Header().Set("Content-Type", "text/xml")
		rw.WriteHeader(status)
		io.WriteString(rw, body)
	})
}

func (w *world) stsAPI(action string, _ map[string][]string) (int, string) {
	if w.noCredentials {
		return http.StatusForbidden, `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code>` +
			`<Message>The security token included in the request is invalid.</Message></Error><RequestId>1</RequestId></ErrorResponse>`
	}
	return http.StatusOK, `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/ci</Arn>` +
		`<UserId>AID</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`
}

func (w *world) elbAPI(action string, form map[string][]string) (int, string) {
	tg := form["TargetGroupArn"][0]
	var b strings.Builder
	for _, t := range w.tasks {
		if (w.strategy == Rolling) || t.tg == tg {
			fmt.Fprintf(&b, `<member><Target><Id>%s</Id><Port>8080</Port></Target><TargetHealth><State>healthy</State></TargetHealth></member>`, t.arn)
		}
	}
	return http.StatusOK, `<DescribeTargetHealthResponse><DescribeTargetHealthResult><TargetHealthDescriptions>` + b.String() +
		`</TargetHealthDescriptions></DescribeTargetHealthResult></DescribeTargetHealthResponse>`
}

// --- Pulumi engine double -------------------------------------------------------------------------

type engineDouble struct {
	w       *world
	prodURL string
	testURL string
}

func (e *engineDouble) outputs() map[string]any {
	o := map[string]any{"url": e.prodURL, "clusterName": cluster, "serviceName": service, "containerName": "api",
		"containerPort": float64(8080), "deploymentStrategy": string(e.w.strategy), "taskDefinitionArn": td(e.w.revision),
		"alarmNames": []any{alarmName}, "releaseTimeoutSeconds": float64(e.w.releaseTimeout)}
	if e.w.strategy == BlueGreen {
		o["codeDeployApplicationName"], o["codeDeployDeploymentGroupName"], o["testListenerUrl"] = "webstack", "webstack-dg", e.testURL
	}
	return o
}

func (e *engineDouble) Outputs(context.Context) (map[string]any, error) {
	e.w.mu.Lock()
	defer e.w.mu.Unlock()
	if e.w.stackMissing {
		return nil, fmt.Errorf("no stack named 'prod' found: %w", ErrStackNotFound)
	}
	return e.outputs(), nil
}

func (e *engineDouble) Preview(_ context.Context, progress io.Writer) error {
	e.w.mu.Lock()
	defer e.w.mu.Unlock()
	e.w.previews++
	fmt.Fprintln(progress, "~ aws:ecs/taskDefinition:TaskDefinition replace")
	return nil
}

// Up registers a new task definition revision; under the ECS controller the service moves to it.
func (e *engineDouble) Up(_ context.Context, progress io.Writer) (map[string]any, error) {
	e.w.mu.Lock()
	defer e.w.mu.Unlock()
	e.w.ups++
	e.w.revision++
	if e.w.strategy == Rolling {
		e.w.deploy(td(e.w.revision))
	}
	fmt.Fprintln(progress, "+ aws:ecs/taskDefinition:TaskDefinition created")
	return e.outputs(), nil
}

// --- wiring ---------------------------------------------------------------------------------------

// newTestDeployer starts the doubles and returns a Deployer whose real SDK clients point at them.
func newTestDeployer(t *testing.T, w *world, out io.Writer) *Deployer {
	t.Helper()
	serve := func(h http.Handler) string {
		s := httptest.NewServer(h)
		t.Cleanup(s.Close)
		return s.URL
	}
	cfg := aws.Config{Region: "us-east-1", RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDDOUBLE", SecretAccessKey: "double"}, nil
		})}
	endpoint := func(url string) *string { return aws.String(url) }
	eng := &engineDouble{w: w, prodURL: serve(w.serviceHandler(false)), testURL: serve(w.serviceHandler(true))}
	return &Deployer{
		Engine: eng,
		ECS: ecs.NewFromConfig(cfg, func(o *ecs.Options) {
			o.BaseEndpoint = endpoint(serve(awsJSONDouble(t, w, w.ecsAPI)))
		}),
		CodeDeploy: codedeploy.NewFromConfig(cfg, func(o *codedeploy.Options) {
			o.BaseEndpoint = endpoint(serve(awsJSONDouble(t, w, w.codeDeployAPI)))
		}),
		CloudWatch: cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) { o.BaseEndpoint = endpoint(serve(cloudWatchDouble(t, w))) }),
		ELB:        elbv2.NewFromConfig(cfg, func(o *elbv2.Options) { o.BaseEndpoint = endpoint(serve(queryDouble(t, w, w.elbAPI))) }),
		STS:        sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = endpoint(serve(queryDouble(t, w, w.stsAPI))) }),
		Sampler:    NewHTTPSampler(2 * time.Second),
		Out:        out,
		Config: Config{Stack: "prod", Timeout: 5 * time.Second, RollbackTimeout: 5 * time.Second, PollInterval: time.Millisecond,
			VerifySamples: 6, MaxSampleErrors: 0},
	}
}
