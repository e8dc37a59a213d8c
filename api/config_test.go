package main

import (
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    config
		wantErr []string // each must appear in the error
	}{
		{
			name: "defaults",
			want: config{Port: 8080, LogLevel: slog.LevelInfo, DrainDelay: 10 * time.Second, ShutdownTimeout: 15 * time.Second, IdleTimeout: 75 * time.Second},
		},
		{
			name: "all set",
			env: map[string]string{"PORT": "9000", "LOG_LEVEL": "warn", "DRAIN_DELAY": "0s", "SHUTDOWN_TIMEOUT": "3s",
				"IDLE_TIMEOUT": "4100s", "ECS_CONTAINER_METADATA_URI_V4": "http://169.254.170.2/v4/abc/"},
			want: config{Port: 9000, LogLevel: slog.LevelWarn, DrainDelay: 0, ShutdownTimeout: 3 * time.Second,
				IdleTimeout: 4100 * time.Second, MetadataURI: "http://169.254.170.2/v4/abc"},
		},
		{name: "port not a number", env: map[string]string{"PORT": "eighty"}, wantErr: []string{`PORT="eighty"`}},
		{name: "port out of range", env: map[string]string{"PORT": "65536"}, wantErr: []string{`PORT="65536"`, "0 to 65535"}},
		{name: "negative port", env: map[string]string{"PORT": "-1"}, wantErr: []string{`PORT="-1"`}},
		{name: "log level", env: map[string]string{"LOG_LEVEL": "verbose"}, wantErr: []string{`LOG_LEVEL="verbose"`, "debug, info, warn, error"}},
		// Exactly the four documented names, in either case; slog's own parser would also take
		// offsets such as "INFO+2" or "debug+100" (which silences everything, panics included).
		{name: "log level with offset", env: map[string]string{"LOG_LEVEL": "INFO+2"}, wantErr: []string{`LOG_LEVEL="INFO+2"`, "debug, info, warn, error"}},
		{name: "log level far above error", env: map[string]string{"LOG_LEVEL": "debug+100"}, wantErr: []string{`LOG_LEVEL="debug+100"`}},
		{name: "log level warning", env: map[string]string{"LOG_LEVEL": "warning"}, wantErr: []string{`LOG_LEVEL="warning"`}},
		{name: "log level upper case", env: map[string]string{"LOG_LEVEL": "ERROR"},
			want: config{Port: 8080, LogLevel: slog.LevelError, DrainDelay: 10 * time.Second, ShutdownTimeout: 15 * time.Second, IdleTimeout: 75 * time.Second}},
		{name: "log level debug", env: map[string]string{"LOG_LEVEL": "debug"},
			want: config{Port: 8080, LogLevel: slog.LevelDebug, DrainDelay: 10 * time.Second, ShutdownTimeout: 15 * time.Second, IdleTimeout: 75 * time.Second}},
		// Each alone is a valid duration; their sum overflows int64 nanoseconds and would wrap
		// negative, under the cap, if added unchecked.
		{name: "budget overflow", env: map[string]string{"DRAIN_DELAY": "2562047h", "SHUTDOWN_TIMEOUT": "2562047h"},
			wantErr: []string{"DRAIN_DELAY", "2m0s"}},
		{name: "huge drain alone", env: map[string]string{"DRAIN_DELAY": "2562047h"}, wantErr: []string{"DRAIN_DELAY", "2m0s"}},
		{name: "idle timeout lowest", env: map[string]string{"IDLE_TIMEOUT": "1s"},
			want: config{Port: 8080, LogLevel: slog.LevelInfo, DrainDelay: 10 * time.Second, ShutdownTimeout: 15 * time.Second, IdleTimeout: time.Second}},
		{name: "idle timeout too short", env: map[string]string{"IDLE_TIMEOUT": "999ms"}, wantErr: []string{`IDLE_TIMEOUT="999ms"`, "1s", "1h8m20s"}},
		{name: "idle timeout too long", env: map[string]string{"IDLE_TIMEOUT": "4101s"}, wantErr: []string{`IDLE_TIMEOUT="4101s"`, "ALB"}},
		{name: "idle timeout without unit", env: map[string]string{"IDLE_TIMEOUT": "75"}, wantErr: []string{`IDLE_TIMEOUT="75"`, "Go duration"}},
		{name: "drain without unit", env: map[string]string{"DRAIN_DELAY": "10"}, wantErr: []string{`DRAIN_DELAY="10"`, "Go duration"}},
		{name: "negative drain", env: map[string]string{"DRAIN_DELAY": "-5s"}, wantErr: []string{`DRAIN_DELAY="-5s"`}},
		{name: "zero shutdown timeout", env: map[string]string{"SHUTDOWN_TIMEOUT": "0s"}, wantErr: []string{`SHUTDOWN_TIMEOUT="0s"`}},
		{name: "budget over the ECS maximum", env: map[string]string{"DRAIN_DELAY": "60s", "SHUTDOWN_TIMEOUT": "61s"},
			wantErr: []string{"DRAIN_DELAY=1m0s + SHUTDOWN_TIMEOUT=1m1s", "stopTimeout"}},
		{name: "metadata URI not http", env: map[string]string{"ECS_CONTAINER_METADATA_URI_V4": "file:///etc/passwd"},
			wantErr: []string{"ECS_CONTAINER_METADATA_URI_V4"}},
		{name: "every problem at once", env: map[string]string{"PORT": "x", "LOG_LEVEL": "y", "SHUTDOWN_TIMEOUT": "z"},
			wantErr: []string{`PORT="x"`, `LOG_LEVEL="y"`, `SHUTDOWN_TIMEOUT="z"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := loadConfig(func(k string) string { return tt.env[k] })
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatalf("loadConfig() = %+v, want an error", got)
				}
				for _, s := range tt.wantErr {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not mention %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("loadConfig(): %v", err)
			}
			if got != tt.want {
				t.Errorf("loadConfig() = %+v, want %+v", got, tt.want)
			}
		})
	}
}
