// Command crmsync is the crmsync service: `serve` (the default) runs the API, `migrate` updates the
// database schema, `rotate-key` reseals stored secrets with a new encryption key, and `dev-token` prints
// a local-mode access token. This package only wires: it reads
// the configuration, builds every part, starts them, and stops them gracefully.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "crmsync:", err)
		os.Exit(1)
	}
}

const usage = `crmsync connects Outlook to the CRM.

Usage:
  crmsync [serve] [flags]   run the service (local mode unless CRMSYNC_CLIENT_ID is set)
  crmsync migrate [flags]   apply database migrations and exit
  crmsync rotate-key [flags]
                            reseal stored secrets with the first key of CRMSYNC_ENCRYPTION_KEY
  crmsync dev-token --user alice@contoso.test [--roles CRM.Admin] [--tenant GUID]
                            print a local-mode access token
  crmsync manifest [--public-url URL --client-id ID] [--version n.n.n.n] [--format xml|json]
                            print the Outlook add-in's manifest; without a client id, local development's
  crmsync bench track [--clients 200] [--requests 4000] [--graph-latency 50ms] [--database-url URL]
                            measure Track clicks against this binary and a fake Graph

Run "crmsync serve -h" for every setting and its CRMSYNC_* variable.
`

// run is the whole program with its surroundings passed in, so that tests can run it in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && (len(args[0]) == 0 || args[0][0] != '-') {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, getenv, stdout, stderr)
	case "migrate":
		return migrate(ctx, args, getenv, stdout, stderr)
	case "rotate-key":
		return rotateKey(ctx, args, getenv, stdout, stderr)
	case "dev-token":
		return devToken(args, getenv, stdout, stderr)
	case "manifest":
		return manifest(args, getenv, stdout, stderr)
	case "bench":
		return runBench(ctx, args, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}
