// Command benchbare is the benchmark's baseline: a bare net/http handler (no router, no
// middleware, no logging) answering /healthz and /v1/info with bodies of the same bytes and
// length as the API's, so `make bench-api` measures what the API's routing and middleware
// cost. With BENCHBARE_LIKE_API=1 it also sends the API's response headers (request id and
// security headers) and uses its server timeouts: the cost of what the API must send and
// enforce, without its code. It is not part of the image.
package main

import (
	"log"
	"net/http"
	"os"
	"time"
)

var (
	healthz = []byte(`{"status":"ok"}`)
	// The API's /v1/info outside ECS, with a fixed 32-hex-digit request id.
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
	likeAPI := os.Getenv("BENCHBARE_LIKE_API") == "1"
	srv := &http.Server{Addr: "127.0.0.1:" + os.Getenv("PORT")}
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
		if likeAPI {
			for k, v := range apiHeaders {
				h[k] = v
			}
		}
		w.Write(body)
	})
	if likeAPI { // api/serve.go's timeouts
		srv.ReadHeaderTimeout, srv.ReadTimeout = 5*time.Second, 10*time.Second
		srv.WriteTimeout, srv.IdleTimeout = 15*time.Second, 75*time.Second
	}
	log.Fatal(srv.ListenAndServe())
}
