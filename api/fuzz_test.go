package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzEchoDecoding feeds arbitrary bodies to POST /v1/echo's decoding. Whatever the input,
// the answer is 200 with a message that passes validation, or one of the documented
// errors; never a panic or another status. `go test` runs the seeds; explore with
// `go test -run '^$' -fuzz FuzzEchoDecoding -fuzztime 30s`.
func FuzzEchoDecoding(f *testing.F) {
	for _, seed := range []string{
		`{"message":"hello"}`,
		`{"message":""}`,
		`{}`,
		`{"message":"a","extra":1}`,
		`{"message":"a"} {"message":"b"}`,
		`{"message":"a"} x`,
		`{"message":null}`,
		`{"message":["a"]}`,
		`{"MESSAGE":"case"}`,
		`{"message":"\ud800"}`,
		`[]`,
		`"message"`,
		`{"message":"` + strings.Repeat("x", maxEchoBody) + `"}`,
		"",
		"\xff\xfe",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/v1/echo", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		handleEcho().ServeHTTP(w, r)
		switch w.Code {
		case http.StatusOK:
			var got echoResponse
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatalf("200 body %q does not decode: %v", w.Body, err)
			}
			if n := utf8.RuneCountInString(got.Message); n == 0 || n > maxEchoMessage || n != got.Length {
				t.Fatalf("accepted %q (length %d) from %q", got.Message, got.Length, body)
			}
			if len(body) > maxEchoBody {
				t.Fatalf("accepted a %d-byte body over the %d-byte limit", len(body), maxEchoBody)
			}
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
			if !strings.Contains(w.Body.String(), `"error":`) {
				t.Fatalf("%d without a JSON error: %q", w.Code, w.Body)
			}
			// The message says what is wrong with the body in the client's terms, never
			// the decoder's own text (Go type names, "json:" prefixes).
			if b := w.Body.String(); strings.Contains(b, "json:") || strings.Contains(b, "Go ") || strings.Contains(b, "echoRequest") {
				t.Fatalf("error body %q from %q shows internal error text", b, body)
			}
		default:
			t.Fatalf("body %q: status %d", body, w.Code)
		}
	})
}
