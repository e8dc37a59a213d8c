package release

// Test doubles at the cloud boundary: httptest servers that stand in for the ECS, CodeDeploy,
// CloudWatch, ELBv2, STS and Application Auto Scaling APIs (each speaking the wire protocol its AWS
// SDK v2 client uses), a stand-in for the service's load balancer URL, and a Pulumi engine double.
// They share one small simulated world so that what the deployer does (UpdateService,
// CreateDeployment, StopDeployment, RegisterScalableTarget) changes what the service URL answers.
// Each AWS behaviour modelled names its source beside it; what no source backs is not modelled.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
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
	arn                             string // its service deployment (ListServiceDeployments)
}

type fakeCodeDeployment struct {
	id, td, status string
	step           int
	green          []string // green task ARNs
	configName     string   // "" = the deployment group's (canary)
	alarmsOff      bool     // overrideAlarmConfiguration with enabled false
	watched        []string // the alarms CodeDeploy polls for it
	shiftedAt      time.Time
	errorMessage   string
	rolledBack     bool
}

// fakeClock is the deployer's clock (Deployer.Now) and CodeDeploy's: each AWS API call moves it on
// by step (about what a call and the work around it take), so termination waits of minutes pass in
// a few hundred fast polls.
type fakeClock struct {
	mu   sync.Mutex
	t    time.Time
	step time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(c.step)
	return c.t
}

func (c *fakeClock) peek() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// world is the simulated AWS account and service shared by the doubles.
type world struct {
	mu       sync.Mutex
	strategy Strategy
	revision int
	serving  string // task definition the service was last told to run
	tasks    []*fakeTask
	taskSeq  int

	deployments []*fakeDeployment // rolling: the deployments DescribeServices lists
	history     []*fakeDeployment // rolling: every service deployment (ListServiceDeployments)
	events      []string
	codeDeploys []*fakeCodeDeployment // blue-green
	greenWeight float64

	alarmState   string
	alarmChanged time.Time // StateTransitionedTimestamp
	alarmUpdated time.Time // StateUpdatedTimestamp

	clock            *fakeClock
	terminationWait  time.Duration // the deployment group's blue termination wait
	scalingSuspended map[string]bool
	registerCalls    int

	preUp      map[string]any // DescribeServices as it was before `pulumi up`
	preUpARNs  []string
	staleReads int            // ECS answers that many reads after `pulumi up` from before it (eventual consistency)
	throttle   map[string]int // operation -> ThrottlingException answers still to give

	// knobs a test sets
	noCredentials      bool
	stackMissing       bool
	badRevisions       map[string]bool // task definitions whose /v1/info answers 500
	rolloutFails       bool            // the ECS circuit breaker fails the new deployment
	stuckRevision      string          // the rollout of this task definition never finishes
	alarmOnRevision    string          // the alarm enters ALARM once this task definition serves
	oneZoneRevision    string          // ECS places this task definition's tasks in the first AZ only
	sickRevision       string          // this task definition's /healthz answers 503
	noTerminationWait  bool            // CodeDeploy removes blue as soon as traffic moved
	activeCodeDeploy   string          // a CodeDeploy deployment someone else started
	activeInWait       bool            // ... which has moved all traffic and waits to terminate blue
	releaseTimeout     int             // the stack output releaseTimeoutSeconds
	ec2Capacity        bool            // tasks on EC2: /v1/info says availabilityZone "unknown"
	upNoop             bool            // Pulumi's state already records the new revision: up changes nothing
	upFailsAfterUpdate bool            // up updates the service, then fails on a later resource
	upInterrupted      bool            // up returns because the operator interrupted it
	createRefused      string          // CreateDeployment answers this error
	failAfterShift     bool            // CodeDeploy fails the deployment once traffic moved
	initialRevision    string          // this task definition's targets stay "initial" (never healthy)
	testListenerDown   bool            // the test listener accepts no connection from here
	alarmReevaluated   bool            // each DescribeAlarms sees a new StateReason/StateUpdatedTimestamp
	throttleAfterUp    map[string]int  // armed when up returns
	scalableTarget     bool            // the service has an Application Auto Scaling target
	suspendedAtCreate  map[string]bool // the suspended state when CreateDeployment was called
	createInputs       []map[string]any
	staleAfterUp       int              // staleReads armed when up returns
	testListenerErrors int              // the test listener's first requests that answer 502
	testRequests       int              // requests the test listener received
	alarmWhenServing   string           // the alarm enters ALARM once CodeDeploy finished moving to this task definition
	exportSettings     bool             // the stack exports the service's network configuration, platform version, capacity providers
	onUp               func()           // called inside Up (a test interrupts there)
	computeType        string           // the stack output computeType ("" = not exported)
	zones              int              // the stack output OutputAvailabilityZones (0 = not exported)
	prodOnGreen        bool             // the production listener forwards to the green target group (a release ended there)
	scheduledActions   []map[string]any // the service's Application Auto Scaling scheduled actions (DescribeScheduledActions)

	// what the deployer did
	updateServiceTDs []string
	createdAppSpecs  []string
	stopped          []string // "id autoRollback=true"
	ups, previews    int
	rr               int
}

func td(rev int) string { return fmt.Sprintf("%s%d", tdFamily, rev) }

func serviceDeploymentARN(n int) string {
	return fmt.Sprintf("arn:aws:ecs:us-east-1:123456789012:service-deployment/%s/%s/sd%d", cluster, service, n)
}

func version(taskDefinition string) string {
	return "v" + strings.TrimPrefix(taskDefinition, tdFamily)
}

func newWorld(s Strategy) *world {
	w := &world{strategy: s, revision: 1, serving: td(1), alarmState: "OK", badRevisions: map[string]bool{}, releaseTimeout: 900,
		clock: &fakeClock{t: time.Now(), step: 2 * time.Second}, terminationWait: 5 * time.Minute, scalingSuspended: map[string]bool{}}
	tg := ""
	if s == BlueGreen {
		tg = blueTG
	}
	w.startTasks(td(1), tg)
	if s == Rolling {
		first := &fakeDeployment{id: "ecs-svc/1", td: td(1), status: "PRIMARY", rollout: "COMPLETED", arn: serviceDeploymentARN(1)}
		w.deployments, w.history = []*fakeDeployment{first}, []*fakeDeployment{first}
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
			w.alarmState, w.alarmChanged, w.alarmUpdated = "ALARM", time.Now(), time.Now()
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
	// Every UpdateService that needs a deployment creates a service deployment (ECS Developer Guide,
	// "View service history using Amazon ECS service deployments": "Amazon ECS automatically creates
	// a new service deployment when ... a user updates one or more service properties that require
	// a deployment").
	n := len(w.history) + 1
	dep := &fakeDeployment{id: fmt.Sprintf("ecs-svc/%d", n), td: taskDefinition, status: "PRIMARY", rollout: "IN_PROGRESS", arn: serviceDeploymentARN(n)}
	w.deployments = append(w.deployments, dep)
	w.history = append(w.history, dep)
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
			w.history = w.history[:len(w.history)-1] // the rollback is part of d's service deployment (its "rollback" field)
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
// traffic (1), 10 % canary (2: the group's configuration; CodeDeployDefault.ECSAllAtOnce skips it),
// all traffic on green while blue waits for termination (3), blue terminated once the termination
// wait has passed on the clock (4).
func (w *world) advanceCodeDeploy(d *fakeCodeDeployment) {
	if d.status != "InProgress" {
		return
	}
	// CodeDeploy stops a deployment while an alarm it polls is in ALARM ("If any of the specified
	// alarms are activated, the deployment stops, and the status is updated to Stopped": CodeDeploy
	// User Guide, "Monitoring deployments with CloudWatch alarms in CodeDeploy"), whether or not the
	// alarm already fired when the deployment started; the group's auto-rollback
	// (DEPLOYMENT_STOP_ON_ALARM) reroutes traffic to blue.
	if w.alarmState == "ALARM" && slices.Contains(d.watched, alarmName) {
		w.rollBackCodeDeploy(d, "Stopped", "alarm "+alarmName+" was activated")
		return
	}
	if d.td == w.stuckRevision && d.step >= 2 {
		return
	}
	if d.step == 3 && !w.noTerminationWait && w.clock.peek().Before(d.shiftedAt.Add(w.terminationWait)) {
		return // blue waits for termination (the group's terminationWaitTimeInMinutes)
	}
	d.step++
	if d.step == 2 && d.configName == "CodeDeployDefault.ECSAllAtOnce" {
		d.step = 3 // "Shifts all traffic to the updated Amazon ECS container at once" (ECS Developer Guide, CodeDeploy blue/green)
	}
	switch d.step {
	case 1:
		d.green = w.startTasks(d.td, greenTG)
	case 2:
		w.greenWeight = 10
	case 3:
		w.greenWeight = 100
		d.shiftedAt = w.clock.peek()
	case 4:
		d.status = "Succeeded"
		if d.td == w.alarmWhenServing {
			w.alarmState, w.alarmChanged, w.alarmUpdated = "ALARM", time.Now(), time.Now()
		}
		w.stopTasksExcept(d.td)
		for _, t := range w.tasks {
			t.tg = blueTG // the next deployment's green is the other target group; one name is enough here
		}
		w.greenWeight = 0
		w.serving = d.td
	}
}

// timePasses is what happens in CodeDeploy while the clock runs, whoever is asking: with
// failAfterShift a deployment fails 10 s after its traffic moved (CodeDeploy rolls it back).
func (w *world) timePasses() {
	w.clock.Now()
	for _, d := range w.codeDeploys {
		if w.failAfterShift && d.status == "InProgress" && d.step == 3 && !w.clock.peek().Before(d.shiftedAt.Add(10*time.Second)) {
			w.rollBackCodeDeploy(d, "Failed", "the deployment failed after traffic moved")
		}
	}
}

// rollBackCodeDeploy is CodeDeploy ending a deployment and rolling it back: traffic back on blue,
// green removed; GetDeployment then names the rollback in rollbackInfo (CodeDeploy API reference,
// RollbackInfo).
func (w *world) rollBackCodeDeploy(d *fakeCodeDeployment, status, why string) {
	d.status, d.errorMessage, d.rolledBack = status, why, true
	w.greenWeight = 0
	w.tasks = slices.DeleteFunc(w.tasks, func(t *fakeTask) bool { return slices.Contains(d.green, t.arn) })
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
		flaky := false
		if test {
			w.testRequests++
			flaky = w.testRequests <= w.testListenerErrors
		}
		w.mu.Unlock()
		if flaky {
			http.Error(rw, "bad gateway", http.StatusBadGateway)
			return
		}
		if t == nil {
			http.Error(rw, "no healthy targets", http.StatusServiceUnavailable)
			return
		}
		if w.badRevisions[t.td] {
			http.Error(rw, `{"error":"boom"}`, http.StatusInternalServerError)
			return
		}
		az := t.az
		if w.ec2Capacity {
			// The API takes its AZ from the task metadata endpoint v4, which has it only for tasks on
			// Fargate platform 1.4.0+ (ECS Developer Guide, "Amazon ECS task metadata endpoint version 4
			// for tasks on Fargate"); on EC2 it answers "unknown".
			az = "unknown"
		}
		json.NewEncoder(rw).Encode(map[string]string{"version": version(t.td), "taskArn": t.arn,
			"availabilityZone": az, "cluster": cluster, "requestId": "r"})
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

// serve runs handle under the world's lock. A double that panics (on a request it was not written
// for) fails the test and the caller answers 500, instead of leaving the lock held so that every
// later call waits until the test binary's timeout (net/http recovers a handler's panic, so nothing
// else would stop the test).
func (w *world) serve(t *testing.T, request string, handle func()) (ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: the AWS double panicked: %v\n%s", request, r, debug.Stack())
			ok = false
		}
	}()
	handle()
	return true
}

// awsJSONDouble answers awsJson1_1 requests (ECS, CodeDeploy): the operation is in X-Amz-Target.
func awsJSONDouble(t *testing.T, w *world, handle func(op string, in map[string]any) (any, string)) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		target := r.Header.Get("X-Amz-Target")
		op := target[strings.LastIndex(target, ".")+1:]
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return // the client gave up (its deadline passed) while sending: nothing to answer
		}
		var in map[string]any
		if err := json.Unmarshal(body, &in); err != nil {
			t.Errorf("%s: request body is not JSON: %v", target, err)
		}
		var out any
		errType := ""
		if !w.serve(t, target, func() {
			w.timePasses() // each call is a poll's worth of time on the clock
			if w.throttle[op] > 0 {
				// "ThrottlingException: The request was denied due to request throttling. HTTP Status
				// Code: 400" (ECS and CodeDeploy API references, Common Errors).
				w.throttle[op]--
				errType = "ThrottlingException"
			} else {
				out, errType = handle(op, in)
			}
		}) {
			rw.WriteHeader(http.StatusInternalServerError)
			return
		}
		rw.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if errType != "" {
			rw.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(rw).Encode(map[string]string{"__type": errType, "message": fmt.Sprintf("%s (double, on %s)", errType, op)})
			return
		}
		json.NewEncoder(rw).Encode(out)
	})
}

// ecsAPI answers ECS; under the ECS controller each read moves the rollout on, as time would.
func (w *world) ecsAPI(op string, in map[string]any) (any, string) {
	if w.staleReads > 0 && (op == "DescribeServices" || op == "ListServiceDeployments") {
		// ECS reads are eventually consistent: right after an UpdateService a read may still show
		// the service as it was ("The Amazon ECS API follows an eventual consistency model ... the
		// result of an API command you run that affects your Amazon ECS resources might not be
		// immediately visible to all subsequent commands you run": ECS API reference, RunTask).
		w.staleReads--
		if op == "DescribeServices" {
			return map[string]any{"services": []any{w.preUp}}, ""
		}
		return w.listServiceDeployments(w.preUpARNs), ""
	}
	if w.strategy == Rolling && (op == "DescribeServices" || op == "ListTasks") {
		w.advanceRolling()
	}
	switch op {
	case "DescribeServices":
		return map[string]any{"services": []any{w.describeService()}}, ""
	case "ListServiceDeployments":
		var arns []string
		for _, d := range w.history {
			arns = append(arns, d.arn)
		}
		return w.listServiceDeployments(arns), ""
	case "DescribeServiceDeployments":
		var out []any
		for _, d := range w.history {
			if slices.Contains(in["serviceDeploymentArns"].([]any), any(d.arn)) {
				running := 0
				for _, t := range w.tasks {
					if t.td == d.td {
						running++
					}
				}
				sd := map[string]any{"serviceDeploymentArn": d.arn, "status": w.serviceDeploymentStatus(d),
					"targetServiceRevision": map[string]any{"arn": d.arn + "/revision", "requestedTaskCount": len(zones), "runningTaskCount": running}}
				if d.rollout == "FAILED" {
					sd["statusReason"] = d.reason
					sd["rollback"] = map[string]any{"reason": "circuit breaker initiated the rollback"}
				}
				out = append(out, sd)
			}
		}
		return map[string]any{"serviceDeployments": out}, ""
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

func (w *world) listServiceDeployments(arns []string) map[string]any {
	var briefs []any
	for _, a := range arns {
		var n int
		fmt.Sscanf(a[strings.LastIndex(a, "/sd")+3:], "%d", &n)
		briefs = append(briefs, map[string]any{"serviceDeploymentArn": a, "createdAt": float64(1_700_000_000 + n)})
	}
	return map[string]any{"serviceDeployments": briefs}
}

// serviceDeploymentStatus maps a rolling deployment onto the service deployment states (ECS
// Developer Guide, "View service history using Amazon ECS service deployments": IN_PROGRESS,
// SUCCESSFUL, ROLLBACK_IN_PROGRESS, ROLLBACK_SUCCESSFUL, ...). A deployment the circuit breaker
// failed is rolled back: in progress while the rollback deployment runs.
func (w *world) serviceDeploymentStatus(d *fakeDeployment) string {
	switch d.rollout {
	case "COMPLETED":
		return "SUCCESSFUL"
	case "FAILED":
		for _, x := range w.deployments {
			if x != d && x.rollout == "IN_PROGRESS" {
				return "ROLLBACK_IN_PROGRESS"
			}
		}
		return "ROLLBACK_SUCCESSFUL"
	}
	if d.status != "PRIMARY" {
		return "STOPPED" // replaced by a later deployment
	}
	return "IN_PROGRESS"
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
			if find := in; find != nil && !slices.ContainsFunc(w.codeDeploys, func(d *fakeCodeDeployment) bool { return d.id == w.activeCodeDeploy }) {
				// someone else's deployment, already in its termination wait when activeInWait is set
				step := 1
				if w.activeInWait {
					step = 3
				}
				w.codeDeploys = append(w.codeDeploys, &fakeCodeDeployment{id: w.activeCodeDeploy, td: td(1), status: "InProgress", step: step,
					shiftedAt: w.clock.peek()})
			}
		}
		return map[string]any{"deployments": ids}, ""
	case "CreateDeployment":
		w.createInputs = append(w.createInputs, in)
		if w.createRefused != "" {
			return nil, w.createRefused
		}
		content := in["revision"].(map[string]any)["appSpecContent"].(map[string]any)["content"].(string)
		w.createdAppSpecs = append(w.createdAppSpecs, content)
		var spec struct {
			Version   any `json:"version"`
			Resources []map[string]struct {
				Properties struct{ TaskDefinition string }
			}
		}
		if err := json.Unmarshal([]byte(content), &spec); err != nil || len(spec.Resources) != 1 {
			return nil, "InvalidRevisionException"
		}
		d := &fakeCodeDeployment{id: fmt.Sprintf("d-%d", len(w.codeDeploys)+1), td: spec.Resources[0]["TargetService"].Properties.TaskDefinition,
			status: "InProgress", watched: []string{alarmName}}
		// deploymentConfigName: "If not specified, the value configured in the deployment group is
		// used" (CodeDeploy API reference, CreateDeployment).
		d.configName, _ = in["deploymentConfigName"].(string)
		// overrideAlarmConfiguration replaces the group's alarms for this deployment; "enabled" is a
		// boolean whose absence is false (the SDK omits false).
		if o, ok := in["overrideAlarmConfiguration"].(map[string]any); ok {
			d.watched = nil
			if enabled, _ := o["enabled"].(bool); enabled {
				for _, a := range o["alarms"].([]any) {
					d.watched = append(d.watched, a.(map[string]any)["name"].(string))
				}
			} else {
				d.alarmsOff = true
			}
		}
		if w.suspendedAtCreate == nil {
			w.suspendedAtCreate = maps.Clone(w.scalingSuspended)
		}
		w.codeDeploys = append(w.codeDeploys, d)
		return map[string]any{"deploymentId": d.id}, ""
	case "GetDeployment":
		d := find()
		if d == nil {
			return nil, "DeploymentDoesNotExistException"
		}
		w.advanceCodeDeploy(d)
		info := map[string]any{"deploymentId": d.id, "status": d.status,
			// instanceTerminationWaitTimeStarted: "Indicates whether the wait period set for the
			// termination of instances in the original environment has started" (DeploymentInfo).
			"instanceTerminationWaitTimeStarted": d.status == "InProgress" && d.step == 3,
			"blueGreenDeploymentConfiguration": map[string]any{"terminateBlueInstancesOnDeploymentSuccess": map[string]any{
				"action": "TERMINATE", "terminationWaitTimeInMinutes": int(w.terminationWait.Minutes())}}}
		if d.configName != "" {
			info["deploymentConfigName"] = d.configName
		}
		if d.errorMessage != "" {
			info["errorInformation"] = map[string]any{"code": "ALARM_ACTIVE", "message": d.errorMessage}
		}
		if d.rolledBack {
			info["rollbackInfo"] = map[string]any{"rollbackDeploymentId": d.id + "-rollback", "rollbackMessage": "rolled back to the original task set"}
		}
		return map[string]any{"deploymentInfo": info}, ""
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
	case "GetDeploymentGroup":
		return w.getDeploymentGroup(in)
	case "StopDeployment":
		d := find()
		w.stopped = append(w.stopped, fmt.Sprintf("%s autoRollback=%v", d.id, in["autoRollbackEnabled"]))
		if d.status != "InProgress" {
			// "DeploymentAlreadyCompletedException: The deployment is already complete." (CodeDeploy
			// API reference, StopDeployment)
			return nil, "DeploymentAlreadyCompletedException"
		}
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
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return // the client gave up while sending
		}
		v, err := cbor.Decode(body)
		if err != nil {
			t.Errorf("cloudwatch double: request is not CBOR: %v", err)
		}
		alarms := cbor.List{}
		if !w.serve(t, "DescribeAlarms", func() {
			in := v.(cbor.Map)
			asked := in["AlarmNames"].(cbor.List)
			w.timePasses()
			if slices.Contains(asked, cbor.Value(cbor.String(alarmName))) && w.alarmState == string(in["StateValue"].(cbor.String)) {
				reason := "Threshold Crossed: 5xx rate 12% > 1%"
				if w.alarmReevaluated {
					// While an alarm stays in ALARM, each evaluation may update StateReason and
					// StateUpdatedTimestamp ("the last update to the value of either the StateValue or
					// EvaluationState parameters"); StateTransitionedTimestamp ("the date and time that the
					// alarm's StateValue most recently changed") stays (CloudWatch API reference, MetricAlarm).
					w.alarmUpdated = w.alarmUpdated.Add(time.Minute)
					reason = fmt.Sprintf("Threshold Crossed: 5xx rate %d%% > 1%%", 12+w.alarmUpdated.Minute()%7)
				}
				ts := func(t time.Time) *cbor.Tag {
					return &cbor.Tag{ID: 1, Value: cbor.Float64(float64(t.UnixMilli()) / 1000)}
				}
				alarms = append(alarms, cbor.Map{"AlarmName": cbor.String(alarmName), "StateValue": cbor.String(w.alarmState),
					"StateReason": cbor.String(reason), "StateUpdatedTimestamp": ts(w.alarmUpdated),
					"StateTransitionedTimestamp": ts(w.alarmChanged)})
			}
		}) {
			rw.WriteHeader(http.StatusInternalServerError)
			return
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
			return // the client gave up while sending (a body the SDK sends whole always parses)
		}
		var status int
		var body string
		if !w.serve(t, r.Form.Get("Action"), func() {
			w.timePasses()
			status, body = handle(r.Form.Get("Action"), r.Form)
		}) {
			rw.WriteHeader(http.StatusInternalServerError)
			return
		}
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
	if action == "DescribeRules" {
		return w.describeRules(form)
	}
	tg := form["TargetGroupArn"][0]
	var b strings.Builder
	for _, t := range w.tasks {
		if (w.strategy == Rolling) || t.tg == tg {
			state := "healthy"
			if t.td == w.initialRevision {
				state = "initial"
			}
			fmt.Fprintf(&b, `<member><Target><Id>%s</Id><Port>8080</Port></Target><TargetHealth><State>%s</State></TargetHealth></member>`, t.arn, state)
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
	if e.w.computeType != "" {
		o[OutputComputeType] = e.w.computeType
	}
	if e.w.zones != 0 {
		o[OutputAvailabilityZones] = float64(e.w.zones)
	}
	if e.w.exportSettings { // as the Automation API hands outputs over: JSON values
		o[OutputServiceNetwork] = map[string]any{"subnets": []any{"subnet-a", "subnet-b"}, "securityGroups": []any{"sg-svc"}, "assignPublicIp": false}
		o[OutputServicePlatformVersion] = "1.4.0"
		o[OutputServiceCapacityProviders] = []any{map[string]any{"capacityProvider": "FARGATE", "base": float64(1), "weight": float64(1)},
			map[string]any{"capacityProvider": "FARGATE_SPOT", "base": float64(0), "weight": float64(3)}}
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
	w := e.w
	w.mu.Lock()
	defer w.mu.Unlock()
	w.ups++
	if w.onUp != nil {
		w.onUp()
	}
	if w.upNoop { // the state already records the revision: nothing to change, no deployment
		fmt.Fprintln(progress, "  no changes")
		return e.outputs(), nil
	}
	w.revision++
	if w.strategy == Rolling {
		w.preUp = w.describeService()
		w.preUpARNs = nil
		for _, d := range w.history {
			w.preUpARNs = append(w.preUpARNs, d.arn)
		}
		w.deploy(td(w.revision))
		w.staleReads = w.staleAfterUp
	}
	w.throttle = maps.Clone(w.throttleAfterUp)
	fmt.Fprintln(progress, "+ aws:ecs/taskDefinition:TaskDefinition created")
	if w.upInterrupted {
		return nil, fmt.Errorf("update canceled: %w", context.Canceled)
	}
	if w.upFailsAfterUpdate {
		// A Pulumi update is not transactional: resources updated before the failure stay updated.
		return nil, errors.New("updating urn:pulumi:prod::webstack::aws:wafv2/webAcl:WebAcl::waf: WAFOptimisticLockException")
	}
	return e.outputs(), nil
}

// --- Application Auto Scaling -----------------------------------------------------------------------

// autoScalingAPI answers DescribeScalableTargets and RegisterScalableTarget for the service's target.
// RegisterScalableTarget on an existing target changes only what it names, here SuspendedState
// (Application Auto Scaling API reference, RegisterScalableTarget: "To update a scalable target,
// specify the parameter that you want to change as well as the following parameters that identify
// the scalable target ... Any parameters that you don't specify are not changed by this update
// request"; SuspendedState: each flag's "default is false").
func (w *world) autoScalingAPI(op string, in map[string]any) (any, string) {
	id := "service/" + cluster + "/" + service
	switch op {
	case "DescribeScalableTargets":
		targets := []any{}
		if w.scalableTarget {
			targets = append(targets, map[string]any{"ServiceNamespace": "ecs", "ResourceId": id, "ScalableDimension": "ecs:service:DesiredCount",
				"MinCapacity": 2, "MaxCapacity": 6, "CreationTime": 1.7e9, "RoleARN": "arn:aws:iam::123456789012:role/aas",
				"SuspendedState": map[string]any{"DynamicScalingInSuspended": w.scalingSuspended["DynamicScalingInSuspended"],
					"DynamicScalingOutSuspended": w.scalingSuspended["DynamicScalingOutSuspended"],
					"ScheduledScalingSuspended":  w.scalingSuspended["ScheduledScalingSuspended"]}})
		}
		return map[string]any{"ScalableTargets": targets}, ""
	case "RegisterScalableTarget":
		if in["ResourceId"] != id {
			return nil, "ValidationException"
		}
		w.registerCalls++
		if st, ok := in["SuspendedState"].(map[string]any); ok {
			for k, v := range st {
				w.scalingSuspended[k] = v.(bool)
			}
		}
		return map[string]any{"ScalableTargetARN": "arn:aws:application-autoscaling:us-east-1:123456789012:scalable-target/1"}, ""
	case "DescribeScheduledActions":
		return w.describeScheduledActions(in)
	}
	return nil, "UnknownOperationException"
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
	if w.testListenerDown {
		// A security group that does not admit this machine drops its packets; here the connection
		// is refused at once, the same "no HTTP answer" without the wait.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		eng.testURL = "http://" + l.Addr().String()
		l.Close()
	}
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
		AutoScaling: applicationautoscaling.NewFromConfig(cfg, func(o *applicationautoscaling.Options) {
			o.BaseEndpoint = endpoint(serve(awsJSONDouble(t, w, w.autoScalingAPI)))
		}),
		Sampler: NewHTTPSampler(2 * time.Second),
		Now:     w.clock.peek,
		Out:     out,
		Config: Config{Stack: "prod", Timeout: 5 * time.Second, RollbackTimeout: 5 * time.Second, PollInterval: time.Millisecond,
			VerifySamples: 6, MaxSampleErrors: 0},
	}
}
