package imagetest

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// No registry answers on these machines, so the Dockerfile's two base images are made here, from
// the Go module proxy and the host's Debian packages, as OCI image layouts. BuildKit's named build
// contexts (`context:<the FROM reference>=oci-layout://...`) put them in place of the pinned
// references without an edit to the Dockerfile. docs/image.md lists what each stand-in lacks.

// standinRecipe names what the stand-ins hold: change it with their contents, so that layouts
// cached under .cache/image are made again.
const standinRecipe = "webstack-imagetest-standins-1"

// bases are the Dockerfile's two base images, exactly as its FROM lines name them.
type bases struct {
	Builder   string // golang:<version>-bookworm@sha256:...
	Runtime   string // gcr.io/distroless/static-debian12:nonroot@sha256:...
	GoVersion string // <version>, read from the builder's tag
}

var golangTag = regexp.MustCompile(`^golang:(1\.\d+\.\d+)-`)

// readBases parses the Dockerfile with BuildKit's own parser: the first stage's base is the
// builder, the last stage's the runtime.
func readBases(dockerfile string) (bases, error) {
	dt, err := os.ReadFile(dockerfile)
	if err != nil {
		return bases{}, err
	}
	ast, err := parser.Parse(bytes.NewReader(dt))
	if err != nil {
		return bases{}, err
	}
	stages, _, err := instructions.Parse(ast.AST, nil)
	if err != nil {
		return bases{}, err
	}
	if len(stages) < 2 {
		return bases{}, fmt.Errorf("%s has %d stages, want a build stage and a runtime stage", dockerfile, len(stages))
	}
	b := bases{Builder: stages[0].BaseName, Runtime: stages[len(stages)-1].BaseName}
	m := golangTag.FindStringSubmatch(b.Builder)
	if m == nil {
		return b, fmt.Errorf("the build stage's base %q is not golang:<go version>-...: the builder stand-in needs the Go version from its tag", b.Builder)
	}
	b.GoVersion = m[1]
	return b, nil
}

// Host files the stand-ins copy, from Debian's packages (scripts/image-deps.sh installs them).
const (
	hostBusybox   = "/bin/busybox"                       // busybox-static
	hostCACerts   = "/etc/ssl/certs/ca-certificates.crt" // ca-certificates
	hostZoneinfo  = "/usr/share/zoneinfo"                // tzdata
	hostOSRelease = "/etc/os-release"                    // base-files
)

// busyboxApplets are the commands the builder stand-in links to busybox: a shell for RUN and
// a few tools for whoever debugs a build in it. The real golang image is a full Debian.
var busyboxApplets = []string{"sh", "cat", "cp", "env", "ls", "mkdir", "mv", "rm", "ln", "chmod", "echo", "true", "false", "test", "id", "uname"}

// toolchain is the Go distribution the golang image holds, as the module proxy serves it.
type toolchain struct {
	Dir string // the extracted module in the module cache
	Sum string // its go.sum hash: the cache key of the builder stand-in
}

// downloadToolchain fetches golang.org/toolchain@v0.0.1-go<version>.linux-<arch>, the same archive
// the go command runs when GOTOOLCHAIN asks for another version. It lands in the module cache,
// which outlives the repository's clones.
func downloadToolchain(goVersion, workDir string) (toolchain, error) {
	mod := fmt.Sprintf("golang.org/toolchain@v0.0.1-go%s.linux-%s", goVersion, runtime.GOARCH)
	cmd := exec.Command("go", "mod", "download", "-json", mod)
	cmd.Dir = workDir // outside the repository's module: nothing to record in its go.sum
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GO111MODULE=on")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var tc toolchain
	if err == nil {
		err = json.Unmarshal(out, &tc)
	}
	if err != nil || tc.Dir == "" || tc.Sum == "" {
		return tc, fmt.Errorf("go mod download %s: %v %s %s", mod, err, stderr.String(), out)
	}
	return tc, nil
}

// toolchainMode gives the files of the toolchain module their modes back: module zips keep no
// permission bits, so the go command sets the executable bits itself after extracting a
// toolchain (allowExec in src/cmd/go/internal/toolchain/select.go); this is the same list.
func toolchainMode(rel string, isDir bool) int64 {
	if isDir {
		return 0o755
	}
	if strings.HasPrefix(rel, "bin/") || strings.HasPrefix(rel, "pkg/tool/") {
		return 0o755
	}
	if ok, _ := path.Match("lib/*/go_?*_?*_exec", rel); ok {
		return 0o755
	}
	return 0o644
}

// builderLayer is the golang image stand-in: the toolchain at /usr/local/go, GOPATH /go
// world-writable as the image makes it, busybox as /bin/sh, root's passwd entry, CA certificates.
func builderLayer(tc toolchain) (layer, error) {
	l := layer{}
	l.dir("bin", 0o755, 0, 0)
	if err := l.hostFile("bin/busybox", hostBusybox, 0o755); err != nil {
		return nil, err
	}
	for _, a := range busyboxApplets {
		l.symlink("bin/"+a, "busybox")
	}
	l.file("etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/bin/sh\n"))
	l.file("etc/group", 0o644, []byte("root:x:0:\n"))
	if err := l.hostFile("etc/ssl/certs/ca-certificates.crt", hostCACerts, 0o644); err != nil {
		return nil, err
	}
	l.dir("root", 0o700, 0, 0)
	l.dir("tmp", 0o1777, 0, 0)
	for _, d := range []string{"go", "go/src", "go/bin"} {
		l.dir(d, 0o1777, 0, 0)
	}
	return l, l.hostTree("usr/local/go", tc.Dir, toolchainMode)
}

// builderConfig is the golang image's own config (Env, WorkingDir, Cmd), which RUN steps and the
// Dockerfile's cache mount at /go/pkg/mod rely on.
func builderConfig(goVersion string) imageConfig {
	return imageConfig{
		Env: []string{
			"PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"GOLANG_VERSION=" + goVersion,
			"GOTOOLCHAIN=local",
			"GOPATH=/go",
		},
		WorkingDir: "/go",
		Cmd:        []string{"sh"},
	}
}

// Distroless static-debian12:nonroot's users and groups (its passwd and group files).
const (
	distrolessPasswd = "root:x:0:0:root:/root:/sbin/nologin\n" +
		"nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n" +
		"nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
	distrolessGroup = "root:x:0:\nnobody:x:65534:\ntty:x:5:\nstaff:x:50:\nnonroot:x:65532:\n"
)

// runtimeLayer is the distroless static stand-in: what its Bazel rule puts in (distroless
// base/base.bzl: passwd, group, /tmp 01777, nsswitch.conf, os-release, the CA bundle, tzdata),
// with /home/nonroot owned by nonroot, and no shell.
func runtimeLayer() (layer, error) {
	l := layer{}
	l.file("etc/passwd", 0o644, []byte(distrolessPasswd))
	l.file("etc/group", 0o644, []byte(distrolessGroup))
	l.file("etc/nsswitch.conf", 0o644, []byte("hosts: files dns\n"))
	if err := l.hostFile("etc/os-release", hostOSRelease, 0o644); err != nil {
		return nil, err
	}
	if err := l.hostFile("etc/ssl/certs/ca-certificates.crt", hostCACerts, 0o644); err != nil {
		return nil, err
	}
	l.dir("home/nonroot", 0o700, 65532, 65532)
	l.dir("root", 0o700, 0, 0)
	l.dir("tmp", 0o1777, 0, 0)
	return l, l.hostTree("usr/share/zoneinfo", hostZoneinfo, func(_ string, isDir bool) int64 {
		if isDir {
			return 0o755
		}
		return 0o644
	})
}

// runtimeConfig is distroless's config for the nonroot variant.
func runtimeConfig() imageConfig {
	return imageConfig{
		User: "65532",
		Env: []string{
			"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt",
		},
		WorkingDir: "/home/nonroot",
	}
}

// standin is an OCI image layout on disk and its manifest's digest.
type standin struct {
	Dir, Digest string
}

// cachedStandin returns the layout under cacheDir for this recipe, making it first if it is not
// there. Layouts of other recipes (an older Go version, say) are removed.
func cachedStandin(cacheDir, name string, key []string, build func() (layer, imageConfig, error)) (standin, error) {
	h := sha256.New()
	for _, k := range append([]string{standinRecipe, runtime.GOARCH}, key...) {
		fmt.Fprintf(h, "%d:%s\n", len(k), k)
	}
	dir := filepath.Join(cacheDir, name+"-"+hex.EncodeToString(h.Sum(nil))[:16])
	if d, err := layoutDigest(dir); err == nil {
		return standin{dir, d}, nil
	}
	old, _ := filepath.Glob(filepath.Join(cacheDir, name+"-*"))
	for _, o := range old {
		if !strings.Contains(filepath.Base(o), ".tmp") { // another run may be writing it
			os.RemoveAll(o)
		}
	}
	l, cfg, err := build()
	if err != nil {
		return standin{}, fmt.Errorf("stand-in %s: %w", name, err)
	}
	tmp := fmt.Sprintf("%s.tmp%d", dir, os.Getpid())
	d, err := writeLayout(tmp, l, cfg, name)
	if err == nil {
		err = os.Rename(tmp, dir)
	}
	if err != nil {
		os.RemoveAll(tmp)
		if d, derr := layoutDigest(dir); derr == nil { // another run made it first
			return standin{dir, d}, nil
		}
		return standin{}, fmt.Errorf("stand-in %s: %w", name, err)
	}
	return standin{dir, d}, nil
}

// hashFiles is a cache key over host files and trees: names, modes, link targets and contents.
func hashFiles(roots ...string) (string, error) {
	h := sha256.New()
	for _, root := range roots {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "%s %o %d\n", p, info.Mode(), info.Size())
			switch {
			case info.Mode()&fs.ModeSymlink != 0:
				t, err := os.Readlink(p)
				fmt.Fprintf(h, "-> %s\n", t)
				return err
			case info.Mode().IsRegular():
				f, err := os.Open(p)
				if err != nil {
					return err
				}
				defer f.Close()
				_, err = io.Copy(h, f)
				return err
			}
			return nil
		})
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// A layer is a root filesystem change set: tar entries by path (no leading slash).
type layer map[string]*layerEntry

type layerEntry struct {
	hdr  tar.Header
	src  string // host file holding the content, if any
	data []byte
}

func (l layer) dir(name string, mode int64, uid, gid int) {
	l[name] = &layerEntry{hdr: tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode, Uid: uid, Gid: gid}}
}

func (l layer) file(name string, mode int64, data []byte) {
	l[name] = &layerEntry{hdr: tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(data))}, data: data}
}

func (l layer) symlink(name, target string) {
	l[name] = &layerEntry{hdr: tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777}}
}

func (l layer) hostFile(name, src string, mode int64) error {
	info, err := os.Stat(src)
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", src)
	}
	l[name] = &layerEntry{hdr: tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: info.Size()}, src: src}
	return nil
}

// hostTree adds the directory tree src at dst: directories, regular files and symlinks, each
// file's mode given by mode (root-owned).
func (l layer) hostTree(dst, src string, mode func(rel string, isDir bool) int64) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		name := path.Join(dst, rel)
		switch t := d.Type(); {
		case t.IsDir():
			l.dir(name, mode(rel, true), 0, 0)
		case t&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			l.symlink(name, target)
		case t.IsRegular():
			return l.hostFile(name, p, mode(rel, false))
		default:
			return fmt.Errorf("%s: not a file, directory or symlink", p)
		}
		return nil
	})
}

// epoch is every entry's mtime and the images' creation time, so a layout is a function of its
// contents alone.
var epoch = time.Unix(0, 0).UTC()

// writeTar writes the layer in path order, with any missing parent directories, as root-owned
// entries with fixed times.
func (l layer) writeTar(w io.Writer) error {
	for name := range l {
		for p := path.Dir(name); p != "."; p = path.Dir(p) {
			if _, ok := l[p]; !ok {
				l.dir(p, 0o755, 0, 0)
			}
		}
	}
	tw := tar.NewWriter(w)
	for _, name := range slices.Sorted(maps.Keys(l)) {
		e := l[name]
		hdr := e.hdr
		hdr.ModTime, hdr.Format = epoch, tar.FormatPAX
		if err := tw.WriteHeader(&hdr); err != nil {
			return err
		}
		switch {
		case e.src != "":
			f, err := os.Open(e.src)
			if err != nil {
				return err
			}
			n, err := io.Copy(tw, f)
			f.Close()
			if err == nil && n != hdr.Size {
				err = fmt.Errorf("%s changed size while being copied", e.src)
			}
			if err != nil {
				return err
			}
		case e.data != nil:
			if _, err := tw.Write(e.data); err != nil {
				return err
			}
		}
	}
	return tw.Close()
}

// imageConfig is the part of an OCI image config that a stand-in sets.
type imageConfig struct {
	User       string   `json:"User,omitempty"`
	Env        []string `json:"Env,omitempty"`
	Cmd        []string `json:"Cmd,omitempty"`
	WorkingDir string   `json:"WorkingDir,omitempty"`
}

type descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// writeLayout writes a one-layer, one-platform OCI image layout (image-spec image-layout.md) to
// dir and returns its manifest's digest. The layer is an uncompressed tar.
func writeLayout(dir string, l layer, cfg imageConfig, name string) (string, error) {
	if err := os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755); err != nil {
		return "", err
	}
	layerDesc, err := putBlob(dir, "application/vnd.oci.image.layer.v1.tar", l.writeTar)
	if err != nil {
		return "", err
	}
	config := map[string]any{
		"created":      epoch.Format(time.RFC3339),
		"architecture": runtime.GOARCH,
		"os":           "linux",
		"config":       cfg,
		"rootfs":       map[string]any{"type": "layers", "diff_ids": []string{layerDesc.Digest}},
		"history":      []map[string]string{{"created": epoch.Format(time.RFC3339), "created_by": "webstack imagetest: stand-in " + name + " (docs/image.md)"}},
	}
	configDesc, err := putJSON(dir, "application/vnd.oci.image.config.v1+json", config)
	if err != nil {
		return "", err
	}
	manifest := map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.manifest.v1+json",
		"config":        configDesc,
		"layers":        []descriptor{layerDesc},
	}
	manifestDesc, err := putJSON(dir, "application/vnd.oci.image.manifest.v1+json", manifest)
	if err != nil {
		return "", err
	}
	manifestDesc.Annotations = map[string]string{"org.opencontainers.image.ref.name": name}
	index := map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.index.v1+json",
		"manifests":     []descriptor{manifestDesc},
	}
	if err := writeJSONFile(filepath.Join(dir, "index.json"), index); err != nil {
		return "", err
	}
	if err := writeJSONFile(filepath.Join(dir, "oci-layout"), map[string]string{"imageLayoutVersion": "1.0.0"}); err != nil {
		return "", err
	}
	return manifestDesc.Digest, nil
}

// layoutDigest reads the manifest digest of a complete layout written by writeLayout.
func layoutDigest(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		return "", err
	}
	var index struct{ Manifests []descriptor }
	if err := json.Unmarshal(b, &index); err != nil {
		return "", err
	}
	if len(index.Manifests) != 1 {
		return "", errors.New("want one manifest")
	}
	return index.Manifests[0].Digest, nil
}

func putJSON(dir, mediaType string, v any) (descriptor, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return descriptor{}, err
	}
	return putBlob(dir, mediaType, func(w io.Writer) error { _, err := w.Write(b); return err })
}

// putBlob streams a blob into blobs/sha256/<its digest>.
func putBlob(dir, mediaType string, write func(io.Writer) error) (descriptor, error) {
	f, err := os.CreateTemp(filepath.Join(dir, "blobs", "sha256"), "blob-")
	if err != nil {
		return descriptor{}, err
	}
	defer os.Remove(f.Name())
	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(f, h)}
	err = write(cw)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return descriptor{}, err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if err := os.Rename(f.Name(), filepath.Join(dir, "blobs", "sha256", sum)); err != nil {
		return descriptor{}, err
	}
	return descriptor{MediaType: mediaType, Digest: "sha256:" + sum, Size: cw.n}, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func writeJSONFile(name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(name, b, 0o644)
}
