package offline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Step is what one resource goes through in a preview or up: its step ops in the engine's order,
// collapsed into one summary.
type Step struct {
	URN, Type, Name string
	Ops             []string
	Diffs, Replaces []string
	// Summary is "create", "update", "delete", "replace (create first)" or
	// "replace (DELETE FIRST)".
	Summary string
	// DeleteFirst: the old resource is deleted before its replacement exists.
	DeleteFirst bool
}

// Steps are the resources that change, in the order the engine first reached them; resources
// with only a "same" step are left out.
func (r *Result) Steps() []Step {
	var order []string
	byURN := map[string]*Step{}
	for _, e := range r.Resources {
		if e.Op == "same" || e.Op == "read" {
			continue
		}
		s, ok := byURN[e.URN]
		if !ok {
			s = &Step{URN: e.URN, Type: e.Type, Name: e.URN[strings.LastIndex(e.URN, "::")+2:]}
			byURN[e.URN] = s
			order = append(order, e.URN)
		}
		s.Ops = append(s.Ops, e.Op)
		for _, d := range e.Diffs {
			if !slices.Contains(s.Diffs, d) {
				s.Diffs = append(s.Diffs, d)
			}
		}
		for _, k := range e.ReplaceKeys {
			if !slices.Contains(s.Replaces, k) {
				s.Replaces = append(s.Replaces, k)
			}
		}
	}
	steps := make([]Step, 0, len(order))
	for _, urn := range order {
		s := byURN[urn]
		del, create := slices.Index(s.Ops, "delete-replaced"), slices.Index(s.Ops, "create-replacement")
		switch {
		case create >= 0 && del >= 0 && del < create:
			s.Summary, s.DeleteFirst = "replace (DELETE FIRST)", true
		case create >= 0 || slices.Contains(s.Ops, "replace"):
			s.Summary = "replace (create first)"
		default:
			s.Summary = s.Ops[0]
		}
		steps = append(steps, *s)
	}
	return steps
}

// PrintSteps writes one line per changed resource.
func PrintSteps(w io.Writer, title string, r *Result) {
	steps := r.Steps()
	fmt.Fprintf(w, "%s: %s, %d resources change (%.1f s)\n", title, r.Status, len(steps), r.Timings.Total)
	if r.Error != "" {
		fmt.Fprintf(w, "  error: %s\n", r.Error)
	}
	for _, s := range steps {
		detail := ""
		if len(s.Replaces) > 0 {
			detail = " (replaced by " + strings.Join(s.Replaces, ", ") + ")"
		} else if len(s.Diffs) > 0 {
			detail = " (" + strings.Join(s.Diffs, ", ") + ")"
		}
		fmt.Fprintf(w, "  %-24s %s %s%s\n", s.Summary, s.Type, s.Name, detail)
	}
}

// Day2Result is a day-2 run: the first up, the preview after it (the second `pulumi up` with
// nothing changed), then with the edit: its preview, its up, and the preview after that.
type Day2Result struct {
	Up, Second             *Result
	EditPreview, EditUp    *Result
	AfterEdit              *Result
	StateDir               string
	EditOverlay, BaseStack string
}

// Day2 simulates, in opts.StateDir (default: a new directory under RepoRoot/.offline/day2):
// up; preview; and, when editOverlay is set (a config overlay laid over opts' own), preview,
// up and preview again with the edit. It stops at the first run that does not pass.
func Day2(ctx context.Context, opts Options, editOverlay string) (*Day2Result, error) {
	if opts.StateDir == "" {
		base := filepath.Join(opts.RepoRoot, ".offline", "day2")
		if err := os.MkdirAll(base, 0o755); err != nil {
			return nil, err
		}
		dir, err := os.MkdirTemp(base, opts.Stack+"-")
		if err != nil {
			return nil, err
		}
		opts.StateDir = dir
	}
	opts.Simulate = true
	d := &Day2Result{StateDir: opts.StateDir, EditOverlay: editOverlay, BaseStack: opts.Stack}
	run := func(up bool, overlay string) (*Result, error) {
		o := opts
		o.Up, o.ConfigOverlay = up, overlay
		return Preview(ctx, o)
	}
	var err error
	if d.Up, err = run(true, opts.ConfigOverlay); err != nil || d.Up.Status != "passed" {
		return d, err
	}
	if d.Second, err = run(false, opts.ConfigOverlay); err != nil || d.Second.Status != "passed" || editOverlay == "" {
		return d, err
	}
	edit, err := combinedOverlay(opts.StateDir, opts.ConfigOverlay, editOverlay)
	if err != nil {
		return d, err
	}
	if d.EditPreview, err = run(false, edit); err != nil || d.EditPreview.Status != "passed" {
		return d, err
	}
	if d.EditUp, err = run(true, edit); err != nil || d.EditUp.Status != "passed" {
		return d, err
	}
	d.AfterEdit, err = run(false, edit)
	return d, err
}

// combinedOverlay is an overlay file with base's keys, then edit's (either may be "").
func combinedOverlay(dir, base, edit string) (string, error) {
	if base == "" {
		return edit, nil
	}
	out := filepath.Join(dir, "edit-overlay.yaml")
	data, err := os.ReadFile(base)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(out, data, 0o644); err != nil {
		return "", err
	}
	if err := overlayConfig(out, edit); err != nil {
		return "", err
	}
	return out, nil
}

// CopyState copies a simulation's state directory (backend, doubles' store, workspace) to dst, so
// several edits can start from one live stack.
func CopyState(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case !d.Type().IsRegular():
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}

// SimulationStore reads a double's simulation store of the stack in stateDir (e.g. the aws
// double's task definition revisions), for tests and `make day2`.
func SimulationStore(stateDir, stack, pkg string) (map[string]any, error) {
	data, err := os.ReadFile(filepath.Join(stateDir, stack, "state", pkg+"-double.json"))
	if errors.Is(err, os.ErrNotExist) {
		return map[string]any{}, nil
	}
	if err != nil {
		return nil, err
	}
	var out map[string]any
	return out, json.Unmarshal(data, &out)
}
