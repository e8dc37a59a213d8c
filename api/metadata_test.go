package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// newMetadataDouble stands in for the ECS task metadata endpoint v4: it answers GET /task
// with the given status and body, as the ECS agent does inside a task.
func newMetadataDouble(t *testing.T, status int, body string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/task" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// A trimmed task metadata v4 document in AWS's documented shape (Fargate).
const fargateTaskDocument = `{
  "Cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/web",
  "TaskARN": "arn:aws:ecs:us-east-1:123456789012:task/web/8f03e41243824aea923aca126495f665",
  "Family": "web", "Revision": "7", "DesiredStatus": "RUNNING", "KnownStatus": "RUNNING",
  "Limits": {"CPU": 0.25, "Memory": 512},
  "AvailabilityZone": "us-east-1c", "LaunchType": "FARGATE",
  "Containers": [{"Name": "api", "Image": "example/api:1"}]
}`

func TestLoadTaskInfo(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		want    taskInfo
		wantErr string
	}{
		{"fargate task", 200, fargateTaskDocument, taskInfo{
			TaskARN:          "arn:aws:ecs:us-east-1:123456789012:task/web/8f03e41243824aea923aca126495f665",
			Cluster:          "arn:aws:ecs:us-east-1:123456789012:cluster/web",
			AvailabilityZone: "us-east-1c"}, ""},
		{"no availability zone", 200, `{"TaskARN":"arn:t","Cluster":"c"}`, taskInfo{TaskARN: "arn:t", Cluster: "c", AvailabilityZone: "unknown"}, ""},
		{"no task arn", 200, `{"Cluster":"c"}`, taskInfo{}, "no TaskARN"},
		{"agent error", 500, `oops`, taskInfo{}, "500"},
		{"not JSON", 200, `<html>`, taskInfo{}, "invalid character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newMetadataDouble(t, tt.status, tt.body)
			got, err := loadTaskInfo(context.Background(), srv.Client(), srv.URL)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("loadTaskInfo() = %+v, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("loadTaskInfo() = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestLoadTaskInfoOutsideECS(t *testing.T) {
	got, err := loadTaskInfo(context.Background(), http.DefaultClient, "")
	if err != nil || got != localTask {
		t.Errorf("loadTaskInfo(no endpoint) = %+v, %v; want the local values", got, err)
	}
}

func TestLoadTaskInfoTimesOut(t *testing.T) {
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hang.Close()
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := loadTaskInfo(ctx, hang.Client(), hang.URL); err == nil || !strings.Contains(err.Error(), "deadline exceeded") {
		t.Errorf("loadTaskInfo(hanging endpoint) error = %v, want a deadline error", err)
	}
}
