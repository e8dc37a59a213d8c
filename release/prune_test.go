package release

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func TestParseRevision(t *testing.T) {
	for arn, want := range map[string]revision{
		"arn:aws:ecs:us-east-1:123456789012:task-definition/webstack:12":            {family: "webstack", number: 12},
		"arn:aws:ecs:us-east-1:123456789012:task-definition/webstack-worker:3":      {family: "webstack-worker", number: 3},
		"arn:aws-cn:ecs:cn-north-1:123456789012:task-definition/webstack-prod-td:1": {family: "webstack-prod-td", number: 1},
	} {
		got, ok := parseRevision(arn)
		want.arn = arn
		if !ok || got != want {
			t.Errorf("parseRevision(%q) = %+v, %v; want %+v", arn, got, ok, want)
		}
	}
	for _, bad := range []string{"", "webstack:3", "arn:aws:ecs:us-east-1:1:task-definition/webstack", "arn:aws:ecs:us-east-1:1:task-definition/webstack:x",
		"arn:aws:ecs:us-east-1:1:task-definition/:3", "arn:aws:ecs:us-east-1:1:task-definition/webstack:0"} {
		if r, ok := parseRevision(bad); ok {
			t.Errorf("parseRevision(%q) = %+v, want not ok", bad, r)
		}
	}
}

// servingRevision makes the world serve revision n (revisions 1..n registered), as after n releases.
func servingRevision(w *world, n int) {
	w.revision, w.serving = n, td(n)
	for _, task := range w.tasks {
		task.td = td(n)
	}
	for _, dep := range w.deployments {
		dep.td = td(n)
	}
}

//lint:ignore ST1008 a test helper: the run's output comes last, after its error, so call sites read res, err, out
func runWithRegistry(t *testing.T, w *world, reg *registry, tune func(*Deployer)) (Result, error, string) {
	t.Helper()
	return run(t, w, func(d *Deployer) {
		withRegistry(t, d, w, reg)
		d.Config.KeepRevisions = DefaultKeepRevisions
		if tune != nil {
			tune(d)
		}
	})
}

func (r *registry) statusOf(w *world, rev int) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return r.status[td(rev)]
}

// After a successful release the revisions beyond the newest 10 are deregistered, over every page
// ListTaskDefinitions returns, and another family is never listed or touched.
func TestPruneAfterSuccessfulRelease(t *testing.T) {
	w := newWorld(Rolling)
	servingRevision(w, 12)
	reg := newRegistry(t)
	reg.pageSize = 4 // 13 revisions: four pages
	reg.add("webstack-worker", 3)
	res, err, out := runWithRegistry(t, w, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.NewTaskDefinition != td(13) {
		t.Fatalf("result = %+v", res)
	}
	if want := []string{td(3), td(2), td(1)}; !slices.Equal(reg.deregistered, want) {
		t.Errorf("deregistered %v, want %v (revisions beyond the newest %d)", reg.deregistered, want, DefaultKeepRevisions)
	}
	for rev := 4; rev <= 13; rev++ {
		if s := reg.statusOf(w, rev); s != "ACTIVE" {
			t.Errorf("revision %d is %s, want ACTIVE", rev, s)
		}
	}
	if len(reg.listInputs) != 4 {
		t.Errorf("ListTaskDefinitions called %d times, want 4 (one per page)", len(reg.listInputs))
	}
	for _, in := range reg.listInputs {
		if in["familyPrefix"] != "webstack" || in["status"] != "ACTIVE" || in["sort"] != "DESC" {
			t.Errorf("ListTaskDefinitions input %v, want familyPrefix webstack, status ACTIVE, sort DESC on every page", in)
		}
	}
	if !strings.Contains(out, "deregistered 3 old revisions of webstack (keeping the newest 10 and every one in use): [3 2 1]") {
		t.Error("the output does not say what was deregistered")
	}
}

// Never the revision that serves, any revision the service still references, the one the release
// started from, or the one before the serving one, even when the number to keep is smaller.
func TestPruneKeepsWhatServesAndItsRollbackTarget(t *testing.T) {
	w := newWorld(Rolling)
	servingRevision(w, 12)
	reg := newRegistry(t)
	d := newTestDeployer(t, w, &strings.Builder{})
	withRegistry(t, d, w, reg)
	ctx := context.Background()
	active, err := activeRevisions(ctx, d.ECS, "webstack")
	if err != nil {
		t.Fatal(err)
	}
	if len(active) != 12 || active[0].arn != td(12) || active[11].arn != td(1) {
		t.Fatalf("active revisions %v, want 12..1", active)
	}
	// An unchanged release (previous == serving) while an old deployment of revision 9 still drains.
	svc := ecstypes.Service{TaskDefinition: aws.String(td(12)), Deployments: []ecstypes.Deployment{
		{TaskDefinition: aws.String(td(12)), Status: aws.String("PRIMARY")}, {TaskDefinition: aws.String(td(9)), Status: aws.String("ACTIVE")}}}
	protected := protectedRevisions(svc, td(12), td(12), active)
	done, err := deregisterBeyond(ctx, d.ECS, active, 1, protected)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{td(10), td(8), td(7), td(6), td(5), td(4), td(3), td(2), td(1)}
	if !slices.Equal(done, want) {
		t.Errorf("deregistered %v, want %v: 12 serves, 11 is the one before it, 9 still has a deployment", done, want)
	}

	// Blue-green: every task set is kept, whatever it runs (here an old one, 2, still draining).
	bg := ecstypes.Service{TaskSets: []ecstypes.TaskSet{{TaskDefinition: aws.String(td(5)), Status: aws.String("PRIMARY")},
		{TaskDefinition: aws.String(td(2)), Status: aws.String("ACTIVE")}}}
	p := protectedRevisions(bg, td(5), td(3), active)
	for _, rev := range []int{5, 4, 3, 2} { // 4: the newest one before the serving 5; 3: where the release started
		if !p[td(rev)] {
			t.Errorf("blue-green: revision %d not protected: %v", rev, p)
		}
	}
	if len(p) != 4 {
		t.Errorf("blue-green: protected %v, want only 2, 3, 4, 5", p)
	}
}

func TestNoPruneAfterFailedRelease(t *testing.T) {
	w := newWorld(Rolling)
	servingRevision(w, 12)
	w.badRevisions[td(13)] = true
	reg := newRegistry(t)
	_, err, _ := runWithRegistry(t, w, reg, nil)
	wantFailed(t, err, "verification failed", td(12))
	if len(reg.listInputs)+len(reg.deregistered) != 0 {
		t.Errorf("a failed release listed %d times and deregistered %v", len(reg.listInputs), reg.deregistered)
	}
}

// A failed deregistration is a warning: the release succeeded, and the others are still pruned.
func TestPruneErrorsDoNotFailTheRelease(t *testing.T) {
	w := newWorld(BlueGreen)
	servingRevision(w, 12)
	reg := newRegistry(t)
	reg.failDeregister[td(2)] = true
	_, err, out := runWithRegistry(t, w, reg, nil)
	if err != nil {
		t.Fatalf("the release failed because pruning did: %v", err)
	}
	if want := []string{td(3), td(1)}; !slices.Equal(reg.deregistered, want) {
		t.Errorf("deregistered %v, want %v", reg.deregistered, want)
	}
	if !strings.Contains(out, "warning: pruning old task definition revisions failed (the release itself succeeded") ||
		!strings.Contains(out, "DeregisterTaskDefinition "+td(2)) {
		t.Errorf("no warning naming %s", td(2))
	}
}

func TestKeepRevisionsZeroNeverPrunes(t *testing.T) {
	w := newWorld(Rolling)
	servingRevision(w, 12)
	reg := newRegistry(t)
	_, err, _ := runWithRegistry(t, w, reg, func(d *Deployer) { d.Config.KeepRevisions = 0 })
	if err != nil {
		t.Fatal(err)
	}
	if len(reg.listInputs)+len(reg.deregistered) != 0 {
		t.Errorf("-keep-revisions 0 listed %d times and deregistered %v", len(reg.listInputs), reg.deregistered)
	}
}

func TestKeepRevisionsAndCheckFlags(t *testing.T) {
	f, err := ParseFlags([]string{"-stack", "dev"})
	if err != nil || f.KeepRevisions != DefaultKeepRevisions || f.Check {
		t.Errorf("defaults: %+v, %v; want KeepRevisions %d, Check false", f, err, DefaultKeepRevisions)
	}
	if f, err := ParseFlags([]string{"-stack", "dev", "-keep-revisions", "0", "-check"}); err != nil || f.KeepRevisions != 0 || !f.Check {
		t.Errorf("-keep-revisions 0 -check: %+v, %v", f, err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-stack", "dev", "-keep-revisions", "1"}, "-keep-revisions must be 0 (never prune) or at least 2"},
		{[]string{"-stack", "dev", "-keep-revisions", "-3"}, "-keep-revisions must be 0 (never prune) or at least 2"},
		{[]string{"-stack", "dev", "-check", "-dry-run"}, "-check and -dry-run exclude each other"},
	} {
		if _, err := ParseFlags(tc.args); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseFlags(%q) = %v, want %q", tc.args, err, tc.want)
		}
	}
}

// The flag table (docs/releases.md) states the default from its one home.
func TestDocsStateTheKeepRevisionsDefault(t *testing.T) {
	b, err := os.ReadFile("../docs/releases.md")
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("| `-keep-revisions` | %d |", DefaultKeepRevisions)
	if !strings.Contains(string(b), want) {
		t.Errorf("docs/releases.md has no row %q", want)
	}
}
