package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// logSink collects the JSON log lines run writes to stdout, so tests can wait for events.
type logSink struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	lines []map[string]any
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf.Write(p)
	for {
		line, err := s.buf.ReadBytes('\n')
		if err != nil { // partial line: keep it for the next write
			s.buf.Write(line)
			return len(p), nil
		}
		var m map[string]any
		if json.Unmarshal(line, &m) == nil {
			s.lines = append(s.lines, m)
		}
	}
}

// waitFor returns the first log line whose msg is msg, waiting up to 10 s for it.
func (s *logSink) waitFor(t *testing.T, msg string) map[string]any {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		s.mu.Lock()
		for _, l := range s.lines {
			if l["msg"] == msg {
				s.mu.Unlock()
				return l
			}
		}
		s.mu.Unlock()
	}
	t.Fatalf("no %q log line within 10s", msg)
	return nil
}

// runningServer is run started in the background on a free port.
type runningServer struct {
	baseURL string
	port    string
	logs    *logSink
	stop    context.CancelFunc // what SIGTERM does in production
	done    chan struct{}      // closed when run returns
	err     error              // run's result, once done is closed
}

// startRun starts the real program with PORT=0 and the given environment, and returns
// once /healthz answers 200.
func startRun(t *testing.T, env map[string]string) *runningServer {
	t.Helper()
	return startRunWithStdout(t, env, func(w io.Writer) io.Writer { return w })
}

// startRunWithStdout is startRun with run's stdout passed through wrap on its way to the
// log sink, so a test can stand a misbehaving output in between.
func startRunWithStdout(t *testing.T, env map[string]string, wrap func(io.Writer) io.Writer) *runningServer {
	t.Helper()
	env["PORT"] = "0"
	ctx, cancel := context.WithCancel(context.Background())
	s := &runningServer{logs: &logSink{}, stop: cancel, done: make(chan struct{})}
	stdout := wrap(s.logs)
	go func() {
		defer close(s.done)
		s.err = run(ctx, []string{"api"}, func(k string) string { return env[k] }, stdout, io.Discard)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(20 * time.Second):
			t.Error("run did not return after cancel")
		}
	})
	addr, _ := s.logs.waitFor(t, "listening")["addr"].(string)
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("listening addr %q: %v", addr, err)
	}
	s.port, s.baseURL = port, "http://127.0.0.1:"+port
	waitHealthy(t, s.baseURL)
	return s
}

func waitHealthy(t *testing.T, baseURL string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		resp, err := http.Get(baseURL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
	}
	t.Fatalf("%s/healthz not ready within 10s", baseURL)
}

func getStatus(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestRunServesAndStops(t *testing.T) {
	s := startRun(t, map[string]string{"DRAIN_DELAY": "0s"})
	for _, path := range []string{"/readyz", "/version", "/v1/info"} {
		if got := getStatus(t, s.baseURL+path); got != 200 {
			t.Errorf("GET %s = %d, want 200", path, got)
		}
	}
	s.stop()
	<-s.done
	if s.err != nil {
		t.Errorf("run after stop = %v, want nil", s.err)
	}
	s.logs.waitFor(t, "stopped")
	// Access lines reach stdout through the batched log writer, one per request.
	s.logs.mu.Lock()
	defer s.logs.mu.Unlock()
	logged := map[string]bool{}
	for _, l := range s.logs.lines {
		if l["msg"] == "request" && l["status"] == 200.0 {
			logged[l["path"].(string)] = true
		}
	}
	for _, path := range []string{"/healthz", "/readyz", "/version", "/v1/info"} {
		if !logged[path] {
			t.Errorf("no access-log line for GET %s in:\n%v", path, s.logs.lines)
		}
	}
}

func TestRunReadsTaskMetadataAtStartup(t *testing.T) {
	double := newMetadataDouble(t, 200, fargateTaskDocument)
	s := startRun(t, map[string]string{"ECS_CONTAINER_METADATA_URI_V4": double.URL, "DRAIN_DELAY": "0s"})
	resp, err := http.Get(s.baseURL + "/v1/info")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var info infoBody
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil {
		t.Fatal(err)
	}
	if info.AvailabilityZone != "us-east-1c" || !strings.HasSuffix(info.TaskARN, "8f03e41243824aea923aca126495f665") {
		t.Errorf("/v1/info = %+v, want the double's task", info)
	}
}

func TestRunRejectsBadConfigAndArguments(t *testing.T) {
	err := run(context.Background(), []string{"api"}, func(k string) string { return map[string]string{"PORT": "http"}[k] }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "PORT") {
		t.Errorf("run(PORT=http) = %v, want an error naming PORT", err)
	}
	err = run(context.Background(), []string{"api", "serve"}, func(string) string { return "" }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "healthcheck") {
		t.Errorf("run(api serve) = %v, want a usage error", err)
	}
}

func TestHealthcheckMode(t *testing.T) {
	s := startRun(t, map[string]string{"DRAIN_DELAY": "0s"})
	env := func(k string) string { return map[string]string{"PORT": s.port}[k] }
	var out bytes.Buffer
	if err := run(context.Background(), []string{"api", "healthcheck"}, env, &out, io.Discard); err != nil {
		t.Fatalf("healthcheck against a running server = %v, want nil", err)
	}
	if !strings.Contains(out.String(), "200") {
		t.Errorf("healthcheck output %q, want the status", out.String())
	}
	s.stop()
	<-s.done
	if err := run(context.Background(), []string{"api", "healthcheck"}, env, io.Discard, io.Discard); err == nil {
		t.Error("healthcheck against a stopped server = nil, want an error")
	}
}

// TestDrainLosesNoRequests sends steady concurrent traffic and a slow upload through a
// shutdown, as a load balancer would, and counts failures: there must be none.
func TestDrainLosesNoRequests(t *testing.T) {
	const drain = 3 * time.Second
	s := startRun(t, map[string]string{"DRAIN_DELAY": drain.String(), "SHUTDOWN_TIMEOUT": "10s"})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}, Timeout: 15 * time.Second}

	var ok, failed, servedWhileDraining atomic.Int64
	var draining atomic.Bool
	stopSending := make(chan struct{})
	var workers sync.WaitGroup
	for range 8 {
		workers.Go(func() {
			for {
				select {
				case <-stopSending:
					return
				default:
				}
				resp, err := client.Get(s.baseURL + "/v1/info")
				if err != nil {
					failed.Add(1)
					t.Logf("request failed: %v", err)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					failed.Add(1)
					t.Logf("request answered %d", resp.StatusCode)
					continue
				}
				ok.Add(1)
				if draining.Load() {
					servedWhileDraining.Add(1)
				}
			}
		})
	}

	// A request still uploading its body when Shutdown starts must still get its answer.
	body, upload := io.Pipe()
	slow := make(chan *http.Response, 1)
	go func() {
		resp, err := client.Post(s.baseURL+"/v1/echo", "application/json", body)
		if err != nil {
			t.Errorf("slow request failed: %v", err)
		}
		slow <- resp
	}()
	fmt.Fprint(upload, `{"message":"still `)

	time.Sleep(100 * time.Millisecond) // some traffic before the signal
	s.stop()
	for getStatus(t, s.baseURL+"/readyz") != http.StatusServiceUnavailable {
		time.Sleep(5 * time.Millisecond)
	}
	draining.Store(true)
	if got := getStatus(t, s.baseURL+"/healthz"); got != 200 {
		t.Errorf("GET /healthz while draining = %d, want 200", got)
	}
	// The load balancer takes a moment to act on the failed readiness check.
	time.Sleep(drain / 6)
	close(stopSending)
	workers.Wait()

	s.logs.waitFor(t, "shutting down")
	select {
	case <-s.done:
		t.Fatalf("run returned %v while a request was in flight", s.err)
	default:
	}
	fmt.Fprint(upload, `here"}`)
	upload.Close()
	resp := <-slow
	if resp == nil {
		t.FailNow()
	}
	var echoed echoResponse
	if err := json.NewDecoder(resp.Body).Decode(&echoed); err != nil || resp.StatusCode != 200 || echoed.Message != "still here" {
		t.Errorf("slow request = %d %+v (%v), want 200 echoing it", resp.StatusCode, echoed, err)
	}
	resp.Body.Close()

	<-s.done
	if s.err != nil {
		t.Errorf("run = %v, want nil after a clean drain", s.err)
	}
	t.Logf("ok=%d failed=%d servedWhileDraining=%d", ok.Load(), failed.Load(), servedWhileDraining.Load())
	if failed.Load() != 0 {
		t.Errorf("%d requests failed during shutdown, want 0", failed.Load())
	}
	if servedWhileDraining.Load() == 0 {
		t.Error("no request was served after readiness turned 503; the drain delay is not serving")
	}
}
