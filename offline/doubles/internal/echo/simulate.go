package echo

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"example.com/webstack/offline/doubles/simflag"
)

// The simulated `up` of the offline harness (offline.Options.Simulate). Only the harness turns it
// on, and only for a throwaway file backend: SimulateEnv names the backend directory, the engine
// must use exactly that directory (PULUMI_BACKEND_URL file://<dir>), and the directory must hold
// the marker file the harness writes. Anything less and the double refuses create, update and
// delete as always. No network is touched in either mode.
const (
	SimulateEnv    = simflag.Env
	SimulateMarker = simflag.Marker
)

// simulationDir is the directory of a valid simulation, or "" (simulation off), or an error
// when the flag is set but the conditions are not met.
func simulationDir() (string, error) {
	dir := os.Getenv(SimulateEnv)
	if dir == "" {
		return "", nil
	}
	if !filepath.IsAbs(dir) {
		return "", fmt.Errorf("%s=%q: not an absolute path", SimulateEnv, dir)
	}
	if backend := os.Getenv("PULUMI_BACKEND_URL"); backend != "file://"+dir {
		return "", fmt.Errorf("%s is set but the backend is %q, not the throwaway file://%s: refusing to simulate", SimulateEnv, backend, dir)
	}
	if _, err := os.Stat(filepath.Join(dir, SimulateMarker)); err != nil {
		return "", fmt.Errorf("%s: %s has no %s marker (only the offline harness makes one): refusing to simulate", SimulateEnv, dir, SimulateMarker)
	}
	return dir, nil
}

// Simulation is a double's behaviour in the simulated up. Each function may be nil: Check then
// returns the inputs, Diff compares inputs exactly, Create and Update echo the inputs with a
// made-up id, Delete forgets the resource.
type Simulation struct {
	Check  func(s *Store, urn, typ string, olds, news map[string]any) (map[string]any, error)
	Diff   func(s *Store, typ string, oldInputs, oldState, news map[string]any) (Diff, error)
	Create func(s *Store, urn, typ string, inputs map[string]any) (id string, outputs map[string]any, err error)
	Update func(s *Store, urn, typ, id string, oldInputs, oldState, news map[string]any) (map[string]any, error)
	Delete func(s *Store, urn, typ, id string, state map[string]any) error
	// UnknownOnUpdate names, per type, the computed outputs an update changes (unknown in its
	// preview); the others keep their values.
	UnknownOnUpdate map[string][]string
}

// Diff is a double's answer to the engine's Diff.
type Diff struct {
	Changed, Replaces   []string
	DeleteBeforeReplace bool
}

// Store is the double's own record of what "exists" in the simulation (names taken, task
// definition revisions, ...), one JSON file per provider package in the simulation directory,
// locked across the double's processes.
type Store struct {
	path string
	// Config is the provider configuration the engine sent to Configure ("aws:region", ...).
	Config map[string]string
}

// Update runs fn on the store's data under an exclusive lock and saves it.
func (s *Store) Update(fn func(data map[string]any) error) error {
	lock, err := os.OpenFile(s.path+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return err
	}
	data := map[string]any{}
	if text, err := os.ReadFile(s.path); err == nil {
		if err := json.Unmarshal(text, &data); err != nil {
			return fmt.Errorf("simulation store %s: %w", s.path, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := fn(data); err != nil {
		return err
	}
	text, err := json.MarshalIndent(data, "", "  ")
	if err != nil {
		return err
	}
	tmp := s.path + ".tmp"
	if err := os.WriteFile(tmp, text, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, s.path)
}

// NewStore is a store at path with the provider configuration config (for the doubles' tests;
// the server makes its own from the simulation directory).
func NewStore(path string, config map[string]string) *Store {
	return &Store{path: path, Config: config}
}

// StorePath is where a package's double keeps its simulation store.
func StorePath(dir, pkg string) string { return filepath.Join(dir, pkg+"-double.json") }

// RandomHex is n random hex digits (ids and auto-name suffixes).
func RandomHex(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}
