package main

import (
	"net/http"
	"path"
	"strings"
)

// withJSONRouting answers, as JSON through the rest of the chain, the requests http.ServeMux
// would answer in its own words: a path not in canonical form ("//healthz", "/v1/../healthz":
// ServeMux redirects with an HTML body), CONNECT (a text 404) and the "*" target of
// "OPTIONS *" (which http.Server answers itself unless DisableGeneralOptionsHandler is set,
// as serve sets it). Everything else goes to next.
func withJSONRouting(next, noRoute http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodConnect:
			writeError(w, http.StatusNotImplemented, "method CONNECT is not supported: this is an API, not a proxy", nil)
		case r.URL.Path == "*":
			noRoute.ServeHTTP(w, r)
		case r.URL.RawPath == "" && isCleanPath(r.URL.Path):
			// The usual case. Escaping never makes or removes a '/' or a '.', so with no
			// RawPath the escaped path ServeMux checks is clean exactly when this one is.
			next.ServeHTTP(w, r)
		default:
			escaped := r.URL.EscapedPath()
			if isCleanPath(escaped) {
				next.ServeHTTP(w, r)
				return
			}
			// ServeMux's own answer, as JSON: 307 to the cleaned path, query kept.
			target := cleanPath(escaped)
			if r.URL.RawQuery != "" {
				target += "?" + r.URL.RawQuery
			}
			w.Header().Set("Location", target)
			writeError(w, http.StatusTemporaryRedirect, "path is not in canonical form: request "+capForLog(target, maxLoggedPath)+" instead", nil)
		}
	})
}

// isCleanPath reports whether cleanPath would return p unchanged: p starts with '/', and no
// segment is "." or ".." and none but the last is empty. It allocates nothing.
func isCleanPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	for seg := p[1:]; ; {
		i := strings.IndexByte(seg, '/')
		if i < 0 {
			return seg != "." && seg != ".."
		}
		if s := seg[:i]; s == "" || s == "." || s == ".." {
			return false
		}
		seg = seg[i+1:]
	}
}

// cleanPath is net/http's (server.go, Go 1.26): the canonical form ServeMux redirects to.
// It returns the canonical path for p, eliminating . and .. elements.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	// path.Clean removes trailing slash except for root;
	// put the trailing slash back if necessary.
	if p[len(p)-1] == '/' && np != "/" {
		// Fast path for common case of p being the string we want:
		if len(p) == len(np)+1 && strings.HasPrefix(p, np) {
			np = p
		} else {
			np += "/"
		}
	}
	return np
}
