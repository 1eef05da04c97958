package bench

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// child is crmsync running as a child process.
type child struct {
	cmd    *exec.Cmd
	base   string
	logs   *logBuffer
	exited chan struct{} // closed when the process has ended
	err    error         // how it ended; read after exited is closed

	stopOnce sync.Once
	stopErr  error
}

// startService runs `crmsync serve` in local mode on addr and waits until it is ready. Cancelling ctx
// sends it SIGTERM, as stop does.
func startService(ctx context.Context, cfg Config, addr, dataDir, graphURL string) (*child, error) {
	cmd := exec.CommandContext(ctx, cfg.Executable, "serve")
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 30 * time.Second
	cmd.Env = serviceEnv(cfg.Environ, addr, dataDir, graphURL, cfg.DatabaseURL)
	logs := &logBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start crmsync: %w", err)
	}
	s := &child{cmd: cmd, base: "http://" + addr, logs: logs, exited: make(chan struct{})}
	go func() {
		s.err = cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitReady(ctx, time.Minute); err != nil {
		_ = s.stop()
		return nil, err
	}
	return s, nil
}

// serviceEnv is the parent's environment without its CRMSYNC_* settings (a CRMSYNC_CLIENT_ID would leave
// local mode, a CRMSYNC_DATABASE_URL could point at a real database), plus the benchmark's.
func serviceEnv(environ []string, addr, dataDir, graphURL, databaseURL string) []string {
	var env []string
	for _, kv := range environ {
		if !strings.HasPrefix(kv, "CRMSYNC_") {
			env = append(env, kv)
		}
	}
	env = append(env, "CRMSYNC_ADDR="+addr, "CRMSYNC_DATA_DIR="+dataDir, "CRMSYNC_GRAPH_URL="+graphURL,
		"CRMSYNC_RATE_LIMIT=0", "CRMSYNC_DEV_HTTPS_ADDR=off", "CRMSYNC_LOG_LEVEL=warn")
	if databaseURL != "" {
		env = append(env, "CRMSYNC_DATABASE_URL="+databaseURL)
	}
	return env
}

// waitReady polls /readyz until it answers 200, the process ends, or the timeout passes.
func (s *child) waitReady(ctx context.Context, timeout time.Duration) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if resp, err := client.Get(s.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("crmsync exited before it was ready (%v):\n%s", s.err, s.logs.tail(30))
		case <-ctx.Done():
			return fmt.Errorf("wait for crmsync: %w", ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return fmt.Errorf("crmsync was not ready within %s:\n%s", timeout, s.logs.tail(30))
}

// stop ends the service gracefully with SIGTERM, killing it if it has not stopped within 30 seconds, and
// reports how it ended. Calling it again returns the same answer.
func (s *child) stop() error {
	s.stopOnce.Do(func() {
		select {
		case <-s.exited:
		default:
			_ = s.cmd.Process.Signal(syscall.SIGTERM) // fails only when it has just exited
		}
		select {
		case <-s.exited:
		case <-time.After(30 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
			s.stopErr = fmt.Errorf("crmsync did not stop within 30s of SIGTERM:\n%s", s.logs.tail(30))
			return
		}
		if s.err != nil && s.cmd.ProcessState != nil && !s.cmd.ProcessState.Success() {
			s.stopErr = fmt.Errorf("crmsync exited with %v:\n%s", s.err, s.logs.tail(30))
		}
	})
	return s.stopErr
}

// logBuffer keeps what the service writes, for the error when it fails.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// tally counts the warnings and errors written (see logTally).
func (b *logBuffer) tally() *logTally {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := &logTally{}
	t.addJSONLines(b.buf.String())
	return t
}

// tail returns the last n lines written.
func (b *logBuffer) tail(n int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	lines := strings.Split(strings.TrimRight(b.buf.String(), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
