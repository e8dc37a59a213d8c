package offline_test

import (
	"context"
	"testing"
	"time"

	"example.com/webstack/offline"
	"example.com/webstack/program"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// BenchmarkOfflinePreview measures a warm offline preview of the dev stack against a baseline
// in the same run: the same harness, engine and policy pack with an empty program (no provider
// plugin launched, nothing to analyze). The ratio and the per-phase seconds show where the time
// goes; absolute times depend on the machine and its load.
func BenchmarkOfflinePreview(b *testing.B) {
	root, state := repoRoot(b), b.TempDir()
	run := func(program pulumi.RunFunc) offline.Timings {
		res, err := offline.Preview(context.Background(), offline.Options{
			Stack: "dev", RepoRoot: root, Program: program, StateDir: state,
		})
		if err != nil || res.Status != "passed" {
			b.Fatalf("preview: %v %+v", err, res)
		}
		return res.Timings
	}
	empty := func(*pulumi.Context) error { return nil }
	run(program.Run) // warm: the go build cache, the page cache, the stack in the state dir
	var base, full offline.Timings
	for b.Loop() {
		e, f := run(empty), run(program.Run)
		base.Total += e.Total
		full.Total += f.Total
		full.Build += f.Build
		full.Setup += f.Setup
		full.Preview += f.Preview
		full.Program += f.Program
		base.Preview += e.Preview
	}
	n := float64(b.N)
	b.ReportMetric(full.Total/base.Total, "x-empty-program")
	b.ReportMetric(full.Total/n, "s-total")
	b.ReportMetric(base.Total/n, "s-total-empty")
	b.ReportMetric(full.Build/n, "s-build")
	b.ReportMetric(full.Setup/n, "s-setup")
	b.ReportMetric(full.Preview/n, "s-preview")
	b.ReportMetric(base.Preview/n, "s-preview-empty")
	b.ReportMetric(full.Program/n, "s-program")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkOfflinePreviewDay2 measures the day-2 sequence of one stack, warm: a simulated up of
// dev from nothing then the preview after it (offline.Day2 without an edit, a fresh state
// directory each time, so it includes the stack's creation), against a plain offline preview
// of dev in the same run.
func BenchmarkOfflinePreviewDay2(b *testing.B) {
	root, state := repoRoot(b), b.TempDir()
	opts := offline.Options{Stack: "dev", RepoRoot: root, Program: program.Run, StateDir: state}
	preview := func() float64 {
		res, err := offline.Preview(context.Background(), opts)
		if err != nil || res.Status != "passed" {
			b.Fatalf("preview: %v %+v", err, res)
		}
		return res.Timings.Total
	}
	preview() // warm
	var day2, plain float64
	for b.Loop() {
		o := opts
		o.StateDir = b.TempDir()
		start := time.Now()
		d, err := offline.Day2(context.Background(), o, "")
		if err != nil || d.Second == nil || d.Second.Status != "passed" || len(d.Second.Steps()) > 0 {
			b.Fatalf("day2: %v %+v", err, d)
		}
		day2 += time.Since(start).Seconds()
		plain += preview()
	}
	n := float64(b.N)
	b.ReportMetric(day2/n, "s-up-then-preview")
	b.ReportMetric(plain/n, "s-preview")
	b.ReportMetric(day2/plain, "x-preview")
	b.ReportMetric(0, "ns/op")
}
