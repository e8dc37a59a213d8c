// Command benchbare is the benchmark's baseline: a bare net/http handler (no router, no
// middleware, no server timeouts, no logging) answering /healthz and /v1/info with bodies
// of the same bytes and length as the API's, so `make bench-api` measures what the API's
// routing and middleware cost. It is not part of the image.
package main

import (
	"log"
	"net/http"
	"os"
)

var (
	healthz = []byte(`{"status":"ok"}`)
	// The API's /v1/info outside ECS, with a fixed 32-hex-digit request id.
	info = []byte(`{"version":"bench","taskArn":"local","availabilityZone":"local","cluster":"local","requestId":"00000000000000000000000000000000"}`)
)

func main() {
	addr := "127.0.0.1:" + os.Getenv("PORT")
	log.Fatal(http.ListenAndServe(addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})))
}
