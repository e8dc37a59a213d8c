package main

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"runtime/debug"
	"sync/atomic"
)

// requestIDFrom returns the id withRequestID gave this request. withRequestID sets the
// response's X-Request-Id header before any handler runs, so the header is where the rest of
// the chain reads it: no per-request context or request copy is needed to carry it.
func requestIDFrom(w http.ResponseWriter) string {
	if v := w.Header()["X-Request-Id"]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// maxRequestIDLen bounds an inbound id so a client cannot inflate every log line.
const maxRequestIDLen = 200

// withRequestID takes the caller's X-Request-Id, else the ALB's X-Amzn-Trace-Id, else makes
// one, and echoes it in the X-Request-Id response header so a client can quote it. An inbound
// id that is too long or has characters outside requestIDChars is replaced.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := inboundRequestID(r.Header["X-Request-Id"])
		if id == nil {
			id = inboundRequestID(r.Header["X-Amzn-Trace-Id"])
		}
		if id == nil {
			id = []string{newRequestID()}
		}
		w.Header()["X-Request-Id"] = id
		next.ServeHTTP(w, r)
	})
}

// inboundRequestID returns the first value of a request id header, as a slice that can be
// the response header's value without copying (capped, so an append would copy), or nil
// when the header is absent or its value not acceptable.
func inboundRequestID(values []string) []string {
	if len(values) == 0 || !validRequestID(values[0]) {
		return nil
	}
	return values[:1:1]
}

// requestIDChars are the characters an inbound id may use: enough for UUIDs, the ALB's
// "Root=1-...;Parent=...;Sampled=1" trace ids and most tracing formats, and none that JSON
// or a log line would need to escape, so ids are written into bodies and logs as they are.
const requestIDChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:;=/+@"

var requestIDCharSet = func() (set [256]bool) {
	for i := range len(requestIDChars) {
		set[requestIDChars[i]] = true
	}
	return set
}()

func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := range len(id) {
		if !requestIDCharSet[id[i]] {
			return false
		}
	}
	return true
}

// Generated ids are a random per-process prefix and a counter, 32 hex digits in all: unique
// within the process by construction and across processes by the 64 random bits, at the
// cost of one atomic add. Ids must be unique, not secret or unpredictable.
var (
	requestIDPrefix = rand.Uint64()
	requestIDSeq    atomic.Uint64
)

func newRequestID() string {
	var raw [16]byte
	binary.BigEndian.PutUint64(raw[:8], requestIDPrefix)
	binary.BigEndian.PutUint64(raw[8:], requestIDSeq.Add(1))
	var id [32]byte
	hex.Encode(id[:], raw[:])
	return string(id[:])
}

// withRecovery turns a panic in a handler into a logged error and a JSON 500, so one bad
// request neither kills the process nor leaves the client with a reset connection.
func withRecovery(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if p == http.ErrAbortHandler { // net/http's own signal to drop the connection
				panic(p)
			}
			logger.LogAttrs(r.Context(), slog.LevelError, "panic serving request",
				slog.String("panic", fmt.Sprint(p)),
				slog.String("stack", string(debug.Stack())),
				slog.String("requestId", requestIDFrom(w)),
			)
			if rec, ok := w.(*responseRecorder); ok && rec.status != 0 {
				return // the response has begun; a 500 can no longer be sent
			}
			writeError(w, http.StatusInternalServerError, "internal server error", nil)
		}()
		next.ServeHTTP(w, r)
	})
}

// Security headers, the set OWASP's REST Security Cheat Sheet gives for JSON APIs (less
// Referrer-Policy: a JSON response has no links to leak a referrer through). The values are
// shared slices, never appended to, so setting them allocates nothing.
var (
	hdrNoSniff   = []string{"nosniff"}
	hdrFrameDeny = []string{"DENY"}
	hdrCSP       = []string{"default-src 'none'; frame-ancestors 'none'"}
	hdrHSTS      = []string{"max-age=31536000; includeSubDomains"}
	hdrNoStore   = []string{"no-store"}
)

// withSecurityHeaders marks every response as not to be sniffed, framed, cached or
// reached over plain HTTP again (HSTS counts only when the ALB serves HTTPS).
func withSecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["X-Content-Type-Options"] = hdrNoSniff
		h["X-Frame-Options"] = hdrFrameDeny
		h["Content-Security-Policy"] = hdrCSP
		h["Strict-Transport-Security"] = hdrHSTS
		h["Cache-Control"] = hdrNoStore
		next.ServeHTTP(w, r)
	})
}

var hdrClose = []string{"close"}

// withDrainClose answers Connection: close while the server drains, so net/http closes each
// connection after its current response and the client's next request opens a new one. The
// check is one atomic load: no lock on the request path.
func withDrainClose(draining *atomic.Bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if draining.Load() {
			w.Header()["Connection"] = hdrClose
		}
		next.ServeHTTP(w, r)
	})
}
