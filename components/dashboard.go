package components

import (
	"encoding/json"
	"fmt"
)

// The service's CloudWatch dashboard: its widgets and their JSON.

// dashboardWidget is one CloudWatch dashboard widget (the dashboard body's JSON shape).
type dashboardWidget struct {
	Type       string         `json:"type"`
	X          int            `json:"x"`
	Y          int            `json:"y"`
	Width      int            `json:"width"`
	Height     int            `json:"height"`
	Properties map[string]any `json:"properties"`
}

// dashboardBody is the dashboard JSON: requests, p50/p99 latency, 5xx, healthy hosts per AZ,
// CPU/memory, running tasks, and the alarms' states.
func dashboardBody(region, lb string, targetGroups []string, cluster, service string, alarmARNs []string) (string, error) {
	const alb, ecs, insights = "AWS/ApplicationELB", "AWS/ECS", "ECS/ContainerInsights"
	metric := func(namespace, name string, dims []string, opts map[string]any) []any {
		m := []any{namespace, name}
		for _, d := range dims {
			m = append(m, d)
		}
		return append(m, opts)
	}
	lbDims := []string{"LoadBalancer", lb}
	svcDims := []string{"ClusterName", cluster, "ServiceName", service}
	var perAZ []any
	for i, tg := range targetGroups {
		// SEARCH finds one series per Availability Zone the target group has targets in.
		perAZ = append(perAZ, []any{map[string]any{"id": fmt.Sprintf("e%d", i+1), "expression": fmt.Sprintf(
			`SEARCH('{%s,AvailabilityZone,LoadBalancer,TargetGroup} MetricName="HealthyHostCount" LoadBalancer="%s" TargetGroup="%s"', 'Minimum', 60)`,
			alb, lb, tg)}})
	}
	graph := func(title string, metrics []any, stat string) map[string]any {
		return map[string]any{"title": title, "view": "timeSeries", "region": region, "period": 60, "stat": stat, "metrics": metrics}
	}
	widgets := []dashboardWidget{
		{"metric", 0, 0, 12, 6, graph("Requests", []any{metric(alb, "RequestCount", lbDims, map[string]any{"label": "requests"})}, "Sum")},
		{"metric", 12, 0, 12, 6, graph("Target response time", []any{
			metric(alb, "TargetResponseTime", lbDims, map[string]any{"stat": "p50", "label": "p50"}),
			metric(alb, "TargetResponseTime", lbDims, map[string]any{"stat": "p99", "label": "p99"}),
		}, "p99")},
		{"metric", 0, 6, 12, 6, graph("5xx", []any{
			metric(alb, "HTTPCode_ELB_5XX_Count", lbDims, map[string]any{"label": "load balancer 5xx"}),
			metric(alb, "HTTPCode_Target_5XX_Count", lbDims, map[string]any{"label": "target 5xx"}),
		}, "Sum")},
		{"metric", 12, 6, 12, 6, graph("Healthy hosts per AZ", perAZ, "Minimum")},
		{"metric", 0, 12, 12, 6, graph("CPU and memory", []any{
			metric(ecs, "CPUUtilization", svcDims, map[string]any{"label": "CPU %"}),
			metric(ecs, "MemoryUtilization", svcDims, map[string]any{"label": "memory %"}),
		}, "Average")},
		{"metric", 12, 12, 12, 6, graph("Tasks", []any{
			metric(insights, "RunningTaskCount", svcDims, map[string]any{"label": "running"}),
			metric(insights, "DesiredTaskCount", svcDims, map[string]any{"label": "desired"}),
			metric(insights, "PendingTaskCount", svcDims, map[string]any{"label": "pending"}),
		}, "Average")},
		{"alarm", 0, 18, 24, 4, map[string]any{"title": "Alarms", "alarms": alarmARNs}},
	}
	b, err := json.Marshal(map[string]any{"widgets": widgets})
	return string(b), err
}
