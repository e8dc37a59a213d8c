package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"unicode/utf8"
)

var testTask = taskInfo{TaskARN: "arn:aws:ecs:us-east-1:123456789012:task/web/abc", Cluster: "web", AvailabilityZone: "us-east-1b"}

var testBuild = buildInfo{Version: "1.2.3", Commit: "abc123", BuildTime: "2026-11-25T00:00:00Z", GoVersion: "go1.26"}

// testServer is NewServer with its access log captured.
type testServer struct {
	handler  http.Handler
	draining *atomic.Bool
	logs     *bytes.Buffer
}

func newTestServer(t *testing.T) testServer {
	t.Helper()
	var logs bytes.Buffer
	var draining atomic.Bool
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	return testServer{handler: NewServer(logger, &logs, testBuild, testTask, &draining), draining: &draining, logs: &logs}
}

func (s testServer) do(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	s.handler.ServeHTTP(w, r)
	return w
}

// decodeBody decodes a JSON response, failing the test on anything else.
func decodeBody[T any](t *testing.T, w *httptest.ResponseRecorder) T {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q, want application/json; body %q", ct, w.Body)
	}
	var v T
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("body %q: %v", w.Body, err)
	}
	return v
}

func TestHealthAndReadiness(t *testing.T) {
	s := newTestServer(t)
	check := func(path string, wantStatus int, wantBody string) {
		t.Helper()
		w := s.do(httptest.NewRequest("GET", path, nil))
		if w.Code != wantStatus {
			t.Errorf("GET %s = %d, want %d", path, w.Code, wantStatus)
		}
		if got := decodeBody[statusBody](t, w).Status; got != wantBody {
			t.Errorf("GET %s status = %q, want %q", path, got, wantBody)
		}
	}
	check("/healthz", 200, "ok")
	check("/readyz", 200, "ready")
	s.draining.Store(true)
	check("/healthz", 200, "ok") // liveness stays green while draining
	check("/readyz", 503, "draining")
}

func TestVersion(t *testing.T) {
	w := newTestServer(t).do(httptest.NewRequest("GET", "/version", nil))
	if got := decodeBody[buildInfo](t, w); got != testBuild {
		t.Errorf("GET /version = %+v, want %+v", got, testBuild)
	}
}

func TestReadBuildInfoPrefersLinkerValues(t *testing.T) {
	defer func(v, c, b string) { version, commit, buildTime = v, c, b }(version, commit, buildTime)
	version, commit, buildTime = "v9", "deadbeef", "2026-01-01T00:00:00Z"
	got := readBuildInfo()
	if got.Version != "v9" || got.Commit != "deadbeef" || got.BuildTime != "2026-01-01T00:00:00Z" {
		t.Errorf("readBuildInfo() = %+v, want the -X values", got)
	}
	version, commit, buildTime = "", "", ""
	got = readBuildInfo()
	if got.Version == "" || got.Commit == "" || got.BuildTime == "" || !strings.HasPrefix(got.GoVersion, "go") {
		t.Errorf("readBuildInfo() without -X = %+v, want every field filled", got)
	}
}

func TestInfo(t *testing.T) {
	r := httptest.NewRequest("GET", "/v1/info", nil)
	r.Header.Set("X-Request-Id", "req-1")
	w := newTestServer(t).do(r)
	want := infoBody{Version: "1.2.3", TaskARN: testTask.TaskARN, AvailabilityZone: "us-east-1b", Cluster: "web", RequestID: "req-1"}
	if got := decodeBody[infoBody](t, w); got != want {
		t.Errorf("GET /v1/info = %+v, want %+v", got, want)
	}
	// The body is spliced from a prefix encoded at startup; it must be what encoding/json
	// would write for the whole value.
	if wantJSON, _ := json.Marshal(want); w.Body.String() != string(wantJSON) {
		t.Errorf("GET /v1/info body\n%s\nwant\n%s", w.Body, wantJSON)
	}
}

func TestEcho(t *testing.T) {
	tests := []struct {
		name         string
		contentType  string
		body         string
		wantStatus   int
		wantMessage  string            // for 200
		wantProblems map[string]string // for validation failures
	}{
		{"ok", "application/json", `{"message":"héllo"}`, 200, "héllo", nil},
		{"content type with charset", "application/json; charset=utf-8", `{"message":"hi"}`, 200, "hi", nil},
		{"missing message", "application/json", `{}`, 400, "", map[string]string{"message": "is required"}},
		{"message too long", "application/json", `{"message":"` + strings.Repeat("é", 281) + `"}`, 400, "",
			map[string]string{"message": "must be at most 280 characters, got 281"}},
		{"unknown field", "application/json", `{"message":"hi","admin":true}`, 400, "", nil},
		{"wrong type", "application/json", `{"message":42}`, 400, "", nil},
		{"malformed", "application/json", `{"message":`, 400, "", nil},
		{"two values", "application/json", `{"message":"a"}{"message":"b"}`, 400, "", nil},
		{"empty body", "application/json", ``, 400, "", nil},
		{"too large", "application/json", `{"message":"` + strings.Repeat("a", maxEchoBody) + `"}`, 413, "", nil},
		{"form body", "application/x-www-form-urlencoded", `message=hi`, 415, "", nil},
		{"no content type", "", `{"message":"hi"}`, 415, "", nil},
	}
	s := newTestServer(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/v1/echo", strings.NewReader(tt.body))
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			w := s.do(r)
			if w.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", w.Code, tt.wantStatus, w.Body)
			}
			if tt.wantStatus == 200 {
				got := decodeBody[echoResponse](t, w)
				if got.Message != tt.wantMessage || got.RequestID == "" {
					t.Errorf("response = %+v, want message %q and a request id", got, tt.wantMessage)
				}
				return
			}
			got := decodeBody[errorBody](t, w)
			if got.Error == "" || got.RequestID == "" {
				t.Errorf("error body = %+v, want a message and a request id", got)
			}
			if tt.wantProblems != nil && !equalMaps(got.Problems, tt.wantProblems) {
				t.Errorf("problems = %v, want %v", got.Problems, tt.wantProblems)
			}
		})
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestUnknownPathAndMethodAreJSON(t *testing.T) {
	s := newTestServer(t)
	w := s.do(httptest.NewRequest("GET", "/no/such/thing", nil))
	if w.Code != 404 {
		t.Errorf("GET /no/such/thing = %d, want 404", w.Code)
	}
	if got := decodeBody[errorBody](t, w); !strings.Contains(got.Error, "/no/such/thing") {
		t.Errorf("404 body = %+v, want it to name the path", got)
	}
	w = s.do(httptest.NewRequest("DELETE", "/healthz", nil))
	if w.Code != 405 {
		t.Errorf("DELETE /healthz = %d, want 405", w.Code)
	}
	if allow := w.Header().Get("Allow"); allow != "GET, HEAD" {
		t.Errorf("405 Allow = %q, want \"GET, HEAD\"", allow)
	}
	if got := decodeBody[errorBody](t, w); !strings.Contains(got.Error, "DELETE") {
		t.Errorf("405 body = %+v, want it to name the method", got)
	}
	w = s.do(httptest.NewRequest("GET", "/v1/echo", nil))
	if w.Code != 405 || w.Header().Get("Allow") != "POST" {
		t.Errorf("GET /v1/echo = %d Allow %q, want 405 Allow POST", w.Code, w.Header().Get("Allow"))
	}
	if w = s.do(httptest.NewRequest("POST", "/healthz/extra", nil)); w.Code != 404 {
		t.Errorf("POST /healthz/extra = %d, want 404", w.Code)
	}
	if w = s.do(httptest.NewRequest("HEAD", "/healthz", nil)); w.Code != 200 {
		t.Errorf("HEAD /healthz = %d, want 200", w.Code)
	}
}

func TestRequestID(t *testing.T) {
	s := newTestServer(t)
	tests := []struct {
		name    string
		headers map[string]string
		want    string // "" means a generated id
	}{
		{"caller's id", map[string]string{"X-Request-Id": "abc-123", "X-Amzn-Trace-Id": "Root=1-x"}, "abc-123"},
		{"ALB trace id", map[string]string{"X-Amzn-Trace-Id": "Root=1-67891233-abcdef012345678912345678"}, "Root=1-67891233-abcdef012345678912345678"},
		{"full ALB trace id", map[string]string{"X-Amzn-Trace-Id": "Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=1"}, "Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=1"},
		{"every allowed character", map[string]string{"X-Request-Id": requestIDChars}, requestIDChars},
		{"longest id kept", map[string]string{"X-Request-Id": strings.Repeat("x", maxRequestIDLen)}, strings.Repeat("x", maxRequestIDLen)},
		{"oversized id replaced", map[string]string{"X-Request-Id": strings.Repeat("x", maxRequestIDLen+1)}, ""},
		{"invalid id falls back to the trace id", map[string]string{"X-Request-Id": "a b", "X-Amzn-Trace-Id": "Root=1-x"}, "Root=1-x"},
		{"quote replaced", map[string]string{"X-Request-Id": `abc"def`}, ""},
		{"backslash replaced", map[string]string{"X-Request-Id": `abc\def`}, ""},
		{"non-ASCII replaced", map[string]string{"X-Request-Id": "café"}, ""},
		{"invalid trace id replaced", map[string]string{"X-Amzn-Trace-Id": "Root=<script>"}, ""},
		{"generated", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/v1/info", nil)
			for k, v := range tt.headers {
				r.Header.Set(k, v)
			}
			w := s.do(r)
			echoed := w.Header().Get("X-Request-Id")
			body := decodeBody[infoBody](t, w)
			if body.RequestID != echoed {
				t.Errorf("body request id %q != header %q", body.RequestID, echoed)
			}
			if tt.want != "" && echoed != tt.want {
				t.Errorf("X-Request-Id = %q, want %q", echoed, tt.want)
			}
			if tt.want == "" && !isHex32(echoed) {
				t.Errorf("generated X-Request-Id = %q, want 32 hex digits", echoed)
			}
		})
	}
	a := s.do(httptest.NewRequest("GET", "/healthz", nil)).Header().Get("X-Request-Id")
	b := s.do(httptest.NewRequest("GET", "/healthz", nil)).Header().Get("X-Request-Id")
	if a == b {
		t.Errorf("two requests got the same generated id %q", a)
	}
}

func isHex32(s string) bool {
	_, err := hex.DecodeString(s)
	return len(s) == 32 && err == nil
}

// TestGeneratedRequestIDsAreUnique draws ids from concurrent goroutines, as concurrent
// requests do, and requires no repeats.
func TestGeneratedRequestIDsAreUnique(t *testing.T) {
	const workers, each = 8, 2000
	ids := make(chan string, workers*each)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				ids <- newRequestID()
			}
		})
	}
	wg.Wait()
	close(ids)
	seen := make(map[string]bool, workers*each)
	for id := range ids {
		if !isHex32(id) || seen[id] {
			t.Fatalf("id %q is not 32 hex digits or repeats", id)
		}
		seen[id] = true
	}
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	s := newTestServer(t)
	for _, r := range []*http.Request{
		httptest.NewRequest("GET", "/healthz", nil),
		httptest.NewRequest("GET", "/missing", nil),
		httptest.NewRequest("POST", "/v1/echo", strings.NewReader("x")),
	} {
		w := s.do(r)
		for k, v := range map[string]string{
			"X-Content-Type-Options":    "nosniff",
			"X-Frame-Options":           "DENY",
			"Content-Security-Policy":   "default-src 'none'; frame-ancestors 'none'",
			"Strict-Transport-Security": "max-age=31536000; includeSubDomains",
			"Cache-Control":             "no-store",
		} {
			if got := w.Header().Get(k); got != v {
				t.Errorf("%s %s: %s = %q, want %q", r.Method, r.URL.Path, k, got, v)
			}
		}
	}
}

func TestAccessLog(t *testing.T) {
	s := newTestServer(t)
	r := httptest.NewRequest("POST", "/v1/echo", strings.NewReader(`{"message":"hi"}`))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Request-Id", "log-me")
	// The ALB appends the address it saw; the forged first entry must not be logged.
	r.Header.Set("X-Forwarded-For", "6.6.6.6, 203.0.113.7")
	w := s.do(r)

	var line struct {
		Msg, Method, Path, RequestID, ClientIP string
		Status, Bytes                          int
		HandlerUs                              *int64
		DurationUs                             *int64 // renamed: it never measured the whole request
	}
	if err := json.Unmarshal(s.logs.Bytes(), &line); err != nil {
		t.Fatalf("access log %q is not one JSON line: %v", s.logs, err)
	}
	if line.Msg != "request" || line.Method != "POST" || line.Path != "/v1/echo" || line.Status != 200 ||
		line.Bytes != w.Body.Len() || line.RequestID != "log-me" || line.ClientIP != "203.0.113.7" || line.HandlerUs == nil || line.DurationUs != nil {
		t.Errorf("access log = %+v (raw %s)", line, s.logs)
	}
}

func TestClientIP(t *testing.T) {
	tests := []struct{ xff, remote, want string }{
		{"", "192.0.2.1:5555", "192.0.2.1"},
		{"203.0.113.7", "10.0.1.5:4444", "203.0.113.7"},
		{"1.1.1.1, 2.2.2.2 ,  203.0.113.9", "10.0.1.5:4444", "203.0.113.9"},
		{"", "[2001:db8::1]:80", "2001:db8::1"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.remote
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		if got := clientIP(r); got != tt.want {
			t.Errorf("clientIP(xff=%q, remote=%q) = %q, want %q", tt.xff, tt.remote, got, tt.want)
		}
	}
	// A client can send X-Forwarded-For lines of its own; the ALB's entry is the last one over
	// all lines. Empty lines and empty entries (a trailing comma) carry no address.
	for _, tt := range []struct {
		lines []string
		want  string
	}{
		{[]string{"6.6.6.6", "203.0.113.7"}, "203.0.113.7"},
		{[]string{"", "203.0.113.7"}, "203.0.113.7"},
		{[]string{"6.6.6.6, 7.7.7.7", "5.5.5.5, 203.0.113.8"}, "203.0.113.8"},
		{[]string{"203.0.113.9,", ""}, "203.0.113.9"},
		{[]string{" , ", ""}, "10.0.1.5"},
		{[]string{"", ""}, "10.0.1.5"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = "10.0.1.5:4444"
		r.Header["X-Forwarded-For"] = tt.lines
		if got := clientIP(r); got != tt.want {
			t.Errorf("clientIP(X-Forwarded-For lines %q) = %q, want %q", tt.lines, got, tt.want)
		}
	}
}

// TestAccessLogCapsClientData: path, method and client address come from the client; a huge
// one must not make a huge log line (a 0.9 MB path made a 1.8 MB line).
func TestAccessLogCapsClientData(t *testing.T) {
	s := newTestServer(t)
	longPath := "/" + strings.Repeat("p", 900_000)
	r := httptest.NewRequest("GET", longPath, nil)
	r.Header.Set("X-Forwarded-For", "1.1.1.1, "+strings.Repeat("9", 10_000))
	r.Method = strings.Repeat("M", 5000)
	w := s.do(r)
	if w.Body.Len() > 4096 {
		t.Errorf("error body is %d bytes for a long path, want the path capped there too", w.Body.Len())
	}
	if n := s.logs.Len(); n > maxLoggedPath+maxLoggedMethod+maxLoggedClientIP+400 {
		t.Fatalf("access line is %d bytes, want it capped", n)
	}
	var line struct{ Method, Path, ClientIP string }
	if err := json.Unmarshal(s.logs.Bytes(), &line); err != nil {
		t.Fatalf("access log %q: %v", s.logs, err)
	}
	for _, c := range []struct{ name, got, full string }{
		{"path", line.Path, longPath}, {"method", line.Method, r.Method}, {"clientIp", line.ClientIP, strings.Repeat("9", 10_000)},
	} {
		prefix, _, ok := strings.Cut(c.got, "...[truncated")
		if !ok || !strings.HasPrefix(c.full, prefix) || !strings.Contains(c.got, fmt.Sprintf("from %d bytes]", len(c.full))) {
			t.Errorf("logged %s = %.80q..., want a prefix of it marked as truncated with its length", c.name, c.got)
		}
	}
	// A capped value is never cut inside a UTF-8 character.
	if got := capForLog("/"+strings.Repeat("é", 600), maxLoggedPath); !utf8.ValidString(got) {
		t.Errorf("capForLog cut a character: %q", got[len(got)-40:])
	}
	if got := capForLog("/short", maxLoggedPath); got != "/short" {
		t.Errorf("capForLog(/short) = %q", got)
	}
}

func TestPanicBecomesJSON500(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	boom := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") })
	h := withRequestID(withAccessLog(&logs, withRecovery(logger, boom)))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != 500 {
		t.Fatalf("status = %d, want 500", w.Code)
	}
	if got := decodeBody[errorBody](t, w); got.Error != "internal server error" || got.RequestID == "" {
		t.Errorf("body = %+v", got)
	}
	if !strings.Contains(logs.String(), `"panic":"boom"`) || !strings.Contains(logs.String(), `"status":500`) {
		t.Errorf("logs do not record the panic and the 500:\n%s", logs.String())
	}
}

func TestPanicAfterResponseBegan(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	late := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		panic("late")
	})
	w := httptest.NewRecorder()
	withAccessLog(&logs, withRecovery(logger, late)).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != http.StatusAccepted || w.Body.Len() != 0 {
		t.Errorf("got %d %q, want the begun 202 left alone", w.Code, w.Body)
	}
}

func TestAbortHandlerPanicPropagates(t *testing.T) {
	logger := slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil))
	abort := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) })
	defer func() {
		if p := recover(); p != http.ErrAbortHandler {
			t.Errorf("recovered %v, want http.ErrAbortHandler to reach net/http", p)
		}
	}()
	withRecovery(logger, abort).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
}
