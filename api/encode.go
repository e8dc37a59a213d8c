package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
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
// The error carries 415 for a body that is not JSON, 413 when over the limit,
// 400 for malformed JSON, unknown fields, trailing data or failed validation.
func decodeValid[T validator](w http.ResponseWriter, r *http.Request, limit int64) (T, *requestError) {
	var v T
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return v, &requestError{Status: http.StatusUnsupportedMediaType, Message: "Content-Type must be application/json"}
	}
	body := http.MaxBytesReader(w, r.Body, limit)
	if err := decodeJSON(body, &v); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return v, &requestError{Status: http.StatusRequestEntityTooLarge, Message: fmt.Sprintf("request body is larger than %d bytes", limit)}
		}
		return v, &requestError{Status: http.StatusBadRequest, Message: "invalid JSON body: " + err.Error()}
	}
	if problems := v.Valid(r.Context()); len(problems) > 0 {
		return v, &requestError{Status: http.StatusBadRequest, Message: "invalid request", Problems: problems}
	}
	return v, nil
}

// decodeJSON decodes exactly one JSON value with no unknown fields and nothing after it.
func decodeJSON(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("body is empty")
		}
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return err
		}
		return errors.New("body has data after the JSON value")
	}
	return nil
}
