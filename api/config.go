package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Shutdown budget. ECS sends SIGTERM, waits the container's stopTimeout, then SIGKILLs, so
// the defaults below are sized to the stopTimeout of 45 s the Pulumi program sets
// (components.StopTimeoutSeconds):
//
//	DRAIN_DELAY 10 s + SHUTDOWN_TIMEOUT 15 s = 25 s  <  stopTimeout 45 s
//
// The 20 s left over covers process exit and log flushing, and a request the ALB sends at the
// end of its 30 s deregistration delay still has 45 - 10 = 35 s to finish. Whoever changes
// one of these numbers changes components.DrainDelaySeconds/ShutdownTimeoutSeconds with it.
const (
	defaultPort            = 8080
	defaultDrainDelay      = 10 * time.Second
	defaultShutdownTimeout = 15 * time.Second
	// maxStopBudget is the largest stopTimeout ECS accepts; a drain plus shutdown longer
	// than that would always end in SIGKILL.
	maxStopBudget = 120 * time.Second
)

// IDLE_TIMEOUT: how long the server keeps an idle keep-alive connection open. It must be longer
// than the ALB's idle timeout (default 60 s, at most 4000 s): if the server closed an idle
// connection first, the ALB could send the next request down it and answer the client 502. The
// Pulumi program sets it to the ALB's idle timeout plus a margin; the default covers the ALB's
// default. The upper bound leaves a margin of 100 s above the ALB's largest value.
const (
	defaultIdleTimeout = 75 * time.Second
	minIdleTimeout     = time.Second
	maxIdleTimeout     = 4100 * time.Second
)

// logLevels are the accepted LOG_LEVEL values (in any case): exactly these, not the offsets
// ("info+2", "debug+100") slog.Level's own parser also takes.
var logLevels = map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}

// config is everything the service reads from its environment.
type config struct {
	Port            int
	LogLevel        slog.Level
	DrainDelay      time.Duration // how long /readyz reports 503 while still serving, before Shutdown
	ShutdownTimeout time.Duration // deadline for in-flight requests once Shutdown starts
	MetadataURI     string        // ECS task metadata endpoint v4; empty outside ECS
	IdleTimeout     time.Duration // keep-alive idle timeout; must outlast the load balancer's
}

// loadConfig reads and validates the environment. Every problem is reported at once, each
// naming the variable, what was wrong and what is accepted.
func loadConfig(getenv func(string) string) (config, error) {
	cfg := config{
		Port:            defaultPort,
		LogLevel:        slog.LevelInfo,
		DrainDelay:      defaultDrainDelay,
		ShutdownTimeout: defaultShutdownTimeout,
		IdleTimeout:     defaultIdleTimeout,
	}
	var problems []error
	if v := getenv("PORT"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 0 || p > 65535 {
			problems = append(problems, fmt.Errorf("PORT=%q: want a TCP port number from 0 to 65535 (default %d)", v, defaultPort))
		} else {
			cfg.Port = p
		}
	}
	if v := getenv("LOG_LEVEL"); v != "" {
		if l, ok := logLevels[strings.ToLower(v)]; ok {
			cfg.LogLevel = l
		} else {
			problems = append(problems, fmt.Errorf("LOG_LEVEL=%q: want one of debug, info, warn, error (default info)", v))
		}
	}
	cfg.DrainDelay, problems = durationFrom(getenv, "DRAIN_DELAY", defaultDrainDelay, 0, problems)
	cfg.ShutdownTimeout, problems = durationFrom(getenv, "SHUTDOWN_TIMEOUT", defaultShutdownTimeout, time.Millisecond, problems)
	// Compared without adding first: two huge values would overflow the sum and wrap below the cap.
	if len(problems) == 0 && (cfg.DrainDelay > maxStopBudget || cfg.ShutdownTimeout > maxStopBudget-cfg.DrainDelay) {
		problems = append(problems, fmt.Errorf("DRAIN_DELAY=%s + SHUTDOWN_TIMEOUT=%s: the sum must stay at or below %s, the largest ECS stopTimeout", cfg.DrainDelay, cfg.ShutdownTimeout, maxStopBudget))
	}
	if v := getenv("IDLE_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < minIdleTimeout || d > maxIdleTimeout {
			problems = append(problems, fmt.Errorf("IDLE_TIMEOUT=%q: want a Go duration from %s to %s, longer than the ALB's idle timeout (default %s)", v, minIdleTimeout, maxIdleTimeout, defaultIdleTimeout))
		} else {
			cfg.IdleTimeout = d
		}
	}
	if v := getenv("ECS_CONTAINER_METADATA_URI_V4"); v != "" {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			problems = append(problems, fmt.Errorf("ECS_CONTAINER_METADATA_URI_V4=%q: want an http:// URL (ECS sets it; unset it outside ECS)", v))
		} else {
			cfg.MetadataURI = strings.TrimSuffix(v, "/")
		}
	}
	if err := errors.Join(problems...); err != nil {
		return config{}, fmt.Errorf("invalid configuration:\n%w", err)
	}
	return cfg, nil
}

// durationFrom parses the Go duration in variable name, or returns def when it is unset.
func durationFrom(getenv func(string) string, name string, def, least time.Duration, problems []error) (time.Duration, []error) {
	v := getenv(name)
	if v == "" {
		return def, problems
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < least {
		return def, append(problems, fmt.Errorf("%s=%q: want a Go duration of at least %s such as %q (default %s)", name, v, least, def.String(), def))
	}
	return d, problems
}
