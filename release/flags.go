package release

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Flags are the deploy command's command line: the release Config plus where the tools are.
type Flags struct {
	Config
	Root       string // repository root: Pulumi.yaml, Pulumi.<stack>.yaml, policy/config/
	Pulumi     string // the pinned Pulumi CLI
	PolicyPack string // the prebuilt policy pack binary
	Region     string
	Check      bool // -check: the one-time check on a real account (check.go)
}

// Usage is printed after a bad flag.
const Usage = "usage: deploy -stack NAME [-dry-run] [-timeout 30m] [-rollback-timeout 10m] [-poll 5s] " +
	"[-verify-samples 20] [-max-sample-errors 0] [-region R] [-root .] [-pulumi bin/pulumi] [-policy-pack bin/policy-pack] [-keep-revisions N] [-check]"

// HelpRequested is ParseFlags' answer to -h or -help: not a mistake, so the caller prints Print's
// text and exits 0. It matches flag.ErrHelp.
type HelpRequested struct{ flags *flag.FlagSet }

func (h *HelpRequested) Error() string { return "help requested" }
func (h *HelpRequested) Unwrap() error { return flag.ErrHelp }

// Print writes the usage line and every flag with its default and meaning.
func (h *HelpRequested) Print(w io.Writer) {
	fmt.Fprintln(w, Usage)
	h.flags.SetOutput(w)
	h.flags.PrintDefaults()
}

// ParseFlags parses args (without the program name). The error is one sentence naming the bad flag.
func ParseFlags(args []string) (Flags, error) {
	var f Flags
	fs := flag.NewFlagSet("deploy", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // the caller prints one message, not flag's usage dump
	fs.StringVar(&f.Stack, "stack", "", "stack to release (required)")
	fs.BoolVar(&f.DryRun, "dry-run", false, "print the plan (preview + steps) and change nothing")
	fs.DurationVar(&f.Timeout, "timeout", 0, "rollout + verification budget after pulumi up (default: the stack output releaseTimeoutSeconds)")
	fs.DurationVar(&f.RollbackTimeout, "rollback-timeout", 10*time.Minute, "how long to wait for the old version to serve again")
	fs.DurationVar(&f.PollInterval, "poll", 5*time.Second, "interval between status polls")
	fs.IntVar(&f.VerifySamples, "verify-samples", 20, "answers in a row from the new version that end verification")
	fs.IntVar(&f.MaxSampleErrors, "max-sample-errors", 0, "failed requests tolerated during verification")
	fs.StringVar(&f.Region, "region", "", "AWS region; the release acts in the stack's aws:region, and this may only repeat it")
	fs.StringVar(&f.Root, "root", ".", "repository root")
	fs.StringVar(&f.Pulumi, "pulumi", "bin/pulumi", "the Pulumi CLI (make tools)")
	fs.StringVar(&f.PolicyPack, "policy-pack", "bin/policy-pack", "the policy pack binary (go build -o bin/policy-pack ./policy)")
	fs.IntVar(&f.KeepRevisions, "keep-revisions", DefaultKeepRevisions, "ACTIVE task definition revisions kept after a successful release (0: never prune)")
	fs.BoolVar(&f.Check, "check", false, "release once, then check day 2 on this account: no changes on a second up, what AWS stores, the previous revision ACTIVE")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return f, &HelpRequested{fs}
		}
		return f, err
	}
	var problems []string
	if fs.NArg() > 0 {
		problems = append(problems, fmt.Sprintf("unexpected argument %q (flags only)", fs.Arg(0)))
	}
	if f.Stack == "" {
		problems = append(problems, "-stack is required (e.g. -stack prod)")
	}
	durations := map[string]time.Duration{"-rollback-timeout": f.RollbackTimeout, "-poll": f.PollInterval}
	fs.Visit(func(fl *flag.Flag) {
		if fl.Name == "timeout" { // unset, it is the stack's
			durations["-timeout"] = f.Timeout
		}
	})
	for name, d := range durations {
		if d <= 0 {
			problems = append(problems, fmt.Sprintf("%s must be a positive duration such as 30s or 10m, not %s", name, d))
		}
	}
	if f.VerifySamples < 1 {
		problems = append(problems, fmt.Sprintf("-verify-samples must be at least 1, not %d", f.VerifySamples))
	}
	if f.MaxSampleErrors < 0 {
		problems = append(problems, fmt.Sprintf("-max-sample-errors must be 0 or more, not %d", f.MaxSampleErrors))
	}
	problems = append(problems, checkFlagProblems(f)...)
	if len(problems) > 0 {
		slices.Sort(problems) // map order must not decide the message
		return f, errors.New(strings.Join(problems, "; "))
	}
	return f, nil
}
