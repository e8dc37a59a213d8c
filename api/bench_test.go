package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
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

// BenchmarkMiddleware reports what each layer costs per request next to the bare handler in
// the same run, in-process (no network, no header serialization; `make bench-api` measures
// the whole server). Access logs go through the real logWriter into io.Discard.
func BenchmarkMiddleware(b *testing.B) {
	logs := newLogWriter(io.Discard)
	defer logs.Close()
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	var draining atomic.Bool
	body := []byte(`{"status":"ok"}`)
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	mux := http.NewServeMux()
	addRoutes(mux, testBuild, testTask, &draining)
	for _, c := range []struct {
		name string
		h    http.Handler
	}{
		{"bare", bare},
		{"mux", mux},
		{"recovery", withRecovery(logger, bare)},
		{"securityHeaders", withSecurityHeaders(bare)},
		{"accessLog", withAccessLog(logger, bare)},
		{"requestID", withRequestID(bare)},
		{"NewServer", NewServer(logger, testBuild, testTask, &draining)},
	} {
		b.Run(c.name, func(b *testing.B) { benchHandler(b, c.h, "/healthz") })
	}
}
