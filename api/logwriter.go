package main

import (
	"bytes"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// logFlushInterval bounds how long a log line waits in a batch. It is also the most a
	// process killed without warning (SIGKILL, out of memory) can lose.
	logFlushInterval = 100 * time.Millisecond
	// logShardSize is how much one batch gathers before the request that fills it hands it to
	// the writer: one write system call per ~60 access lines instead of one per request.
	logShardSize = 16 << 10
	// logShardMax is the largest buffer kept for reuse. A batch is handed over once it holds
	// logShardSize, so it is at most that plus one line, and an access line is at most a few
	// KiB (accesslog.go caps what a client can make long).
	logShardMax = 4 * logShardSize
	// logQueueBatches is how many batches may wait for the writer.
	logQueueBatches = 16
	// logStuckAfter is when the output counts as stuck: a write to it has taken longer. A
	// request whose batch finds the queue full waits at most this long for room, and not at
	// all once the output is stuck.
	logStuckAfter = time.Second
	// logWaitingMax bounds the bytes of batches whose requests wait for room in the queue.
	logWaitingMax = 4 << 20
	// logCloseTimeout is how long Close waits for a stuck output before giving up on what is
	// still waiting: well inside the 20 s the shutdown budget leaves for exit (config.go).
	logCloseTimeout = 5 * time.Second
)

// logWriter batches access-log lines into one write per 16 KiB or per flush interval,
// whichever comes first, instead of one write system call per request: writing every line
// straight to stdout costs more than serving the request does.
//
// The batches are per CPU, not shared. Lines go into a shard taken from a sync.Pool, which
// hands each P (the runtime's CPU slot) its own; a single shared buffer, even one guarded by
// an uncontended mutex, made every request move the lock's and the buffer's cache lines
// between CPUs: per-CPU batches gave the whole server about 3 % more throughput on two CPUs
// (1–7 % in four paired runs; docs/performance.md). The price is order: batches from
// different CPUs reach the output in the order they fill or are flushed, so two lines written
// within one flush interval on different CPUs can appear swapped, by at most the interval
// (or by logStuckAfter while the output is behind, when a batch waits for room).
// Every line has its own time field, and log stores order by it. Each line is written whole,
// never interleaved.
//
// A caller never waits on a stuck output. Only one goroutine writes to it, and a full batch is
// handed to that goroutine through a queue of logQueueBatches. When the queue is full and the
// output is only behind, the request that filled the batch waits for room, at most
// logStuckAfter (and not once logWaitingMax bytes already wait); once a write to the output
// has been in progress for longer than logStuckAfter, the output counts as stuck and full
// batches are dropped at once. Dropped lines are counted, and the next time a write to the
// output completes, a warning record says how many. So memory for log lines stays bounded:
// a buffer for each shard, each queued batch, each spare and the one being written (each at
// most logShardMax, in practice a batch of 16 KiB and a line), and logWaitingMax: at most
// about 7 MiB with two shards.
//
// Lines that must not wait for a batch (startup, errors, shutdown) go through Unbuffered: it
// hands every batch to the writer and then its own line, so they appear after the lines
// buffered before them. Close writes out everything waiting, waiting at most logCloseTimeout
// for the output; a line written after a Close that finished is written at once.
type logWriter struct {
	out   io.Writer
	queue chan []byte // batches for the writer goroutine, in order
	spare chan []byte // empty buffers of written batches, to hand out again

	dropped      atomic.Int64 // lines dropped and not yet reported
	writingSince atomic.Int64 // when the write in progress began (UnixNano), 0 between writes
	waiting      atomic.Int64 // bytes of batches whose requests wait for room in the queue

	local sync.Pool // *shardRef: this P's shard

	shardsMu sync.Mutex
	shards   []*logShard // every shard made: what the flusher visits
	free     []*logShard // shards no shardRef points to any more, to hand out again

	outMu sync.Mutex // the writer goroutine's writes, and writes after Close
	err   error      // out's last write error, guarded by outMu

	closed atomic.Bool
	stop   chan struct{}
	done   chan struct{}
}

// logShard is one CPU's batch. The padding keeps two shards' hot fields off one cache line.
type logShard struct {
	mu  sync.Mutex
	buf []byte
	_   [64]byte
}

// shardRef is what the pool holds. The pool drops what it holds at garbage collection; when a
// dropped shardRef is collected, its shard goes back on the free list (runtime.AddCleanup),
// so the number of shards stays that of the Ps that log, not of the collections so far.
type shardRef struct{ shard *logShard }

func newLogWriter(w io.Writer) *logWriter {
	l := &logWriter{
		out:   w,
		queue: make(chan []byte, logQueueBatches),
		spare: make(chan []byte, 2*logQueueBatches),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	l.local.New = l.newShardRef
	go l.run()
	return l
}

func (l *logWriter) newShardRef() any {
	l.shardsMu.Lock()
	var s *logShard
	if n := len(l.free); n > 0 {
		s, l.free = l.free[n-1], l.free[:n-1]
	} else {
		s = &logShard{buf: make([]byte, 0, logShardSize)}
		l.shards = append(l.shards, s)
	}
	l.shardsMu.Unlock()
	ref := &shardRef{shard: s}
	runtime.AddCleanup(ref, l.release, s)
	return ref
}

// release returns a shard to the free list; its buffered lines stay where the flusher finds them.
func (l *logWriter) release(s *logShard) {
	l.shardsMu.Lock()
	l.free = append(l.free, s)
	l.shardsMu.Unlock()
}

// Write takes one complete line (the access log writes each line in one call) and copies it
// into this CPU's batch; the request that fills the batch hands it to the writer. It never
// waits for the output.
func (l *logWriter) Write(p []byte) (int, error) {
	ref := l.local.Get().(*shardRef)
	s := ref.shard
	s.mu.Lock()
	if l.closed.Load() { // Close has flushed, or is flushing, this shard
		s.mu.Unlock()
		l.local.Put(ref)
		l.writeAfterClose(p)
		return len(p), nil
	}
	s.buf = append(s.buf, p...)
	var full []byte
	if len(s.buf) >= logShardSize {
		full = l.handOff(s)
	}
	s.mu.Unlock()
	l.local.Put(ref)
	if full != nil {
		l.sendOrDrop(full)
	}
	return len(p), nil
}

// handOff queues s's batch for the writer without waiting and gives s an empty buffer. When
// the queue is full and the output stuck, the batch is dropped in place and its lines counted;
// when the queue is full and the output only behind, handOff takes the batch out of s and
// returns it, for the caller to pass to sendOrDrop once it has let go of s.mu, which must be
// held.
func (l *logWriter) handOff(s *logShard) (full []byte) {
	if len(s.buf) == 0 {
		return nil
	}
	select {
	case l.queue <- s.buf:
		s.buf = l.spareBuffer()
		return nil
	default:
	}
	if l.stuck() {
		l.drop(s.buf)
		s.buf = s.buf[:0]
		return nil
	}
	full, s.buf = s.buf, l.spareBuffer()
	return full
}

// stuck reports whether the write in progress has taken longer than logStuckAfter.
func (l *logWriter) stuck() bool {
	since := l.writingSince.Load()
	return since != 0 && time.Since(time.Unix(0, since)) > logStuckAfter
}

// sendOrDrop queues b for a writer that is behind: it first lets the writer run (a caller
// that never parks would otherwise keep it off the CPU), then waits for room at most
// logStuckAfter; it drops b and counts its lines at once when the output is stuck or
// logWaitingMax bytes already wait, or when the wait runs out.
func (l *logWriter) sendOrDrop(b []byte) {
	runtime.Gosched()
	select {
	case l.queue <- b:
		return
	default:
	}
	if l.stuck() {
		l.drop(b)
		return
	}
	n := int64(len(b))
	defer l.waiting.Add(-n)
	if l.waiting.Add(n) > logWaitingMax {
		l.drop(b)
		return
	}
	t := time.NewTimer(logStuckAfter)
	defer t.Stop()
	select {
	case l.queue <- b:
	case <-t.C:
		l.drop(b)
	}
}

func (l *logWriter) drop(b []byte) { l.dropped.Add(int64(bytes.Count(b, newline))) }

var newline = []byte{'\n'}

// spareBuffer is an empty buffer from a written batch, or a new one.
func (l *logWriter) spareBuffer() []byte {
	select {
	case b := <-l.spare:
		return b
	default:
		return make([]byte, 0, logShardSize)
	}
}

// Unbuffered is the writer for lines that should not wait for a batch: startup, errors,
// shutdown. Each Write hands every batch to the writer, then its own line, so lines
// buffered before it appear before it; like Write, it does not wait on a stuck output.
func (l *logWriter) Unbuffered() io.Writer { return unbufferedLog{l} }

type unbufferedLog struct{ l *logWriter }

func (u unbufferedLog) Write(p []byte) (int, error) {
	l := u.l
	l.handOffAll()
	ref := l.local.Get().(*shardRef)
	s := ref.shard
	s.mu.Lock()
	if l.closed.Load() {
		s.mu.Unlock()
		l.local.Put(ref)
		l.writeAfterClose(p)
		return len(p), nil
	}
	s.buf = append(s.buf, p...)
	full := l.handOff(s)
	s.mu.Unlock()
	l.local.Put(ref)
	if full != nil {
		l.sendOrDrop(full)
	}
	return len(p), nil
}

// handOffAll hands every shard's batch to the writer (Unbuffered, from a caller's goroutine).
func (l *logWriter) handOffAll() {
	for _, s := range l.allShards() {
		s.mu.Lock()
		full := l.handOff(s)
		s.mu.Unlock()
		if full != nil {
			l.sendOrDrop(full)
		}
	}
}

func (l *logWriter) allShards() []*logShard {
	l.shardsMu.Lock()
	defer l.shardsMu.Unlock()
	return l.shards[:len(l.shards):len(l.shards)]
}
