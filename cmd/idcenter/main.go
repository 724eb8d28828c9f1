// Command idcenter is a self-hosted workforce identity center that speaks
// AWS IAM Identity Center's APIs.
//
//	idcenter serve [flags]     run the server (see `idcenter serve -h`)
//	idcenter users …           manage users' passwords, invitations, MFA and sessions
//	idcenter settings …        show or change sign-in settings
//	idcenter version           print the version
//
// Every serve flag also reads an IDCENTER_* environment variable (the flag
// name upper-cased, dashes as underscores); a flag wins over the
// environment, which wins over the default.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], getenv, stderr)
	case "users":
		return users(ctx, args[1:], getenv, os.Stdin, stdout, stderr)
	case "settings":
		return settings(ctx, args[1:], getenv, stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "idcenter", version)
		return 0
	case "help", "-h", "--help":
		usage(stdout)
		return 0
	}
	fmt.Fprintf(stderr, "idcenter: unknown command %q\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: idcenter <command> [flags]

commands:
  serve     run the server (idcenter serve -h for flags)
  users     set passwords, invite users, reset MFA, revoke sessions (idcenter users -h)
  settings  show or change the MFA mode and the portal session duration
  version   print the version
`)
}
