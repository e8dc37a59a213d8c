package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// discardWriter is the cheapest possible http.ResponseWriter, so the benchmarks below
// measure the handler chain and not the recorder.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

// benchHandler serves one GET of path through h per iteration.
func benchHandler(b *testing.B, h http.Handler, path string) {
	r := httptest.NewRequest("GET", path, nil)
	r.Header.Set("X-Forwarded-For", "203.0.113.7")
	w := &discardWriter{h: make(http.Header)}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

// benchPaths are the paths `make bench-api` loads.
var benchPaths = []string{"/healthz", "/v1/info"}

// bareHandler is internal/benchbare's handler in-process: the same bodies, no router, no
// middleware, no logging.
func bareHandler() http.Handler {
	bodies := map[string][]byte{
		"/healthz": []byte(`{"status":"ok"}`),
		"/v1/info": []byte(`{"version":"1.2.3","taskArn":"arn:aws:ecs:us-east-1:123456789012:task/web/abc","availabilityZone":"us-east-1b","cluster":"web","requestId":"00000000000000000000000000000000"}`),
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(bodies[r.URL.Path])
	})
}

// benchLogs is the real logWriter, into io.Discard.
func benchLogs(b *testing.B) *logWriter {
	logs := newLogWriter(io.Discard)
	b.Cleanup(func() { logs.Close() })
	return logs
}

// BenchmarkHandlerBare and BenchmarkHandlerFull are the in-process counterpart of `make
// bench-api`: the whole NewServer chain (request id, access log on, security headers,
// recovery, routes) against the bare handler. Their ns/op ratio, from the same run, is the
// middleware's cost without the network (`make bench-api` prints it).
func BenchmarkHandlerBare(b *testing.B) {
	h := bareHandler()
	for _, path := range benchPaths {
		b.Run(path[1:], func(b *testing.B) { benchHandler(b, h, path) })
	}
}

func BenchmarkHandlerFull(b *testing.B) {
	var draining atomic.Bool
	logs := benchLogs(b)
	h := NewServer(slog.New(slog.NewJSONHandler(logs, nil)), logs, testBuild, testTask, &draining)
	for _, path := range benchPaths {
		b.Run(path[1:], func(b *testing.B) { benchHandler(b, h, path) })
	}
}

// BenchmarkMiddleware prices each layer alone around the bare handler, to show where the
// full chain's cost goes.
func BenchmarkMiddleware(b *testing.B) {
	logs := benchLogs(b)
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	var draining atomic.Bool
	bare := bareHandler()
	mux := http.NewServeMux()
	addRoutes(mux, testBuild, testTask, &draining)
	for _, c := range []struct {
		name string
		h    http.Handler
	}{
		{"mux", mux},
		{"jsonRouting", withJSONRouting(bare, bare)},
		{"drainClose", withDrainClose(&draining, bare)},
		{"recovery", withRecovery(logger, bare)},
		{"securityHeaders", withSecurityHeaders(bare)},
		{"accessLog", withAccessLog(logs, bare)},
		{"requestID", withRequestID(bare)},
	} {
		b.Run(c.name, func(b *testing.B) { benchHandler(b, c.h, "/healthz") })
	}
}

// BenchmarkLogWriter writes access-line-sized lines from every P at once (run with -cpu 1,2
// to see what sharing costs): the per-CPU batches should keep it flat as Ps are added.
func BenchmarkLogWriter(b *testing.B) {
	logs := benchLogs(b)
	line := []byte(strings.Repeat("x", 259) + "\n")
	b.SetBytes(int64(len(line)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			logs.Write(line)
		}
	})
}
