package main

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the log writer's goroutines and the test to share.
type syncBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) Writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("%s: not within 10 s", what)
}

// logLine is line n of writer w: its own id, a length that varies (some lines longer than a
// whole batch), and a checksum-like tail so a line cut or spliced with another is noticed.
func logLine(w, n int) string {
	pad := strings.Repeat(string(rune('a'+(w+n)%26)), (n*37)%300)
	if n%997 == 0 {
		pad = strings.Repeat("L", logShardSize+123) // longer than a batch
	}
	return fmt.Sprintf("w%d n%d %s end%d.%d\n", w, n, pad, w, n)
}

// TestLogWriterKeepsEveryLineWhole: many goroutines write at once; after Close every line is
// in the output exactly once and whole, and each writer's lines are all there.
func TestLogWriterKeepsEveryLineWhole(t *testing.T) {
	var out syncBuffer
	l := newLogWriter(&out)
	const writers, lines = 8, 3000
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for n := range lines {
				l.Write([]byte(logLine(w, n)))
			}
		})
	}
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for w := range writers {
		for n := range lines {
			want[logLine(w, n)] = true
		}
	}
	got := strings.SplitAfter(out.String(), "\n")
	if last := got[len(got)-1]; last != "" {
		t.Fatalf("output ends in a partial line %.40q", last)
	}
	got = got[:len(got)-1]
	for _, line := range got {
		if !want[line] {
			t.Fatalf("line %.60q... is not one that was written (cut or spliced?)", line)
		}
		delete(want, line) // a second copy is then reported as not written
	}
	if len(want) != 0 {
		t.Errorf("%d of %d lines missing", len(want), writers*lines)
	}
	if w := out.Writes(); w >= writers*lines/4 {
		t.Errorf("%d writes to the output for %d lines, want batches", w, writers*lines)
	}
}

func TestLogWriterFlushesWithoutClose(t *testing.T) {
	var out syncBuffer
	l := newLogWriter(&out)
	defer l.Close()
	l.Write([]byte("line\n"))
	waitFor(t, "a buffered line reaches the output", func() bool { return out.String() == "line\n" })
}

// TestLogWriterUnbufferedComesAfterBuffered: a line written through Unbuffered is written at
// once, after the lines buffered before it.
func TestLogWriterUnbufferedComesAfterBuffered(t *testing.T) {
	var out syncBuffer
	l := newLogWriter(&out)
	defer l.Close()
	l.Write([]byte("access 1\n"))
	l.Write([]byte("access 2\n"))
	l.Unbuffered().Write([]byte("stopped\n"))
	if got, want := out.String(), "access 1\naccess 2\nstopped\n"; got != want {
		t.Errorf("output = %q, want %q at once", got, want)
	}
}

func TestLogWriterWritesAfterClose(t *testing.T) {
	var out syncBuffer
	l := newLogWriter(&out)
	l.Write([]byte("before\n"))
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l.Write([]byte("after\n"))
	if got, want := out.String(), "before\nafter\n"; got != want {
		t.Errorf("output = %q, want %q", got, want)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}

type failingWriter struct{}

func (failingWriter) Write(p []byte) (int, error) { return 0, errors.New("broken pipe") }

func TestLogWriterCloseReportsWriteError(t *testing.T) {
	l := newLogWriter(failingWriter{})
	l.Write([]byte("lost\n"))
	if err := l.Close(); err == nil || err.Error() != "broken pipe" {
		t.Errorf("Close = %v, want the output's error", err)
	}
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

// TestLogWriterBoundsBufferedLines: with the output stuck, a writer is held up once its batch
// is full, rather than buffering without bound; once the output moves, every line arrives.
func TestLogWriterBoundsBufferedLines(t *testing.T) {
	if raceEnabled {
		t.Skip("under the race detector sync.Pool drops shards at random, so a writer spreads over many")
	}
	out := &gatedWriter{open: make(chan struct{})}
	l := newLogWriter(out)
	line := strings.Repeat("y", 1023) + "\n"
	const total = 200 // 200 KiB: many batches
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
	if n == 0 || n > 2*logShardSize/len(line) {
		t.Fatalf("%d of %d lines accepted with the output stuck, want some, at most two batches' worth", n, total)
	}
	close(out.open)
	for n < total {
		n = <-written
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), strings.Repeat(line, total); got != want {
		t.Errorf("output has %d bytes, want %d", len(got), len(want))
	}
}

// TestLogWriterReusesShards: the pool drops its shards at every garbage collection; the
// writer hands the same shards out again instead of making new ones each time.
func TestLogWriterReusesShards(t *testing.T) {
	var out syncBuffer
	l := newLogWriter(&out)
	defer l.Close()
	const rounds = 30
	for range rounds {
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() { l.Write([]byte("x\n")) })
		}
		wg.Wait()
		runtime.GC() // the pool's shards move to its victim cache
		runtime.GC() // and are dropped
		waitFor(t, "dropped shards are released", func() bool {
			l.shardsMu.Lock()
			defer l.shardsMu.Unlock()
			return len(l.free) == len(l.shards)
		})
	}
	l.shardsMu.Lock()
	n := len(l.shards)
	l.shardsMu.Unlock()
	if limit := 4 + runtime.GOMAXPROCS(0); n > limit {
		t.Errorf("%d shards after %d collections, want at most %d", n, rounds, limit)
	}
	waitFor(t, "every line written", func() bool { return strings.Count(out.String(), "x\n") == 4*rounds })
}
