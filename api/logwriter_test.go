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

// gatedWriter blocks every write until open is closed, like a pipe nobody reads.
type gatedWriter struct {
	open chan struct{}
	syncBuffer
}

func (g *gatedWriter) Write(p []byte) (int, error) {
	<-g.open
	return g.syncBuffer.Write(p)
}

// TestLogWriterBoundsPendingLines: with the output stuck, Write keeps accepting lines up to
// logMaxPending and then waits, rather than growing without bound; once the output moves,
// everything arrives in order.
func TestLogWriterBoundsPendingLines(t *testing.T) {
	out := &gatedWriter{open: make(chan struct{})}
	l := newLogWriter(out)
	line := strings.Repeat("y", 1023) + "\n"
	total := 3 * logMaxPending / len(line) // the flusher holds at most one batch, pending one more
	written := make(chan int, total)
	go func() {
		for i := range total {
			l.Write([]byte(line))
			written <- i + 1
		}
	}()
	time.Sleep(300 * time.Millisecond) // several flush intervals
	var n int
	for len(written) > 0 {
		n = <-written
	}
	if n == 0 || n >= total {
		t.Fatalf("%d of %d lines accepted with the output stuck, want some but not all", n, total)
	}
	close(out.open)
	for n < total {
		n = <-written
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), strings.Repeat(line, total); got != want {
		t.Errorf("output has %d bytes, want %d in order", len(got), len(want))
	}
}
