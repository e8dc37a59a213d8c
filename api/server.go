package main

import (
	"log/slog"
	"net/http"
	"sync/atomic"
)

// NewServer is the service's HTTP handler: the routes behind the middleware every request
// passes through. draining turns /readyz red; the caller sets it when shutdown starts.
func NewServer(logger *slog.Logger, build buildInfo, task taskInfo, draining *atomic.Bool) http.Handler {
	mux := http.NewServeMux()
	addRoutes(mux, build, task, draining)
	var h http.Handler = withJSONErrors(mux)
	// Outermost first: request id, access log (its recorder is what withRecovery consults),
	// security headers, panic recovery, routes.
	h = withRecovery(logger, h)
	h = withSecurityHeaders(h)
	h = withAccessLog(logger, h)
	h = withRequestID(h)
	return h
}

// withJSONErrors answers the requests the mux has no route for (404, and 405 for a known
// path with another method) with JSON errors instead of ServeMux's plain text.
func withJSONErrors(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r) // routes through the mux so r.Pattern and path values are set
			return
		}
		// Let the mux decide 404 or 405 (it also sets Allow), keeping only its status.
		status := &statusOnly{ResponseWriter: w}
		h.ServeHTTP(status, r)
		switch status.code {
		case http.StatusMethodNotAllowed:
			writeError(w, r, status.code, "method "+r.Method+" is not allowed on "+r.URL.Path, nil)
		case http.StatusNotFound:
			writeError(w, r, status.code, "no such path: "+r.URL.Path, nil)
		default: // e.g. the mux's redirect to a cleaned path: pass it on as is
			w.WriteHeader(status.code)
		}
	})
}

// statusOnly keeps the status of a mux-generated error response and drops its text body.
type statusOnly struct {
	http.ResponseWriter
	code int
}

func (s *statusOnly) WriteHeader(code int)        { s.code = code }
func (s *statusOnly) Write(b []byte) (int, error) { return len(b), nil }
