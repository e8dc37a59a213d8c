package main

import (
	"runtime/debug"
)

// Set at build time: go build -ldflags "-X main.version=... -X main.commit=... -X main.buildTime=...".
// The Dockerfile passes its VERSION, COMMIT and BUILD_TIME build args here.
var (
	version   string
	commit    string
	buildTime string
)

// buildInfo is what /version reports.
type buildInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	BuildTime string `json:"buildTime"`
	GoVersion string `json:"goVersion"`
}

// readBuildInfo prefers the values injected at link time and falls back to what the Go
// toolchain recorded (module version, VCS revision and time), then to "unknown".
func readBuildInfo() buildInfo {
	info := buildInfo{Version: version, Commit: commit, BuildTime: buildTime}
	if bi, ok := debug.ReadBuildInfo(); ok {
		info.GoVersion = bi.GoVersion
		if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch {
			case s.Key == "vcs.revision" && info.Commit == "":
				info.Commit = s.Value
			case s.Key == "vcs.time" && info.BuildTime == "":
				info.BuildTime = s.Value
			}
		}
	}
	for _, f := range []*string{&info.Version, &info.Commit, &info.BuildTime} {
		if *f == "" {
			*f = "unknown"
		}
	}
	return info
}
