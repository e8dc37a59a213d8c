package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// taskInfo says which ECS task is serving: what /v1/info reports so a deploy check sampling
// through the load balancer can see versions and the spread over Availability Zones.
type taskInfo struct {
	TaskARN          string `json:"TaskARN"`
	Cluster          string `json:"Cluster"`
	AvailabilityZone string `json:"AvailabilityZone"`
}

// localTask stands in outside ECS, where there is no metadata endpoint.
var localTask = taskInfo{TaskARN: "local", Cluster: "local", AvailabilityZone: "local"}

// maxMetadataBytes bounds the task metadata document (a few KB per container in practice).
const maxMetadataBytes = 1 << 20

// loadTaskInfo reads the task metadata endpoint v4 ($ECS_CONTAINER_METADATA_URI_V4/task)
// once; the values cannot change during the task's life. ctx carries the timeout.
func loadTaskInfo(ctx context.Context, client *http.Client, metadataURI string) (taskInfo, error) {
	if metadataURI == "" {
		return localTask, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, metadataURI+"/task", nil)
	if err != nil {
		return taskInfo{}, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return taskInfo{}, fmt.Errorf("task metadata: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return taskInfo{}, fmt.Errorf("task metadata: %s answered %s", req.URL, resp.Status)
	}
	var t taskInfo
	// Not decodeJSON: the document has many fields this service does not need.
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxMetadataBytes)).Decode(&t); err != nil {
		return taskInfo{}, fmt.Errorf("task metadata from %s: %w", req.URL, err)
	}
	if t.TaskARN == "" {
		return taskInfo{}, fmt.Errorf("task metadata from %s has no TaskARN", req.URL)
	}
	// AWS documents AvailabilityZone for Fargate (platform 1.4+); say so rather than guess.
	if t.AvailabilityZone == "" {
		t.AvailabilityZone = "unknown"
	}
	return t, nil
}
