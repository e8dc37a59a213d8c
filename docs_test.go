package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// mdLink is an inline Markdown link or image: [text](target) or [text](target "title").
var mdLink = regexp.MustCompile(`\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)

// external is any URL scheme; the README and docs/ name sources in prose, never link out.
var external = regexp.MustCompile(`(?i)\bhttps?://[^\s)>\]` + "`" + `]+`)

// The README and every page of docs/ link only into the repository: every relative link names a
// file that exists, every #anchor a heading of its page, and no line links to a website.
func TestDocsLinks(t *testing.T) {
	pages, err := filepath.Glob(filepath.Join("docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	pages = append([]string{"README.md"}, pages...)
	if len(pages) < 10 {
		t.Fatalf("found %d pages (README.md and docs/*.md), want the README and its docs", len(pages))
	}
	anchors := map[string]map[string]bool{}
	anchorsOf := func(page string) map[string]bool {
		if a, ok := anchors[page]; ok {
			return a
		}
		text, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		anchors[page] = headingAnchors(string(text))
		return anchors[page]
	}
	links := 0
	for _, page := range pages {
		text, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(text), "\n") {
			at := func(format string, args ...any) {
				t.Errorf("%s:%d: "+format, append([]any{page, i + 1}, args...)...)
			}
			for _, u := range external.FindAllString(line, -1) {
				if !isLoopback(u) {
					at("links outside the repository (%s): name the source in prose instead", u)
				}
			}
			for _, m := range mdLink.FindAllStringSubmatch(line, -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue // reported above when it is a web link
				}
				links++
				file, anchor, _ := strings.Cut(target, "#")
				dest := page
				if file != "" {
					dest = filepath.Join(filepath.Dir(page), file)
					if _, err := os.Stat(dest); err != nil {
						at("links to %s, which does not exist", target)
						continue
					}
				}
				if anchor != "" && strings.HasSuffix(dest, ".md") && !anchorsOf(dest)[anchor] {
					at("links to %s, but %s has no heading with anchor #%s", target, dest, anchor)
				}
			}
		}
	}
	if links < 30 {
		t.Errorf("checked %d relative links, want the README's links into docs/ and more", links)
	}
}

// isLoopback: addresses on this machine (the API's examples) are not links out.
func isLoopback(u string) bool {
	rest := u[strings.Index(u, "://")+3:]
	return strings.HasPrefix(rest, "127.0.0.1") || strings.HasPrefix(rest, "localhost") || rest == "" || strings.HasPrefix(rest, "$")
}

// headingAnchors are the anchors a Markdown renderer gives a page's headings, GitHub's way:
// lower case, punctuation other than '-' and '_' dropped, spaces to '-', repeats numbered.
func headingAnchors(text string) map[string]bool {
	seen := map[string]int{}
	out := map[string]bool{}
	inCode := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
		}
		if inCode || !strings.HasPrefix(line, "#") {
			continue
		}
		title := strings.TrimSpace(strings.TrimLeft(line, "#"))
		var b strings.Builder
		for _, r := range strings.ToLower(title) {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				b.WriteRune(r)
			}
		}
		slug := b.String()
		if n := seen[slug]; n > 0 {
			out[slug+"-"+strconv.Itoa(n)] = true
		} else {
			out[slug] = true
		}
		seen[slug]++
	}
	return out
}
