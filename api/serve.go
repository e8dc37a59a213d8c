package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// HTTP server timeouts. The idle timeout is IDLE_TIMEOUT (config.go).
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 15 * time.Second
	// metadataTimeout bounds the startup read of the ECS task metadata endpoint, which is
	// local to the task and normally answers in milliseconds.
	metadataTimeout = 2 * time.Second
)

// serve runs the HTTP server until ctx is cancelled (SIGTERM or SIGINT), then drains:
// /readyz turns 503 at once while everything else keeps serving for the drain delay, so
// the load balancer can notice; then Shutdown waits for in-flight requests up to the
// shutdown timeout. It returns nil only after a clean drain.
func serve(ctx context.Context, cfg config, stdout io.Writer) error {
	logs := newLogWriter(stdout)
	defer logs.Close()
	// Access lines are batched; the service's own records (startup, errors, shutdown) are not.
	logger := slog.New(slog.NewJSONHandler(logs.Unbuffered(), &slog.HandlerOptions{Level: cfg.LogLevel}))

	build := readBuildInfo()
	metaCtx, cancel := context.WithTimeout(ctx, metadataTimeout)
	task, err := loadTaskInfo(metaCtx, http.DefaultClient, cfg.MetadataURI)
	cancel()
	if err != nil {
		// The service can serve without it; /v1/info then says so.
		logger.Warn("ECS task metadata unavailable", slog.String("error", err.Error()))
		task = taskInfo{TaskARN: "unknown", Cluster: "unknown", AvailabilityZone: "unknown"}
	}

	ln, err := net.Listen("tcp", ":"+strconv.Itoa(cfg.Port))
	if err != nil {
		return fmt.Errorf("listen on PORT %d: %w", cfg.Port, err)
	}
	var draining atomic.Bool
	var accessLog io.Writer // access lines are info records: none above that level
	if cfg.LogLevel <= slog.LevelInfo {
		accessLog = logs
	}
	srv := &http.Server{
		Handler:           NewServer(logger, accessLog, build, task, &draining),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		// "OPTIONS *" reaches the handler, which answers it as JSON like every request.
		DisableGeneralOptionsHandler: true,
		ErrorLog:                     slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	logger.Info("listening", slog.String("addr", ln.Addr().String()),
		slog.String("version", build.Version), slog.String("taskArn", task.TaskARN),
		slog.String("availabilityZone", task.AvailabilityZone))

	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	// From here every response says Connection: close (withDrainClose), so a client's next
	// request opens a new connection, which a load balancer that has stopped routing here
	// sends to another target. Open connections, idle ones included, keep serving until
	// Shutdown: closing an idle keep-alive connection now (SetKeepAlivesEnabled(false) would)
	// fails the request a client is sending down it at that moment, and a load balancer
	// turns that into a 502, as it does not retry.
	draining.Store(true)
	logger.Info("draining", slog.String("drainDelay", cfg.DrainDelay.String()))
	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-time.After(cfg.DrainDelay):
	}

	logger.Info("shutting down", slog.String("shutdownTimeout", cfg.ShutdownTimeout.String()))
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: requests still in flight after SHUTDOWN_TIMEOUT %s: %w", cfg.ShutdownTimeout, err)
	}
	if err := <-serveErr; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// healthcheckTimeout is short: the container health check has its own timeout (5 s), and a
// healthy server answers /healthz in well under a millisecond.
const healthcheckTimeout = 2 * time.Second

// healthcheck is the `api healthcheck` mode: the image has no shell or curl, so the ECS
// container health check and Docker's HEALTHCHECK run the binary itself.
func healthcheck(ctx context.Context, port int, stdout io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	url := "http://127.0.0.1:" + strconv.Itoa(port) + "/healthz"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: GET %s answered %s", url, resp.Status)
	}
	fmt.Fprintf(stdout, "healthcheck: GET %s answered %s\n", url, resp.Status)
	return nil
}
