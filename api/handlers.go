package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// statusBody is the body of the health endpoints.
type statusBody struct {
	Status string `json:"status"`
}

// mustJSON encodes a fixed response once at startup.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// handleHealthz is liveness: 200 while the process can serve, including while it drains,
// so ECS does not kill a task that is shutting down on purpose.
func handleHealthz() http.Handler {
	body := mustJSON(statusBody{Status: "ok"})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, body)
	})
}

// handleReadyz is readiness: 503 from the moment shutdown starts, so the load balancer
// stops sending new requests while in-flight ones finish.
func handleReadyz(draining *atomic.Bool) http.Handler {
	ready, notReady := mustJSON(statusBody{Status: "ready"}), mustJSON(statusBody{Status: "draining"})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if draining.Load() {
			writeJSON(w, http.StatusServiceUnavailable, notReady)
			return
		}
		writeJSON(w, http.StatusOK, ready)
	})
}

func handleVersion(build buildInfo) http.Handler {
	body := mustJSON(build)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, body)
	})
}

// infoBody says which task answered; the deploy check samples it through the load balancer.
type infoBody struct {
	Version          string `json:"version"`
	TaskARN          string `json:"taskArn"`
	AvailabilityZone string `json:"availabilityZone"`
	Cluster          string `json:"cluster"`
	RequestID        string `json:"requestId"`
}

// handleInfo encodes everything but the request id once, since it is fixed for the life of
// the task, and splices the id in per request: ids need no JSON escaping (requestIDChars).
func handleInfo(build buildInfo, task taskInfo) http.Handler {
	fixed := mustJSON(infoBody{
		Version:          build.Version,
		TaskARN:          task.TaskARN,
		AvailabilityZone: task.AvailabilityZone,
		Cluster:          task.Cluster,
	})
	const tail = `"}`
	prefix, ok := bytes.CutSuffix(fixed, []byte(`"requestId":""}`))
	if !ok {
		panic("infoBody must end with requestId: " + string(fixed))
	}
	prefix = append(prefix, `"requestId":"`...)
	// Bodies are assembled in pooled buffers: Write copies them, so each can be reused as
	// soon as it returns.
	bodies := sync.Pool{New: func() any { b := make([]byte, 0, len(prefix)+64+len(tail)); return &b }}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := bodies.Get().(*[]byte)
		body := append(append(append((*buf)[:0], prefix...), requestIDFrom(w)...), tail...)
		writeJSON(w, http.StatusOK, body)
		if cap(body) <= len(prefix)+maxRequestIDLen+len(tail) {
			*buf = body
			bodies.Put(buf)
		}
	})
}

// maxEchoBody is the largest body POST /v1/echo reads; larger ones get 413.
const maxEchoBody = 4 << 10

// maxEchoMessage is the longest message accepted, in characters.
const maxEchoMessage = 280

type echoRequest struct {
	Message string `json:"message"`
}

func (e echoRequest) Valid(context.Context) map[string]string {
	problems := make(map[string]string)
	switch n := utf8.RuneCountInString(e.Message); {
	case n == 0:
		problems["message"] = "is required"
	case n > maxEchoMessage:
		problems["message"] = fmt.Sprintf("must be at most %d characters, got %d", maxEchoMessage, n)
	}
	return problems
}

type echoResponse struct {
	Message   string `json:"message"`
	Length    int    `json:"length"`
	RequestID string `json:"requestId"`
}

// handleEcho shows the service's request handling end to end: content type, size limit,
// strict decoding and validation, each failure with its own status.
func handleEcho() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, rerr := decodeValid[echoRequest](w, r, maxEchoBody)
		if rerr != nil {
			writeError(w, rerr.Status, rerr.Message, rerr.Problems)
			return
		}
		encode(w, http.StatusOK, echoResponse{
			Message:   req.Message,
			Length:    utf8.RuneCountInString(req.Message),
			RequestID: requestIDFrom(w),
		})
	})
}

// probeMethods are the methods handleNoRoute tries when it reports which ones a path allows.
var probeMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

// handleNoRoute answers every request no other route matches, as JSON: 405 with Allow when
// the path has routes for other methods, else 404. As the catch-all route it costs the
// routed requests nothing; ServeMux's own 404 and 405 would be plain text.
func handleNoRoute(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var allowed []string
		probe := *r
		for _, m := range probeMethods {
			probe.Method = m
			if _, pattern := mux.Handler(&probe); pattern != "/" {
				allowed = append(allowed, m)
			}
		}
		if len(allowed) > 0 {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			writeError(w, http.StatusMethodNotAllowed, "method "+capForLog(r.Method, maxLoggedMethod)+" is not allowed on "+capForLog(r.URL.Path, maxLoggedPath), nil)
			return
		}
		writeError(w, http.StatusNotFound, "no such path: "+capForLog(r.URL.Path, maxLoggedPath), nil)
	})
}
