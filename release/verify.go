package release

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
)

// task is one running task of the service.
type task struct {
	taskDefinition string
	zone           string
}

// runningTasks maps task ARN to task for the service's running tasks (both task sets under CodeDeploy).
func (d *Deployer) runningTasks(ctx context.Context, o StackOutputs) (map[string]task, error) {
	tasks := map[string]task{}
	p := ecs.NewListTasksPaginator(d.ECS, &ecs.ListTasksInput{Cluster: &o.ClusterName, ServiceName: &o.ServiceName,
		DesiredStatus: ecstypes.DesiredStatusRunning})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("ecs ListTasks %s/%s: %w", o.ClusterName, o.ServiceName, err)
		}
		for arns := range slices.Chunk(page.TaskArns, 100) { // DescribeTasks takes at most 100
			out, err := d.ECS.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: &o.ClusterName, Tasks: arns})
			if err != nil {
				return nil, fmt.Errorf("ecs DescribeTasks: %w", err)
			}
			for _, t := range out.Tasks {
				if aws.ToString(t.LastStatus) == "RUNNING" {
					tasks[aws.ToString(t.TaskArn)] = task{aws.ToString(t.TaskDefinitionArn), aws.ToString(t.AvailabilityZone)}
				}
			}
		}
	}
	return tasks, nil
}

// sampleStats is what n samples of /v1/info said about one task definition.
type sampleStats struct {
	zones     map[string]bool // zones that answered from the wanted task definition
	streak    int             // wanted answers in a row at the end
	other     int             // answers from another task definition
	errors    int
	lastError error
	version   string
}

func (d *Deployer) sample(ctx context.Context, url string, tasks map[string]task, want string, n int) sampleStats {
	st := sampleStats{zones: map[string]bool{}}
	for range n {
		info, err := d.Sampler.Info(ctx, url)
		switch {
		case err != nil:
			st.errors++
			st.lastError = err
			st.streak = 0
		case tasks[info.TaskARN].taskDefinition == want:
			// The AZ comes from ECS (DescribeTasks), not from the answer: the API reads it from the task
			// metadata endpoint v4, which has it only on Fargate platform 1.4.0+, so on EC2 capacity the
			// answer says "unknown".
			st.zones[tasks[info.TaskARN].zone] = true
			st.streak++
			st.version = info.Version
		default:
			st.other++
			st.streak = 0
		}
	}
	return st
}

// checkTestListener samples the test listener, which CodeDeploy points at the new task set before
// any production traffic moves, until VerifySamples answers in a row come from the new task
// definition. It stops at the first answer from another task definition, or as soon as more than
// MaxSampleErrors requests failed (no request is sent after that). beforeShift says whether
// CodeDeploy reported no production traffic on green yet, so the message can say so.
func (d *Deployer) checkTestListener(ctx context.Context, o StackOutputs, beforeShift bool) error {
	when := "while CodeDeploy was shifting traffic"
	if beforeShift {
		when = "before traffic shifted"
	}
	tasks, err := d.runningTasks(ctx, o)
	for err != nil {
		if err := d.retryLater(ctx, err); err != nil {
			return fmt.Errorf("test listener check %s: %w", when, err)
		}
		tasks, err = d.runningTasks(ctx, o)
	}
	streak, errs, version := 0, 0, ""
	var lastErr error
	for streak < d.Config.VerifySamples {
		info, err := d.Sampler.Info(ctx, o.TestListenerURL)
		switch {
		case ctx.Err() != nil:
			return fmt.Errorf("test listener check %s did not finish: %w", when, ctx.Err())
		case err != nil:
			errs, lastErr, streak = errs+1, err, 0
			if errs > d.Config.MaxSampleErrors {
				return fmt.Errorf("test listener check failed %s: %d requests failed (at most %d allowed), last: %v", when, errs, d.Config.MaxSampleErrors, lastErr)
			}
		case tasks[info.TaskARN].taskDefinition != o.TaskDefinitionARN:
			return fmt.Errorf("test listener check failed %s: task %s answered, which does not run %s", when, info.TaskARN, o.TaskDefinitionARN)
		default:
			streak, version = streak+1, info.Version
		}
	}
	d.sayf("  test listener %s: %d/%d answers in a row from the new task definition (version %s), %d failed requests",
		o.TestListenerURL, streak, d.Config.VerifySamples, version, errs)
	return nil
}

// verify samples the production URL until the new task definition has answered from every AZ its
// tasks run in (ECS places Fargate tasks across AZs on a best-effort basis, so the old version's AZs
// are not required), VerifySamples answers in a row come from it, /healthz is 200 and every
// registered target is healthy. Failed API reads are retried until the deadline; under blue-green
// it also polls the CodeDeploy deployment (a failure there ends verification at once) and ends
// before blue's termination. Returns the new version string.
func (d *Deployer) verify(ctx context.Context, o StackOutputs) (string, error) {
	d.sayf("==> verifying %s from every Availability Zone the new version runs in", o.URL)
	errorsSeen := 0
	answered := map[string]bool{}
	state, last := "no verification round finished", ""
	// stop reports a timeout (or interrupt) with what was still missing, whichever call it cut short.
	stop := func(err error) (string, error) {
		if ctx.Err() != nil {
			return "", fmt.Errorf("verification did not finish: %s: %w", state, ctx.Err())
		}
		return "", err
	}
	for {
		if dl := d.verifyDeadline(); !dl.IsZero() && !d.now().Before(dl) {
			return "", fmt.Errorf("verification did not finish before %s, when CodeDeploy removes the old task set (its termination wait): "+
				"rolling back while it still serves; %s", dl.Add(d.stopMargin()).UTC().Format(time.RFC3339), state)
		}
		if d.bg.id != "" {
			info, err := d.getDeployment(ctx, d.bg.id)
			if err != nil {
				if err := d.retryLater(ctx, err); err != nil {
					return stop(err)
				}
				continue
			}
			if f := endedFailure(d.bg.id, info); f != nil {
				return "", f
			}
		}
		if err := d.alarmCheck(ctx, o); err != nil {
			if errors.Is(err, errAlarm) {
				return stop(err)
			}
			if err := d.retryLater(ctx, err); err != nil {
				return stop(err)
			}
			continue
		}
		tasks, err := d.runningTasks(ctx, o)
		if err != nil {
			if err := d.retryLater(ctx, err); err != nil {
				return stop(err)
			}
			continue
		}
		zones := map[string]bool{}
		for _, t := range tasks {
			if t.taskDefinition == o.TaskDefinitionARN {
				zones[t.zone] = true
			}
		}
		st := d.sample(ctx, o.URL, tasks, o.TaskDefinitionARN, d.Config.VerifySamples)
		maps.Copy(answered, st.zones)
		errorsSeen += st.errors
		if err := d.Sampler.Health(ctx, o.URL); err != nil {
			errorsSeen++
			st.lastError = err
		}
		if ctx.Err() != nil {
			return stop(ctx.Err())
		}
		if errorsSeen > d.Config.MaxSampleErrors {
			return stop(fmt.Errorf("verification failed: %d requests to %s failed (at most %d allowed), last: %v",
				errorsSeen, o.URL, d.Config.MaxSampleErrors, st.lastError))
		}
		health, err := d.targetHealth(ctx, o)
		if err != nil {
			if err := d.retryLater(ctx, err); err != nil {
				return stop(err)
			}
			continue
		}
		missing := missingZones(zones, answered)
		state = fmt.Sprintf("the new task definition had not answered from AZs %v, %d/%d answers in a row, targets %s",
			missing, st.streak, d.Config.VerifySamples, health)
		if line := fmt.Sprintf("  %d/%d new answers in a row, AZs answered %v of %v, targets: %s",
			st.streak, d.Config.VerifySamples, slices.Sorted(maps.Keys(answered)), slices.Sorted(maps.Keys(zones)), health); line != last {
			d.sayf("%s", line)
			last = line
		}
		settled := health["healthy"] > 0 && health["unhealthy"]+health["initial"]+health["unavailable"] == 0
		if len(missing) == 0 && len(zones) > 0 && st.streak == d.Config.VerifySamples && settled {
			return st.version, nil
		}
		if err := d.sleep(ctx); err != nil {
			return stop(err)
		}
	}
}

func missingZones(want, got map[string]bool) []string {
	var missing []string
	for z := range want {
		if !got[z] {
			missing = append(missing, z)
		}
	}
	slices.Sort(missing)
	return missing
}

// targetHealth counts targets by state in the target groups the new task definition registers with.
type targetHealth map[string]int

func (h targetHealth) String() string {
	parts := []string{}
	for _, state := range slices.Sorted(maps.Keys(h)) {
		parts = append(parts, fmt.Sprintf("%d %s", h[state], state))
	}
	if len(parts) == 0 {
		return "none registered"
	}
	return strings.Join(parts, ", ")
}

func (d *Deployer) targetHealth(ctx context.Context, o StackOutputs) (targetHealth, error) {
	svc, err := d.describeService(ctx, o)
	if err != nil {
		return nil, err
	}
	lbs := svc.LoadBalancers
	for _, ts := range svc.TaskSets {
		if aws.ToString(ts.TaskDefinition) == o.TaskDefinitionARN {
			lbs = ts.LoadBalancers
		}
	}
	counts := targetHealth{}
	for _, lb := range lbs {
		out, err := d.ELB.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: lb.TargetGroupArn})
		if err != nil {
			return nil, fmt.Errorf("elbv2 DescribeTargetHealth %s: %w", aws.ToString(lb.TargetGroupArn), err)
		}
		for _, t := range out.TargetHealthDescriptions {
			if t.TargetHealth != nil {
				counts[string(t.TargetHealth.State)]++
			}
		}
	}
	return counts, nil
}

// waitServing waits until VerifySamples answers in a row come from taskDefinition; failed reads are
// retried until ctx ends.
func (d *Deployer) waitServing(ctx context.Context, o StackOutputs, taskDefinition string) error {
	d.sayf("==> waiting for %s to serve %s again", taskDefinition, o.URL)
	last := ""
	for {
		tasks, err := d.runningTasks(ctx, o)
		if err != nil {
			if err := d.retryLater(ctx, err); err != nil {
				return fmt.Errorf("waiting for %s to serve again: %w", taskDefinition, err)
			}
			continue
		}
		st := d.sample(ctx, o.URL, tasks, taskDefinition, d.Config.VerifySamples)
		if st.streak == d.Config.VerifySamples {
			return nil
		}
		if line := fmt.Sprintf("  %d/%d answers from it (%d from others, %d errors)", st.streak, d.Config.VerifySamples, st.other, st.errors); line != last {
			d.sayf("%s", line)
			last = line
		}
		if err := d.sleep(ctx); err != nil {
			return fmt.Errorf("waiting for %s to serve again: %w", taskDefinition, err)
		}
	}
}

// firingAlarms returns the alarms among names that are in ALARM, keyed by name, with the time each
// entered ALARM: StateTransitionedTimestamp, "the date and time that the alarm's StateValue most
// recently changed" (CloudWatch API reference, MetricAlarm/CompositeAlarm). StateReason and
// StateUpdatedTimestamp change while an alarm stays in ALARM, so they do not say it fired again.
func (d *Deployer) firingAlarms(ctx context.Context, names []string) (map[string]time.Time, error) {
	firing := map[string]time.Time{}
	for chunk := range slices.Chunk(names, 100) { // DescribeAlarms takes at most 100 names
		out, err := d.CloudWatch.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: chunk, StateValue: cwtypes.StateValueAlarm,
			AlarmTypes: []cwtypes.AlarmType{cwtypes.AlarmTypeMetricAlarm, cwtypes.AlarmTypeCompositeAlarm}})
		if err != nil {
			return nil, fmt.Errorf("cloudwatch DescribeAlarms: %w", err)
		}
		for _, a := range out.MetricAlarms {
			firing[aws.ToString(a.AlarmName)] = aws.ToTime(a.StateTransitionedTimestamp)
			d.alarmReasons[aws.ToString(a.AlarmName)] = aws.ToString(a.StateReason)
		}
		for _, a := range out.CompositeAlarms {
			firing[aws.ToString(a.AlarmName)] = aws.ToTime(a.StateTransitionedTimestamp)
			d.alarmReasons[aws.ToString(a.AlarmName)] = aws.ToString(a.StateReason)
		}
	}
	return firing, nil
}

var errAlarm = errors.New("alarm")

// alarmCheck fails the release when one of the stack's alarms is in ALARM and was not already, with
// the same state transition, before the release began.
func (d *Deployer) alarmCheck(ctx context.Context, o StackOutputs) error {
	firing, err := d.firingAlarms(ctx, o.AlarmNames)
	if err != nil {
		return err
	}
	var fresh []string
	for _, name := range slices.Sorted(maps.Keys(firing)) {
		if at, ok := d.alarmsBefore[name]; !ok || !at.Equal(firing[name]) {
			fresh = append(fresh, fmt.Sprintf("%s (%s)", name, d.alarmReasons[name]))
		}
	}
	if len(fresh) > 0 {
		return fmt.Errorf("%w: %s", errAlarm, strings.Join(fresh, "; "))
	}
	return nil
}
