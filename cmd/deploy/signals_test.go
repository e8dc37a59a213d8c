package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeCLI is a test double of the Pulumi CLI as far as signals go (pkg/cmd/pulumi: the first SIGINT
// cancels the update gracefully, the second terminates it): it records its process group and each
// SIGINT, finishes a graceful cancel 0.3 s after the first, and exits at once on the second.
const fakeCLI = `#!/bin/sh
d=$(dirname "$0")
ints=0
trap 'ints=$((ints+1)); echo INT >> "$d/signals"' INT
cut -d' ' -f5 /proc/$$/stat > "$d/pgid"
[ "$FAKE_MODE" = quick ] && exit 0
i=0; j=0
while [ $i -lt 200 ]; do
  if [ $ints -ge 2 ]; then echo terminated >> "$d/signals"; exit 2; fi
  if [ $ints -eq 1 ]; then j=$((j+1)); if [ $j -ge 6 ]; then echo cancelled >> "$d/signals"; exit 1; fi; fi
  sleep 0.05; i=$((i+1))
done
exit 0
`

func newFakeCLI(t *testing.T) (*gracefulCLI, string) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "pulumi")
	if err := os.WriteFile(path, []byte(fakeCLI), 0o755); err != nil {
		t.Fatal(err)
	}
	return &gracefulCLI{path: path}, dir
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// when calls f once the fake CLI has written file (pgid: its trap is set; signals: it handled a
// SIGINT), so no signal arrives before the CLI can count it.
func when(dir, file string, f func()) {
	go func() {
		for range 500 {
			if _, err := os.Stat(filepath.Join(dir, file)); err == nil {
				f()
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
}

// A Ctrl-C in the terminal goes to the terminal's foreground process group. The CLI runs in a group
// of its own, so it gets the interrupt once, from the deploy command, not twice (which it would take
// as "terminate now").
func TestPulumiRunsInItsOwnProcessGroup(t *testing.T) {
	cli, dir := newFakeCLI(t)
	if _, _, code, err := cli.Run(context.Background(), dir, nil, nil, nil, []string{"FAKE_MODE=quick"}, "up"); err != nil || code != 0 {
		t.Fatalf("code %d, err %v", code, err)
	}
	pgid, err := strconv.Atoi(read(t, filepath.Join(dir, "pgid")))
	if err != nil {
		t.Fatal(err)
	}
	if pgid == syscall.Getpgrp() {
		t.Errorf("the CLI runs in the deploy command's process group %d: a terminal Ctrl-C reaches it directly", pgid)
	}
}

// The first interrupt asks the CLI to cancel once and waits for it to finish; the second terminates.
func TestInterruptCancelsThenTerminates(t *testing.T) {
	t.Run("once", func(t *testing.T) {
		cli, dir := newFakeCLI(t)
		interrupt := make(chan struct{})
		cli.interrupt = interrupt
		when(dir, "pgid", func() { close(interrupt) })
		_, _, code, _ := cli.Run(context.Background(), dir, nil, nil, nil, nil, "up")
		if got := read(t, filepath.Join(dir, "signals")); code != 1 || got != "INT\ncancelled" {
			t.Errorf("exit %d, signals %q: want one SIGINT and a graceful cancel", code, got)
		}
	})
	t.Run("twice", func(t *testing.T) {
		cli, dir := newFakeCLI(t)
		interrupt := make(chan struct{})
		cli.interrupt = interrupt
		ctx, terminate := context.WithCancel(context.Background())
		defer terminate()
		when(dir, "pgid", func() { close(interrupt) })
		when(dir, "signals", terminate)
		_, _, code, _ := cli.Run(ctx, dir, nil, nil, nil, nil, "up")
		if got := read(t, filepath.Join(dir, "signals")); code != 2 || got != "INT\nINT\nterminated" {
			t.Errorf("exit %d, signals %q: want two SIGINTs and termination", code, got)
		}
	})
}
