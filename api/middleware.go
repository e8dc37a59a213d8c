package main

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"
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

// responseRecorder remembers the status and size of a response for the access log and tells
// the panic handler whether a response has already begun.
type responseRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (rec *responseRecorder) WriteHeader(status int) {
	if rec.status == 0 {
		rec.status = status
	}
	rec.ResponseWriter.WriteHeader(status)
}

func (rec *responseRecorder) Write(b []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	n, err := rec.ResponseWriter.Write(b)
	rec.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's own writer.
func (rec *responseRecorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }

// withAccessLog writes one JSON line per request at info level. LOG_LEVEL=warn turns access
// logs off (errors are still logged) for a caller who wants the cycles more than the lines.
// It wraps the writer in a responseRecorder either way: withRecovery relies on it.
func withAccessLog(logger *slog.Logger, next http.Handler) http.Handler {
	handler := logger.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &responseRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		ctx := r.Context()
		if !handler.Enabled(ctx, slog.LevelInfo) {
			return
		}
		// A Record built here rather than logger.LogAttrs, which spends a third of the
		// log line's cost finding the caller's program counter for a source nobody logs.
		rl := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
		rl.AddAttrs(
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", rec.status),
			slog.Int("bytes", rec.bytes),
			slog.Int64("durationUs", time.Since(start).Microseconds()),
			slog.String("requestId", requestIDFrom(rec)),
			slog.String("clientIp", clientIP(r)),
		)
		handler.Handle(ctx, rl)
	})
}

// clientIP is the address of the client as the load balancer saw it. The ALB appends the
// peer address to X-Forwarded-For, so the last entry is the one it vouches for; earlier
// entries come from the client and can be forged.
func clientIP(r *http.Request) string {
	if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
		return strings.TrimSpace(xff[strings.LastIndexByte(xff, ',')+1:])
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
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
