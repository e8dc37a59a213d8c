package release

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Info is the part of the API's GET /v1/info answer a release checks: which task (and so which task
// definition) answered, from which Availability Zone.
type Info struct {
	Version          string `json:"version"`
	TaskARN          string `json:"taskArn"`
	AvailabilityZone string `json:"availabilityZone"`
	Cluster          string `json:"cluster"`
	RequestID        string `json:"requestId"`
}

// Sampler asks a running service who is answering. HTTPSampler is the real one.
type Sampler interface {
	Info(ctx context.Context, baseURL string) (Info, error)
	Health(ctx context.Context, baseURL string) error
	// Reach wants any HTTP answer from baseURL/healthz: it tells "nothing answers from here" (a
	// firewall, a security group's CIDRs) from a service that answers with an error.
	Reach(ctx context.Context, baseURL string) error
}

// HTTPSampler samples over HTTP without keep-alive, so each sample is a fresh connection that the
// load balancer may route to any target (a reused connection would keep hitting one ALB node).
type HTTPSampler struct {
	Client *http.Client
}

// NewHTTPSampler returns a sampler whose requests time out after timeout.
func NewHTTPSampler(timeout time.Duration) *HTTPSampler {
	return &HTTPSampler{Client: &http.Client{
		Timeout:   timeout,
		Transport: &http.Transport{DisableKeepAlives: true, Proxy: http.ProxyFromEnvironment},
	}}
}

func (s *HTTPSampler) get(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	return body, nil
}

// Info GETs baseURL/v1/info.
func (s *HTTPSampler) Info(ctx context.Context, baseURL string) (Info, error) {
	url := strings.TrimRight(baseURL, "/") + "/v1/info"
	body, err := s.get(ctx, url)
	if err != nil {
		return Info{}, err
	}
	var info Info
	if err := json.Unmarshal(body, &info); err != nil {
		return Info{}, fmt.Errorf("GET %s: not JSON: %v", url, err)
	}
	if info.TaskARN == "" {
		return Info{}, fmt.Errorf("GET %s: answer names no taskArn, so the release cannot tell old from new tasks", url)
	}
	return info, nil
}

// Health GETs baseURL/healthz and wants 200.
func (s *HTTPSampler) Health(ctx context.Context, baseURL string) error {
	_, err := s.get(ctx, strings.TrimRight(baseURL, "/")+"/healthz")
	return err
}

// Reach GETs baseURL/healthz and wants an HTTP answer, whatever its status.
func (s *HTTPSampler) Reach(ctx context.Context, baseURL string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(baseURL, "/")+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := s.Client.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}
