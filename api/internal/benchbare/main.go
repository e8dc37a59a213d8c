// Command benchbare is the baseline of `make bench-api`: a bare net/http handler (no router,
// no middleware, no logging, default server settings) answering /healthz and /v1/info with
// the same bytes as the API: the same status line, headers (the request id with a fixed id
// of the same length) and body, so the comparison prices the API's code and server settings,
// not the size of its responses. scripts/bench-api.sh checks that the two answer alike
// before it measures anything. It is not part of the image.
//
// Two switches make the other rows of the report:
//
//	BENCHBARE_BODY_ONLY=1  only Content-Type and the body: what a handler that sends no
//	                       security headers or request id would cost
//	BENCHBARE_TIMEOUTS=1   the API's four server timeouts (api/serve.go), to price them alone
package main

import (
	"log"
	"net/http"
	"os"
	"time"
)

var (
	healthz = []byte(`{"status":"ok"}`)
	// The API's /v1/info outside ECS (built with version "bench"), with a fixed
	// 32-hex-digit request id.
	info = []byte(`{"version":"bench","taskArn":"local","availabilityZone":"local","cluster":"local","requestId":"00000000000000000000000000000000"}`)
)

// apiHeaders are the headers the API adds to every response (api/middleware.go).
var apiHeaders = http.Header{
	"X-Request-Id":              {"00000000000000000000000000000000"},
	"X-Content-Type-Options":    {"nosniff"},
	"X-Frame-Options":           {"DENY"},
	"Content-Security-Policy":   {"default-src 'none'; frame-ancestors 'none'"},
	"Strict-Transport-Security": {"max-age=31536000; includeSubDomains"},
	"Cache-Control":             {"no-store"},
}

func main() {
	bodyOnly := os.Getenv("BENCHBARE_BODY_ONLY") == "1"
	srv := &http.Server{Addr: ":" + os.Getenv("PORT")}
	srv.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		switch r.URL.Path {
		case "/healthz":
			body = healthz
		case "/v1/info":
			body = info
		default:
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/json")
		if !bodyOnly {
			for k, v := range apiHeaders {
				h[k] = v
			}
		}
		w.Write(body)
	})
	if os.Getenv("BENCHBARE_TIMEOUTS") == "1" { // api/serve.go's timeouts
		srv.ReadHeaderTimeout, srv.ReadTimeout = 5*time.Second, 10*time.Second
		srv.WriteTimeout, srv.IdleTimeout = 15*time.Second, 75*time.Second
	}
	log.Fatal(srv.ListenAndServe())
}
