package release

import (
	"errors"
	"strings"
	"testing"
)

// A blue-green stack is refreshed before `pulumi up` (CodeDeploy moved production; Pulumi's
// state must follow first); a rolling one is not.
func TestBlueGreenStackIsRefreshedBeforeUp(t *testing.T) {
	bg := newWorld(BlueGreen)
	_, err, out := run(t, bg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := refreshesOf(bg); len(got) != 1 || got[0] != 0 {
		t.Errorf("blue-green: refreshes with ups before them %v, want one refresh before any up", got)
	}
	if r, u := strings.Index(out, "==> pulumi refresh"), strings.Index(out, "==> pulumi up"); r < 0 || r > u {
		t.Errorf("the output does not show the refresh before the up")
	}

	rolling := newWorld(Rolling)
	if _, err, _ := run(t, rolling, nil); err != nil {
		t.Fatal(err)
	}
	if got := refreshesOf(rolling); len(got) != 0 {
		t.Errorf("rolling: %d refreshes, want none", len(got))
	}
}

// Without a refresh a blue-green stack is not updated at all: a switch to rolling while
// production is on green would drain the serving tasks (issue 12, item 6).
func TestFailedRefreshReleasesNothing(t *testing.T) {
	w := newWorld(BlueGreen)
	failRefresh(w, errors.New("AccessDenied: elasticloadbalancing:DescribeListeners"))
	_, err, _ := run(t, w, nil)
	if err == nil || !strings.Contains(err.Error(), "pulumi refresh failed, so nothing was released: AccessDenied") ||
		!strings.Contains(err.Error(), "a switch to rolling") {
		t.Errorf("err = %v", err)
	}
	if w.ups != 0 || len(w.createdAppSpecs) != 0 {
		t.Errorf("after a failed refresh: %d ups, AppSpecs %v; want none", w.ups, w.createdAppSpecs)
	}
}
