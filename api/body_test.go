package main

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// TestBodyTooLargeAnsweredAtOnce: a body known or found to be over the limit gets its 413
// straight away, over a real connection, not after the server's 10 s read timeout, and a
// client that asks before sending (Expect: 100-continue) is not invited to send it.
func TestBodyTooLargeAnsweredAtOnce(t *testing.T) {
	s := startRun(t, map[string]string{"DRAIN_DELAY": "0s"})
	const prompt = 5 * time.Second // well below the 10 s read timeout
	post := "POST /v1/echo HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\n"
	for _, tt := range []struct{ name, req string }{
		{"Expect: 100-continue with a 1 GB Content-Length", post + "Content-Length: 1000000000\r\nExpect: 100-continue\r\n\r\n"},
		{"1 GB Content-Length, body not sent yet", post + "Content-Length: 1000000000\r\n\r\n"},
		// Under net/http's own 256 KiB threshold: without the too-large signal it would wait
		// for the body, to discard it, before answering.
		{"5000-byte Content-Length, body not sent yet", post + "Content-Length: 5000\r\n\r\n"},
		{"chunked body over the limit, the rest still to come", post + "Transfer-Encoding: chunked\r\n\r\n1400\r\n" +
			`{"message":"` + strings.Repeat("a", 0x1400-12) + "\r\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rc := dialRaw(t, serverAddr(s))
			began := time.Now()
			resp, body, err := rc.do(tt.req, prompt)
			if err != nil {
				t.Fatalf("no complete answer within %s: %v", prompt, err)
			}
			if resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Fatalf("first answer %s (%q) after %s, want 413", resp.Status, body, time.Since(began))
			}
			var e errorBody
			if err := json.Unmarshal(body, &e); err != nil || !strings.Contains(e.Error, "4096") || e.RequestID == "" {
				t.Errorf("413 body %q, want a JSON error naming the limit, with the request id", body)
			}
			if !resp.Close {
				t.Error("413 without Connection: close; the unread body must not be parsed as a request")
			}
		})
	}
}

// failingBody fails every read, as a connection does whose peer stalls past the read
// deadline: the error's text carries both socket addresses.
type failingBody struct{ err error }

func (f failingBody) Read([]byte) (int, error) { return 0, f.err }

// TestErrorBodiesSayWhatTheClientDidWrong: error bodies describe the client's mistake in its
// terms; no socket address, no Go type or decoder text.
func TestErrorBodiesSayWhatTheClientDidWrong(t *testing.T) {
	timeout := &net.OpError{Op: "read", Net: "tcp",
		Source: &net.TCPAddr{IP: net.IPv4(10, 0, 1, 5), Port: 8080},
		Addr:   &net.TCPAddr{IP: net.IPv4(10, 0, 0, 9), Port: 41234}, Err: os.ErrDeadlineExceeded}
	reset := &net.OpError{Op: "read", Net: "tcp",
		Source: &net.TCPAddr{IP: net.IPv4(10, 0, 1, 5), Port: 8080},
		Addr:   &net.TCPAddr{IP: net.IPv4(10, 0, 0, 9), Port: 41234}, Err: errors.New("connection reset by peer")}
	for _, tt := range []struct {
		name       string
		body       func() *http.Request
		wantStatus int
		wantError  string
	}{
		{"body read times out", func() *http.Request { return echoRequestWith(failingBody{timeout}) }, http.StatusRequestTimeout,
			"request body did not arrive in time"},
		{"body read fails", func() *http.Request { return echoRequestWith(failingBody{reset}) }, http.StatusBadRequest,
			"request body could not be read"},
		{"wrong type", func() *http.Request { return echoRequestWith(strings.NewReader(`{"message":42}`)) }, http.StatusBadRequest,
			`invalid JSON body: field "message" must be a string, not a number`},
		{"not an object", func() *http.Request { return echoRequestWith(strings.NewReader(`["hi"]`)) }, http.StatusBadRequest,
			"invalid JSON body: must be a JSON object, not an array"},
		{"unknown field", func() *http.Request { return echoRequestWith(strings.NewReader(`{"message":"a","admin":true}`)) }, http.StatusBadRequest,
			`invalid JSON body: unknown field "admin"`},
		{"syntax", func() *http.Request { return echoRequestWith(strings.NewReader(`{"message" "a"}`)) }, http.StatusBadRequest,
			"invalid JSON body: not valid JSON at byte 12"},
		{"cut short", func() *http.Request { return echoRequestWith(strings.NewReader(`{"message":"a`)) }, http.StatusBadRequest,
			"invalid JSON body: it ends before the JSON value does"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newTestServer(t).do(tt.body())
			got := decodeBody[errorBody](t, w)
			if w.Code != tt.wantStatus || got.Error != tt.wantError {
				t.Errorf("got %d %q, want %d %q", w.Code, got.Error, tt.wantStatus, tt.wantError)
			}
			for _, leak := range []string{"10.0.", "tcp", "i/o timeout", "json:", "Go ", "echoRequest"} {
				if strings.Contains(w.Body.String(), leak) {
					t.Errorf("error body %s contains %q", w.Body, leak)
				}
			}
		})
	}
}

func echoRequestWith(body interface{ Read([]byte) (int, error) }) *http.Request {
	r := httptest.NewRequest("POST", "/v1/echo", body)
	r.Header.Set("Content-Type", "application/json")
	return r
}
