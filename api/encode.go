package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"reflect"
	"strings"
)

// This file is the one place that encodes responses and decodes request bodies.

// encode writes v as a JSON response with the given status.
func encode(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Only a programming error (an unencodable type) gets here.
		panic(fmt.Sprintf("encode %T: %v", v, err))
	}
	writeJSON(w, status, body)
}

// writeJSON writes an already-encoded JSON body; hot endpoints encode theirs once at startup.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h["Content-Type"] = contentTypeJSON
	w.WriteHeader(status)
	w.Write(body)
}

var contentTypeJSON = []string{"application/json"}

// errorBody is every error response: what went wrong, per-field problems for invalid input,
// and the request id to quote when asking about it.
type errorBody struct {
	Error     string            `json:"error"`
	Problems  map[string]string `json:"problems,omitempty"`
	RequestID string            `json:"requestId,omitempty"`
}

func writeError(w http.ResponseWriter, status int, msg string, problems map[string]string) {
	encode(w, status, errorBody{Error: msg, Problems: problems, RequestID: requestIDFrom(w)})
}

// validator is a decoded request body that can check itself. Valid returns the problems
// found, keyed by JSON field name; an empty map means valid.
type validator interface {
	Valid(ctx context.Context) map[string]string
}

// requestError is a body that could not be accepted: the status to answer with and why.
type requestError struct {
	Status   int
	Message  string
	Problems map[string]string
}

// decodeValid reads a JSON body of at most limit bytes into a T and validates it.
// The error carries 415 for a body that is not JSON, 413 when over the limit (at once,
// without reading, when Content-Length already says so), 408 when the body does not arrive
// within the server's read timeout, 400 for a body that cannot be read, malformed JSON,
// unknown fields, trailing data or failed validation. Messages describe the client's
// mistake; no decoder or socket error text reaches the client.
func decodeValid[T validator](w http.ResponseWriter, r *http.Request, limit int64) (T, *requestError) {
	var v T
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return v, &requestError{Status: http.StatusUnsupportedMediaType, Message: "Content-Type must be application/json"}
	}
	tooLarge := &requestError{Status: http.StatusRequestEntityTooLarge, Message: fmt.Sprintf("request body is larger than %d bytes", limit)}
	if r.ContentLength > limit {
		// Answered before reading: net/http sends "100 Continue" only once the body is read,
		// so a client that asked first is not invited to send it, and the connection closes
		// after the answer rather than read what is left.
		tellTooLarge(w)
		return v, tooLarge
	}
	// MaxBytesReader tells net/http, through a method of its own ResponseWriter, that the
	// limit was hit, so the server answers at once and closes the connection instead of
	// first reading what remains of the body; it needs that writer, not the middleware's.
	body := &bodyReader{r: http.MaxBytesReader(innermostWriter(w), r.Body, limit)}
	if err := decodeJSON(body, &v); err != nil {
		switch {
		case body.err == nil: // the body arrived; its content is at fault
			return v, &requestError{Status: http.StatusBadRequest, Message: "invalid JSON body: " + describeJSONError(err)}
		case isMaxBytes(body.err):
			return v, tooLarge
		case isTimeout(body.err):
			return v, &requestError{Status: http.StatusRequestTimeout, Message: "request body did not arrive in time"}
		default:
			return v, &requestError{Status: http.StatusBadRequest, Message: "request body could not be read"}
		}
	}
	if problems := v.Valid(r.Context()); len(problems) > 0 {
		return v, &requestError{Status: http.StatusBadRequest, Message: "invalid request", Problems: problems}
	}
	return v, nil
}

// bodyReader remembers the error reading the body failed with, other than its end, so a
// failed read (the client's connection) is told apart from a body that is not valid JSON.
type bodyReader struct {
	r   io.Reader
	err error
}

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}

func isMaxBytes(err error) bool {
	_, ok := errors.AsType[*http.MaxBytesError](err)
	return ok
}

func isTimeout(err error) bool {
	ne, ok := errors.AsType[net.Error](err)
	return ok && ne.Timeout()
}

// innermostWriter unwraps middleware writers (Unwrap, as http.ResponseController does) down
// to net/http's own.
func innermostWriter(w http.ResponseWriter) http.ResponseWriter {
	for {
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return w
		}
		w = u.Unwrap()
	}
}

// tellTooLarge gives net/http the signal MaxBytesReader gives when its limit is hit: answer
// without reading the rest of the body, then close the connection. A zero-limit reader over
// a one-byte stand-in hits its limit on the first read, without touching the request's body.
func tellTooLarge(w http.ResponseWriter) {
	var one [1]byte
	http.MaxBytesReader(innermostWriter(w), io.NopCloser(strings.NewReader("x")), 0).Read(one[:])
}

// describeJSONError says what is wrong with a body encoding/json refused, in the client's
// terms: no Go type names, no "json:" prefixes.
func describeJSONError(err error) string {
	if e, ok := errors.AsType[*json.SyntaxError](err); ok {
		return fmt.Sprintf("not valid JSON at byte %d", e.Offset)
	}
	if e, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		if e.Field == "" {
			return "must be a JSON " + jsonKind(e.Type) + ", not " + article(e.Value)
		}
		return fmt.Sprintf("field %q must be %s, not %s", e.Field, article(jsonKind(e.Type)), article(e.Value))
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "it ends before the JSON value does"
	}
	// DisallowUnknownFields' error has no type of its own: `json: unknown field "name"`.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return "unknown field " + name
	}
	if errors.Is(err, errEmptyBody) || errors.Is(err, errTrailingData) {
		return err.Error()
	}
	return "not valid JSON"
}

// jsonKind names the JSON kind a Go type decodes from.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	default:
		return "object"
	}
}

// article puts "a" or "an" before a JSON kind ("number", "array", "bool" from encoding/json).
func article(kind string) string {
	if kind == "bool" {
		kind = "boolean"
	}
	if strings.IndexByte("aeiou", kind[0]) >= 0 {
		return "an " + kind
	}
	return "a " + kind
}

var (
	errEmptyBody    = errors.New("body is empty")
	errTrailingData = errors.New("body has data after the JSON value")
)

// decodeJSON decodes exactly one JSON value with no unknown fields and nothing after it.
func decodeJSON(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return errEmptyBody
		}
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return err
		}
		return errTrailingData
	}
	return nil
}
