package main

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// responseRecorder remembers the status and size of a response for the access log and tells
// the panic handler whether a response has already begun.
type responseRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (rec *responseRecorder) WriteHeader(status int) {
	if rec.status == 0 {
		rec.status = status
	}
	rec.ResponseWriter.WriteHeader(status)
}

func (rec *responseRecorder) Write(b []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	n, err := rec.ResponseWriter.Write(b)
	rec.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's own writer (Flush, deadlines).
func (rec *responseRecorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }

// accessEntry is the per-request state of withAccessLog, pooled so that a request allocates
// neither its recorder nor its log line. It is put back only once the request is over:
// net/http forbids using a ResponseWriter after ServeHTTP returns.
type accessEntry struct {
	rec  responseRecorder
	line []byte
}

var accessEntries = sync.Pool{New: func() any { return &accessEntry{line: make([]byte, 0, 512)} }}

// maxPooledLine bounds the line buffer a pooled entry keeps: a request path can be as long as
// the header limit (1 MB).
const maxPooledLine = 16 << 10

// withAccessLog writes one JSON line per request to out, or none when out is nil
// (LOG_LEVEL=warn, for a caller who wants the cycles more than the lines). It wraps the
// writer in a responseRecorder either way: withRecovery relies on it.
func withAccessLog(out io.Writer, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e := accessEntries.Get().(*accessEntry)
		e.rec = responseRecorder{ResponseWriter: w}
		if out == nil { // no line, so no clock reads either
			next.ServeHTTP(&e.rec, r)
		} else {
			// handlerUs is the time from here, after net/http has read the request's headers,
			// until the handler chain returns: the response is then in net/http's buffer
			// (a body over its 4 KiB buffer has been partly sent), and net/http still writes
			// out the rest. It is not the whole request, and is named for what it measures.
			start := time.Now()
			next.ServeHTTP(&e.rec, r)
			// time.Since reads only the monotonic clock; the line's time is derived from it.
			took := time.Since(start)
			end := start.Add(took)
			status := e.rec.status
			if status == 0 { // nothing written: net/http sends 200
				status = http.StatusOK
			}
			e.line = appendAccessLine(e.line[:0], end, capForLog(r.Method, maxLoggedMethod),
				capForLog(r.URL.Path, maxLoggedPath), status, e.rec.bytes, took.Microseconds(),
				requestIDFrom(w), capForLog(clientIP(r), maxLoggedClientIP))
			out.Write(e.line)
		}
		e.rec = responseRecorder{}
		if cap(e.line) > maxPooledLine { // a huge path: do not keep its buffer around
			e.line = make([]byte, 0, 512)
		}
		accessEntries.Put(e)
	})
}

// appendAccessLine appends the access-log line: exactly the bytes slog's JSON handler writes
// for an info record "request" with these attributes (TestAccessLineMatchesSlog and
// FuzzAccessLine hold it to that), so it reads like every other log line. Going through slog
// (a Record, seven Values, the handler's state) cost more per request than all the rest of
// the middleware together.
func appendAccessLine(b []byte, t time.Time, method, path string, status, bytes int, handlerUs int64, requestID, clientIP string) []byte {
	b = append(b, `{"time":"`...)
	b = t.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","level":"INFO","msg":"request","method":`...)
	b = appendJSONString(b, method)
	b = append(b, `,"path":`...)
	b = appendJSONString(b, path)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, `,"bytes":`...)
	b = strconv.AppendInt(b, int64(bytes), 10)
	b = append(b, `,"handlerUs":`...)
	b = strconv.AppendInt(b, handlerUs, 10)
	b = append(b, `,"requestId":`...)
	b = appendJSONString(b, requestID)
	b = append(b, `,"clientIp":`...)
	b = appendJSONString(b, clientIP)
	return append(b, "}\n"...)
}

// appendJSONString appends s as a JSON string escaped as slog's JSON handler does: ", \ and
// control characters escaped, invalid UTF-8 as \ufffd, U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if (r != utf8.RuneError || size != 1) && r != '\u2028' && r != '\u2029' {
				i += size
				continue
			}
			b = append(b, s[start:i]...)
			if size == 1 {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			}
			i += size
			start = i
			continue
		}
		if c >= 0x20 && c != '"' && c != '\\' {
			i++
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		}
		i++
		start = i
	}
	return append(append(b, s[start:]...), '"')
}

// clientIP is the address of the client as the load balancer saw it. The ALB appends the
// peer address to X-Forwarded-For, so the last entry over all the header's lines is the one it
// vouches for; earlier entries and lines come from the client and can be forged. Empty lines
// and empty entries carry no address and are skipped (behind an ALB the last entry is never
// empty); with no entry at all, the socket's peer address.
func clientIP(r *http.Request) string {
	xff := r.Header["X-Forwarded-For"]
	for i := len(xff) - 1; i >= 0; i-- {
		line := xff[i]
		for line != "" {
			entry := line
			if c := strings.LastIndexByte(line, ','); c >= 0 {
				entry, line = line[c+1:], line[:c]
			} else {
				line = ""
			}
			if entry = strings.TrimSpace(entry); entry != "" {
				return entry
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// What the access log keeps of values a client chooses, in bytes: a request line can be as
// long as the header limit (1 MB), and an uncapped path made a log line twice that. A longer
// value is logged as its first bytes (cut at a character boundary) and a marker with its length.
const (
	maxLoggedPath     = 1024
	maxLoggedMethod   = 32
	maxLoggedClientIP = 64 // an IPv6 address with a zone is at most 45
)

// capForLog returns s, or when it is longer than limit bytes, its first bytes up to limit
// followed by "...[truncated from N bytes]". It allocates only for a value it cuts.
func capForLog(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "...[truncated from " + strconv.Itoa(len(s)) + " bytes]"
}
