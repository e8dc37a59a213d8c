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
			want: config{Port: 8080, LogLevel: slog.LevelInfo, DrainDelay: 10 * time.Second, ShutdownTimeout: 15 * time.Second},
		},
		{
			name: "all set",
			env: map[string]string{"PORT": "9000", "LOG_LEVEL": "warn", "DRAIN_DELAY": "0s", "SHUTDOWN_TIMEOUT": "3s",
				"ECS_CONTAINER_METADATA_URI_V4": "http://169.254.170.2/v4/abc/"},
			want: config{Port: 9000, LogLevel: slog.LevelWarn, DrainDelay: 0, ShutdownTimeout: 3 * time.Second,
				MetadataURI: "http://169.254.170.2/v4/abc"},
		},
		{name: "port not a number", env: map[string]string{"PORT": "eighty"}, wantErr: []string{`PORT="eighty"`}},
		{name: "port out of range", env: map[string]string{"PORT": "65536"}, wantErr: []string{`PORT="65536"`, "0 to 65535"}},
		{name: "negative port", env: map[string]string{"PORT": "-1"}, wantErr: []string{`PORT="-1"`}},
		{name: "log level", env: map[string]string{"LOG_LEVEL": "verbose"}, wantErr: []string{`LOG_LEVEL="verbose"`, "debug, info, warn, error"}},
		{name: "drain without unit", env: map[string]string{"DRAIN_DELAY": "10"}, wantErr: []string{`DRAIN_DELAY="10"`, "Go duration"}},
		{name: "negative drain", env: map[string]string{"DRAIN_DELAY": "-5s"}, wantErr: []string{`DRAIN_DELAY="-5s"`}},
		{name: "zero shutdown timeout", env: map[string]string{"SHUTDOWN_TIMEOUT": "0s"}, wantErr: []string{`SHUTDOWN_TIMEOUT="0s"`}},
		{name: "budget over the ECS maximum", env: map[string]string{"DRAIN_DELAY": "60s", "SHUTDOWN_TIMEOUT": "61s"},
			wantErr: []string{"DRAIN_DELAY + SHUTDOWN_TIMEOUT = 2m1s", "stopTimeout"}},
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
