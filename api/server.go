package main

import (
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
)

// NewServer is the service's HTTP handler: the routes behind the middleware every request
// passes through. logger takes errors (panics); accessLog takes one JSON line per request,
// or none when nil. draining turns /readyz red and has every response close its connection;
// the caller sets it when shutdown starts.
func NewServer(logger *slog.Logger, accessLog io.Writer, build buildInfo, task taskInfo, draining *atomic.Bool) http.Handler {
	mux := http.NewServeMux()
	addRoutes(mux, build, task, draining)
	// Outermost first: request id, access log (its recorder is what withRecovery consults),
	// security headers, panic recovery, JSON answers for what ServeMux would answer itself,
	// routes.
	h := withRecovery(logger, withJSONRouting(mux, handleNoRoute(mux)))
	h = withSecurityHeaders(h)
	h = withDrainClose(draining, h)
	h = withAccessLog(accessLog, h)
	h = withRequestID(h)
	return h
}
