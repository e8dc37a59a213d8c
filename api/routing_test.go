package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestEveryResponseTheHandlerSeesIsJSON sends, over a real connection, the requests
// http.ServeMux or http.Server would otherwise answer themselves: a path that is not in
// canonical form (ServeMux redirects with an HTML body), CONNECT (ServeMux's text 404) and
// OPTIONS * (http.Server's empty 200 that bypasses every handler). Each must be JSON, carry
// the request id and the security headers, and be logged.
func TestEveryResponseTheHandlerSeesIsJSON(t *testing.T) {
	s := startRun(t, map[string]string{"DRAIN_DELAY": "0s"})
	for _, tt := range []struct {
		name, req    string
		wantStatus   int
		wantLocation string
	}{
		{"double slash", get("//healthz"), http.StatusTemporaryRedirect, "/healthz"},
		{"dot-dot", get("/v1/../healthz"), http.StatusTemporaryRedirect, "/healthz"},
		{"dot segment keeps the query", get("/./v1/info?x=1&y=%20"), http.StatusTemporaryRedirect, "/v1/info?x=1&y=%20"},
		{"escaped segments stay escaped", get("/a%20b//c"), http.StatusTemporaryRedirect, "/a%20b/c"},
		{"CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", http.StatusNotImplemented, ""},
		{"OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: api\r\n\r\n", http.StatusNotFound, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, body, err := dialRaw(t, serverAddr(s)).do(tt.req, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus || resp.Header.Get("Location") != tt.wantLocation {
				t.Errorf("got %s Location %q, want %d Location %q", resp.Status, resp.Header.Get("Location"), tt.wantStatus, tt.wantLocation)
			}
			id := resp.Header.Get("X-Request-Id")
			var e errorBody
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" || json.Unmarshal(body, &e) != nil || e.Error == "" || e.RequestID != id || id == "" {
				t.Errorf("Content-Type %q body %q X-Request-Id %q, want a JSON error with the request id", ct, body, id)
			}
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("security headers missing: %v", resp.Header)
			}
			if line := s.logs.waitForRequest(t, id); line["status"] != float64(tt.wantStatus) {
				t.Errorf("access line %v, want status %d", line, tt.wantStatus)
			}
		})
	}
}

// waitForRequest returns the access line of the request with this id, waiting up to 10 s.
func (s *logSink) waitForRequest(t *testing.T, id string) map[string]any {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		s.mu.Lock()
		for _, l := range s.lines {
			if l["msg"] == "request" && l["requestId"] == id {
				s.mu.Unlock()
				return l
			}
		}
		s.mu.Unlock()
	}
	t.Fatalf("no access line for request %q within 10s", id)
	return nil
}

// TestIsCleanPathAgreesWithServeMux: the fast check says a path is clean exactly when
// ServeMux's cleaning (cleanPath, copied from net/http) would leave it unchanged.
func TestIsCleanPathAgreesWithServeMux(t *testing.T) {
	segs := []string{"", ".", "..", "a", "ab", "...", ".a", "a.", "%2F", "*"}
	var paths []string
	for _, a := range segs {
		for _, b := range segs {
			for _, c := range segs {
				paths = append(paths, a+"/"+b+"/"+c, "/"+a+"/"+b, "/"+a+"/"+b+"/"+c, "/"+a, a)
			}
		}
	}
	paths = append(paths, "/", "//", "/healthz", "/v1/info", "/v1/info/", strings.Repeat("/x", 100))
	for _, p := range paths {
		if got, want := isCleanPath(p), cleanPath(p) == p; got != want {
			t.Errorf("isCleanPath(%q) = %v, but cleanPath gives %q", p, got, cleanPath(p))
		}
	}
}
