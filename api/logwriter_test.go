package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strconv"
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

// TestLogWriterUnbufferedComesAfterBuffered: a line written through Unbuffered is written
// without waiting for the flush interval, after the lines buffered before it.
func TestLogWriterUnbufferedComesAfterBuffered(t *testing.T) {
	var out syncBuffer
	l := newLogWriter(&out)
	defer l.Close()
	l.Write([]byte("access 1\n"))
	l.Write([]byte("access 2\n"))
	began := time.Now()
	l.Unbuffered().Write([]byte("stopped\n"))
	want := "access 1\naccess 2\nstopped\n"
	waitFor(t, "the unbuffered line is written", func() bool { return out.String() == want })
	if took := time.Since(began); took >= logFlushInterval {
		t.Errorf("unbuffered line took %s, want it before the next flush", took)
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

// TestLogWriterNeverWaitsForAStuckOutput: with an output that takes no writes (a log driver
// that stopped reading stdout), writers are never held up and memory stays bounded: lines
// are dropped and counted. Once the output moves again, a record reports how many were
// dropped, and every line is accounted for: written, or counted in that record.
func TestLogWriterNeverWaitsForAStuckOutput(t *testing.T) {
	out := &gatedWriter{open: make(chan struct{})}
	l := newLogWriter(out)
	line := strings.Repeat("y", 255) + "\n"
	const writers = 8
	each := 25_000 // 51 MB of lines
	if raceEnabled {
		// The race detector's sync.Pool drops a fourth of what is put back, so each writer
		// spreads its lines over many shards until a garbage collection frees them: the
		// memory bound is checked without it, the concurrency with it, on fewer lines.
		each = 2_000
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	finished := make(chan struct{})
	go func() {
		var wg sync.WaitGroup
		for range writers {
			wg.Go(func() {
				for range each {
					l.Write([]byte(line))
				}
			})
		}
		wg.Wait()
		l.Unbuffered().Write([]byte("unbuffered\n")) // the service's own records do not wait either
		close(finished)
	}()
	select {
	case <-finished:
	case <-time.After(20 * time.Second):
		t.Fatal("writers still held up after 20 s by an output that takes no writes")
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); !raceEnabled && grew > 8<<20 {
		t.Errorf("heap grew by %d KiB holding lines for a stuck output, want a bound (< 8 MiB)", grew>>10)
	}

	close(out.open) // the output moves again
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	written := strings.Count(got, line)
	var dropped int
	for _, m := range droppedField.FindAllStringSubmatch(got, -1) {
		n, _ := strconv.Atoi(m[1])
		dropped += n
	}
	t.Logf("%d lines written, %d dropped and reported", written, dropped)
	if dropped == 0 && !raceEnabled { // with many shards, fewer lines may all fit
		t.Fatal("no record of dropped lines after the output moved again")
	}
	if total := writers*each + 1; written+dropped+strings.Count(got, "unbuffered\n") != total {
		t.Errorf("%d written + %d reported dropped (+ the unbuffered line if written) != %d lines", written, dropped, total)
	}
	// The report is one JSON record like every other.
	for _, rec := range strings.Split(got, "\n") {
		if strings.Contains(rec, `"dropped":`) {
			var m map[string]any
			if err := json.Unmarshal([]byte(rec), &m); err != nil || m["level"] != "WARN" {
				t.Errorf("dropped-lines record %q is not a JSON warning: %v", rec, err)
			}
		}
	}
}

var droppedField = regexp.MustCompile(`"dropped":(\d+)`)

// TestLogWriterCloseGivesUpOnAStuckOutput: Close does not hold up the process's exit for an
// output that never takes a write.
func TestLogWriterCloseGivesUpOnAStuckOutput(t *testing.T) {
	out := &gatedWriter{open: make(chan struct{})}
	defer close(out.open)
	l := newLogWriter(out)
	l.Unbuffered().Write([]byte("never written\n"))
	began := time.Now()
	err := l.Close()
	if took := time.Since(began); took > logCloseTimeout+2*time.Second {
		t.Errorf("Close took %s", took)
	}
	if err == nil || !strings.Contains(err.Error(), "took no writes") {
		t.Errorf("Close = %v, want an error saying the output was stuck", err)
	}
	l.Write([]byte("after close\n")) // returns: dropped, not waited on
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
