package components

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// ContextHash returns a content hash of a Docker build context: every file Docker would send
// (.dockerignore honoured, with the same matcher Docker uses), by path, kind (file, directory,
// symlink), executable bit and content, plus the Dockerfile and the target platform. Other
// permission bits are left out: they follow the checkout's umask (022 on CI, often 002 on a
// laptop) and never reach the image, whose only file is the binary built inside it. Equal trees give equal hashes, so an unchanged build context
// keeps the image tag and the task definition as they are.
func ContextHash(contextDir, dockerfile, platform string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "platform %s\n", platform)

	dockerfilePath := dockerfile
	if !filepath.IsAbs(dockerfilePath) {
		dockerfilePath = filepath.Join(contextDir, dockerfile)
	}
	df, err := os.ReadFile(dockerfilePath)
	if err != nil {
		return "", fmt.Errorf("reading the Dockerfile: %w (set buildContext and dockerfile to where it is)", err)
	}
	fmt.Fprintf(h, "dockerfile %d\n", len(df))
	h.Write(df)

	pm, err := dockerignore(contextDir)
	if err != nil {
		return "", err
	}
	parents := map[string]patternmatcher.MatchInfo{}
	err = filepath.WalkDir(contextDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(contextDir, path)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		ignored, info, err := pm.MatchesUsingParentResults(rel, parents[pathDir(rel)])
		if err != nil {
			return err
		}
		if d.IsDir() {
			parents[rel] = info
			if ignored && !exclusionBelow(pm, rel) {
				return filepath.SkipDir
			}
		}
		if ignored {
			return nil
		}
		return hashEntry(h, path, rel, d)
	})
	if err != nil {
		return "", fmt.Errorf("hashing the build context %s: %w", contextDir, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func dockerignore(contextDir string) (*patternmatcher.PatternMatcher, error) {
	var patterns []string
	f, err := os.Open(filepath.Join(contextDir, ".dockerignore"))
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		defer f.Close()
		if patterns, err = ignorefile.ReadAll(f); err != nil {
			return nil, fmt.Errorf("reading .dockerignore: %w", err)
		}
	}
	return patternmatcher.New(patterns)
}

// exclusionBelow reports whether a "!pattern" could re-include something under dir, in which case
// an ignored directory must still be walked (the same test Docker's archiver makes).
func exclusionBelow(pm *patternmatcher.PatternMatcher, dir string) bool {
	if !pm.Exclusions() {
		return false
	}
	for _, p := range pm.Patterns() {
		if p.Exclusion() && strings.HasPrefix(p.String()+"/", dir+"/") {
			return true
		}
	}
	return false
}

func pathDir(rel string) string {
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		return rel[:i]
	}
	return "."
}

func hashEntry(h io.Writer, path, rel string, d fs.DirEntry) error {
	info, err := d.Info()
	if err != nil {
		return err
	}
	fmt.Fprintf(h, "%s %s\n", rel, hashedMode(info.Mode()))
	switch {
	case info.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "-> %s\n", target)
	case info.Mode().IsRegular():
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		fmt.Fprintf(h, "%d\n", info.Size())
		if _, err := io.Copy(h, f); err != nil {
			return err
		}
	}
	return nil
}

// hashedMode is the part of a file mode that can change what the build does: the kind of entry and,
// for files, whether it is executable (by anyone: a umask never removes the owner's x bit).
func hashedMode(m fs.FileMode) string {
	kind := "file"
	switch {
	case m.IsDir():
		return "dir"
	case m&fs.ModeSymlink != 0:
		return "symlink"
	case !m.IsRegular():
		kind = "other " + (m & fs.ModeType).String()
	}
	if m&0o111 != 0 {
		return kind + " executable"
	}
	return kind
}
