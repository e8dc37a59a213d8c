package main

import (
	"net/http"
	"sync/atomic"
)

// addRoutes is the whole API surface in one place.
func addRoutes(mux *http.ServeMux, build buildInfo, task taskInfo, draining *atomic.Bool) {
	mux.Handle("GET /healthz", handleHealthz())
	mux.Handle("GET /readyz", handleReadyz(draining))
	mux.Handle("GET /version", handleVersion(build))
	mux.Handle("GET /v1/info", handleInfo(build, task))
	mux.Handle("POST /v1/echo", handleEcho())
	mux.Handle("/", handleNoRoute(mux))
}
