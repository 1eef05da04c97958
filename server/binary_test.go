package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// testBinary is the crmsync binary the tests that run it as a process of its own share: built once per
// test run, removed by TestMain.
var testBinary struct {
	once      sync.Once
	dir, path string
	err       error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if testBinary.dir != "" {
		os.RemoveAll(testBinary.dir)
	}
	os.Exit(code)
}

// crmsyncBinary builds this package's binary (once per test run) and returns its path.
func crmsyncBinary(t *testing.T) string {
	t.Helper()
	testBinary.once.Do(func() {
		if testBinary.dir, testBinary.err = os.MkdirTemp("", "crmsync-test-"); testBinary.err != nil {
			return
		}
		testBinary.path = filepath.Join(testBinary.dir, "crmsync")
		// The flags of make build and make release-binary, so that the three share compiled packages.
		build := exec.Command("go", "build", "-trimpath", "-o", testBinary.path, ".")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		build.Stderr = os.Stderr
		testBinary.err = build.Run()
	})
	if testBinary.err != nil {
		t.Fatalf("build crmsync: %v", testBinary.err)
	}
	return testBinary.path
}
