package release

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // scheduled actions name IANA time zones; the machine may have no zoneinfo

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
)

// A blue-green release suspends the service's scaling, scheduled scaling included
// (autoscaling.go). A scheduled action that comes due while suspended does not run: "For
// ScheduledScalingSuspended, while a suspension is in effect, all scaling activities that involve
// scheduled actions are suspended" (Application Auto Scaling API reference, RegisterScalableTarget
// SuspendedState); no source says a skipped action runs at resume, so its MinCapacity/MaxCapacity
// (prod's 07:00 scale-up) would not apply until its next occurrence. Not suspending lets it change
// the desired count during the CodeDeploy deployment, which the ECS Developer Guide warns against
// ("Troubleshooting service auto scaling"). So the command refuses to start a blue-green release
// whose expected duration contains a scheduled action.

// scheduledActionDue is the first scheduled action of the service that runs in [from, from+span],
// and when; ok is false when none does.
func (d *Deployer) scheduledActionDue(ctx context.Context, o StackOutputs, from time.Time, span time.Duration) (name string, at time.Time, ok bool, err error) {
	if d.AutoScaling == nil {
		return "", time.Time{}, false, nil
	}
	in := &applicationautoscaling.DescribeScheduledActionsInput{ServiceNamespace: aastypes.ServiceNamespaceEcs,
		ResourceId: aws.String(resourceID(o)), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount}
	p := applicationautoscaling.NewDescribeScheduledActionsPaginator(d.AutoScaling, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return "", time.Time{}, false, fmt.Errorf("application-autoscaling DescribeScheduledActions %s: %w", resourceID(o), err)
		}
		for _, a := range page.ScheduledActions {
			when, found, err := nextRun(a, from, from.Add(span))
			if err != nil {
				d.sayf("warning: scheduled action %s: %v; it is not checked against the release", aws.ToString(a.ScheduledActionName), err)
				continue
			}
			if found && (!ok || when.Before(at)) {
				name, at, ok = aws.ToString(a.ScheduledActionName), when, true
			}
		}
	}
	return name, at, ok, nil
}

// refuseNearScheduledAction is the refusal when a scheduled action falls inside a blue-green
// release that would start now and take span.
func (d *Deployer) refuseNearScheduledAction(ctx context.Context, o StackOutputs, span time.Duration) error {
	if span <= 0 {
		return nil
	}
	now := d.now().UTC()
	name, at, ok, err := d.scheduledActionDue(ctx, o, now, span)
	if err != nil || !ok {
		return err
	}
	return fmt.Errorf("scheduled scaling action %s runs at %s, inside this blue-green release (expected to take %s from now): the release "+
		"suspends scaling, so the action would be skipped, and without the suspension it would change the task count during the "+
		"CodeDeploy deployment. Start the release after %s (once the action has run); nothing was changed",
		name, at.Format("15:04 MST on 2006-01-02"), span.Round(time.Minute), at.Add(time.Minute).Format("15:04 MST"))
}

// nextRun is the first time in [from, to] that action a runs, per its Schedule ("at(...)",
// "rate(...)" or "cron(...)"), Timezone (UTC when empty) and StartTime/EndTime (Application Auto
// Scaling API reference, PutScheduledAction).
func nextRun(a aastypes.ScheduledAction, from, to time.Time) (time.Time, bool, error) {
	loc := time.UTC
	if tz := aws.ToString(a.Timezone); tz != "" {
		l, err := time.LoadLocation(tz)
		if err != nil {
			return time.Time{}, false, fmt.Errorf("time zone %q: %w", tz, err)
		}
		loc = l
	}
	if a.StartTime != nil && a.StartTime.After(from) {
		from = *a.StartTime
	}
	if a.EndTime != nil && a.EndTime.Before(to) {
		to = *a.EndTime
	}
	if from.After(to) {
		return time.Time{}, false, nil
	}
	expr := aws.ToString(a.Schedule)
	switch {
	case strings.HasPrefix(expr, "at(") && strings.HasSuffix(expr, ")"):
		// "at(yyyy-mm-ddThh:mm:ss)", in the action's time zone.
		t, err := time.ParseInLocation("2006-01-02T15:04:05", expr[3:len(expr)-1], loc)
		if err != nil {
			return time.Time{}, false, fmt.Errorf("schedule %q: %w", expr, err)
		}
		return t, !t.Before(from) && !t.After(to), nil
	case strings.HasPrefix(expr, "rate(") && strings.HasSuffix(expr, ")"):
		return rateRun(expr, a, from, to)
	case strings.HasPrefix(expr, "cron(") && strings.HasSuffix(expr, ")"):
		// "If you specify a start time, Application Auto Scaling performs the action at this time,
		// and then performs the action based on the specified recurrence" (Application Auto Scaling
		// User Guide, "Schedule recurring scaling actions using Application Auto Scaling").
		if a.StartTime != nil && !a.StartTime.Before(from) && !a.StartTime.After(to) {
			return *a.StartTime, true, nil
		}
		c, err := parseCron(expr[5 : len(expr)-1])
		if err != nil {
			return time.Time{}, false, fmt.Errorf("schedule %q: %w", expr, err)
		}
		// Minute by minute: a release spans minutes to a few hours.
		for t := from.In(loc).Truncate(time.Minute); !t.After(to); t = t.Add(time.Minute) {
			if !t.Before(from) && c.matches(t) {
				return t, true, nil
			}
		}
		return time.Time{}, false, nil
	}
	return time.Time{}, false, fmt.Errorf("schedule %q is not at(...), rate(...) or cron(...)", expr)
}

// rateRun: "rate(value unit)" runs every value minutes, hours or days, counted from StartTime (the
// action runs at its start time, then by its recurrence: User Guide, as for cron), or else from
// the action's CreationTime (an assumption: no source says where the first run falls then). A
// period no longer than the window always runs inside it.
func rateRun(expr string, a aastypes.ScheduledAction, from, to time.Time) (time.Time, bool, error) {
	f := strings.Fields(expr[5 : len(expr)-1])
	if len(f) != 2 {
		return time.Time{}, false, fmt.Errorf("schedule %q: want rate(value unit)", expr)
	}
	n, err := strconv.Atoi(f[0])
	units := map[string]time.Duration{"minute": time.Minute, "minutes": time.Minute, "hour": time.Hour, "hours": time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour}
	unit, known := units[f[1]]
	if err != nil || n < 1 || !known {
		return time.Time{}, false, fmt.Errorf("schedule %q: want rate(value unit) with unit minute(s), hour(s) or day(s)", expr)
	}
	period := time.Duration(n) * unit
	anchor := aws.ToTime(a.StartTime)
	if anchor.IsZero() {
		anchor = aws.ToTime(a.CreationTime)
	}
	if anchor.IsZero() || period <= to.Sub(from) {
		return from, true, nil
	}
	next := anchor
	if next.Before(from) {
		next = anchor.Add((from.Sub(anchor) + period - 1) / period * period)
	}
	return next, !next.After(to), nil
}

// cronSpec is an Application Auto Scaling cron expression: "[Minutes] [Hours] [Day_of_Month] [Month]
// [Day_of_Week] [Year]" (Application Auto Scaling User Guide, "Schedule recurring scaling actions
// using Application Auto Scaling", which refers to the EventBridge cron reference: day-of-week 1-7 =
// SUN-SAT, wildcards , - * ? / L W #).
type cronSpec struct {
	minute, hour, dom, month, dow, year cronField
}

// cronField is the set of values a field allows; any when it allows all.
type cronField struct {
	any    bool
	values map[int]bool
}

func (f cronField) has(v int) bool { return f.any || f.values[v] }

func (c cronSpec) matches(t time.Time) bool {
	return c.minute.has(t.Minute()) && c.hour.has(t.Hour()) && c.dom.has(t.Day()) && c.month.has(int(t.Month())) &&
		c.dow.has(int(t.Weekday())+1) && c.year.has(t.Year())
}

var (
	monthNames = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}
	dayNames   = map[string]int{"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
)

func parseCron(s string) (cronSpec, error) {
	f := strings.Fields(s)
	if len(f) == 5 {
		f = append(f, "*")
	}
	if len(f) != 6 {
		return cronSpec{}, fmt.Errorf("want 6 fields (minutes hours day-of-month month day-of-week year), got %d", len(f))
	}
	var c cronSpec
	var err error
	parse := func(dst *cronField, s string, lo, hi int, names map[string]int, days bool) {
		if err == nil {
			*dst, err = parseCronField(s, lo, hi, names, days)
		}
	}
	parse(&c.minute, f[0], 0, 59, nil, false)
	parse(&c.hour, f[1], 0, 23, nil, false)
	parse(&c.dom, f[2], 1, 31, nil, true)
	parse(&c.month, f[3], 1, 12, monthNames, false)
	parse(&c.dow, f[4], 1, 7, dayNames, true)
	parse(&c.year, f[5], 1970, 2199, nil, false)
	return c, err
}

// parseCronField reads one field. In the day fields, L, W and # (last day, nearest weekday, nth
// weekday) are read as "any day": the check then refuses on every day at that time, never misses one.
func parseCronField(s string, lo, hi int, names map[string]int, days bool) (cronField, error) {
	if s == "*" || s == "?" {
		return cronField{any: true}, nil
	}
	if days && strings.ContainsAny(s, "LW#") {
		return cronField{any: true}, nil
	}
	num := func(x string) (int, error) {
		if v, ok := names[strings.ToUpper(x)]; ok {
			return v, nil
		}
		v, err := strconv.Atoi(x)
		if err != nil || v < lo || v > hi {
			return 0, fmt.Errorf("%q is not a value in %d-%d", x, lo, hi)
		}
		return v, nil
	}
	out := cronField{values: map[int]bool{}}
	for _, part := range strings.Split(s, ",") {
		base, stepText, hasStep := strings.Cut(part, "/")
		step := 1
		if hasStep {
			var err error
			if step, err = strconv.Atoi(stepText); err != nil || step < 1 {
				return cronField{}, fmt.Errorf("%q: bad step", part)
			}
		}
		first, last := lo, hi
		switch a, b, isRange := strings.Cut(base, "-"); {
		case base == "*":
		case isRange:
			var err error
			if first, err = num(a); err != nil {
				return cronField{}, err
			}
			if last, err = num(b); err != nil {
				return cronField{}, err
			}
		default:
			v, err := num(base)
			if err != nil {
				return cronField{}, err
			}
			first = v
			if !hasStep {
				last = v
			}
		}
		for v := first; v <= last; v += step {
			out.values[v] = true
		}
	}
	return out, nil
}
