package main

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the flusher goroutine and the test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestLogWriterFlushesOnCloseInOrder(t *testing.T) {
	var out syncBuffer
	l := newLogWriter(&out)
	var want strings.Builder
	for i := range 5000 { // more than one 64 KiB buffer
		line := strings.Repeat("x", i%50) + "\n"
		l.Write([]byte(line))
		want.WriteString(line)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if out.String() != want.String() {
		t.Errorf("wrote %d bytes, want %d in order", len(out.String()), want.Len())
	}
}

func TestLogWriterFlushesWithoutClose(t *testing.T) {
	var out syncBuffer
	l := newLogWriter(&out)
	defer l.Close()
	l.Write([]byte("line\n"))
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if out.String() == "line\n" {
			return
		}
	}
	t.Errorf("a buffered line was not flushed within 10s (interval %s)", logFlushInterval)
}
