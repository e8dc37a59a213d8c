package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// slogAccessLine is what slog's JSON handler writes for the access record: the format
// appendAccessLine must reproduce byte for byte.
func slogAccessLine(t testing.TB, at time.Time, method, path string, status, size int, handlerUs int64, requestID, clientIP string) string {
	var buf bytes.Buffer
	r := slog.NewRecord(at, slog.LevelInfo, "request", 0)
	r.AddAttrs(
		slog.String("method", method),
		slog.String("path", path),
		slog.Int("status", status),
		slog.Int("bytes", size),
		slog.Int64("handlerUs", handlerUs),
		slog.String("requestId", requestID),
		slog.String("clientIp", clientIP),
	)
	if err := slog.NewJSONHandler(&buf, nil).Handle(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestAccessLineMatchesSlog(t *testing.T) {
	at := time.Date(2026, 11, 25, 19, 5, 7, 120_000_000, time.UTC)
	for _, path := range []string{
		"/healthz",
		"",
		`/a"b\c`,
		"/tab\there/nl\nhere/cr\rhere/nul\x00/esc\x1b/del\x7f",
		"/caf\u00e9/\u2028/\u2029/\ufffd/\U0001F600",
		"/bad\xffutf8/\xe2\x80/truncated\xe2",
		"/<script>&amp;",
	} {
		got := string(appendAccessLine(nil, at, "GET", path, 200, 15, 42, "abc-123", "203.0.113.7"))
		if want := slogAccessLine(t, at, "GET", path, 200, 15, 42, "abc-123", "203.0.113.7"); got != want {
			t.Errorf("path %q:\n got %s\nwant %s", path, got, want)
		}
	}
	// Other times, zones and numbers.
	local := time.FixedZone("X", -(3*3600 + 30*60))
	for _, at := range []time.Time{at, time.Date(2026, 1, 2, 3, 4, 5, 0, local), time.Date(2026, 1, 2, 3, 4, 5, 999_999_999, time.UTC)} {
		got := string(appendAccessLine(nil, at, "POST", "/v1/echo", 413, 0, -1, "", "2001:db8::1"))
		if want := slogAccessLine(t, at, "POST", "/v1/echo", 413, 0, -1, "", "2001:db8::1"); got != want {
			t.Errorf("time %v:\n got %s\nwant %s", at, got, want)
		}
	}
}

// FuzzAccessLine holds appendAccessLine to slog's output for arbitrary strings (paths and
// X-Forwarded-For come from clients). Explore with `go test -run '^$' -fuzz FuzzAccessLine`.
func FuzzAccessLine(f *testing.F) {
	f.Add("GET", "/healthz", "abc", "203.0.113.7", 200, int64(5))
	f.Add("PUT", "/\"\\\n\x00\x80\u2028", "Root=1-x", " 1.2.3.4 ", 500, int64(0))
	f.Add("", strings.Repeat("\xe2\x80", 3), "", "", 0, int64(-7))
	f.Fuzz(func(t *testing.T, method, path, requestID, clientIP string, status int, handlerUs int64) {
		at := time.Unix(1764097507, 123456789).UTC()
		got := string(appendAccessLine(nil, at, method, path, status, len(path), handlerUs, requestID, clientIP))
		if want := slogAccessLine(t, at, method, path, status, len(path), handlerUs, requestID, clientIP); got != want {
			t.Errorf("\n got %s\nwant %s", got, want)
		}
	})
}
