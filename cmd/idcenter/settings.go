package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/idcenter/idcenter/internal/api/idcadmin"
)

// settingsUsage documents `idcenter settings`.
const settingsUsage = `usage: idcenter settings <command> [flags]

commands:
  get                                                  show the sign-in settings
  update [--mfa-mode MODE] [--session-duration DUR] [--device-grant on|off]
         [--device-same-network on|off]                change them

--mfa-mode is ALWAYS_ON (MFA at every sign-in, the default), CONTEXT_AWARE
(only from a browser not seen before) or DISABLED. --session-duration is the
portal session length, 15m to 2160h (90 days), 8h by default. --device-grant
off turns off the device authorization grant (aws sso login
--use-device-code, older CLIs): new device logins are refused and codes
already started stop working; the authorization-code login of current CLIs
is unaffected. --device-same-network on lets a device login be approved
only from the network it was started from (the same IPv4 /24 or IPv6 /64
as the device's address): an approval from another network is refused and
the device gets AccessDeniedException. Off (the default), the approval page
warns and the server logs an audit line. Connection flags as for idcenter
users.
`

// settings runs `idcenter settings …`.
func settings(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		w := stderr
		if len(args) > 0 {
			w = stdout
		}
		fmt.Fprint(w, settingsUsage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd := args[0]
	fs := flag.NewFlagSet("settings "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var a adminFlags
	a.register(fs)
	var mode, device, sameNet string
	var dur time.Duration
	switch cmd {
	case "get":
	case "update":
		fs.StringVar(&mode, "mfa-mode", "", "ALWAYS_ON, CONTEXT_AWARE or DISABLED")
		fs.DurationVar(&dur, "session-duration", 0, "portal session duration (15m to 2160h)")
		fs.StringVar(&device, "device-grant", "", "on or off: the device authorization grant")
		fs.StringVar(&sameNet, "device-same-network", "", "on or off: approve device logins only from the device's network")
	default:
		fmt.Fprintf(stderr, "idcenter settings: unknown command %q\n\n%s", cmd, settingsUsage)
		return 2
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	grant, ok := onOff(device, idcadmin.DeviceGrantEnabled, idcadmin.DeviceGrantDisabled)
	if !ok {
		fmt.Fprintf(stderr, "idcenter settings %s: --device-grant is on or off, not %q\n", cmd, device)
		return 2
	}
	same, ok := onOff(sameNet, idcadmin.DeviceSameNetworkEnabled, idcadmin.DeviceSameNetworkDisabled)
	if !ok {
		fmt.Fprintf(stderr, "idcenter settings %s: --device-same-network is on or off, not %q\n", cmd, sameNet)
		return 2
	}
	if fs.NArg() > 0 || (cmd == "update" && mode == "" && dur == 0 && grant == "" && same == "") {
		fmt.Fprintf(stderr, "idcenter settings %s: nothing to do\n\n%s", cmd, settingsUsage)
		return 2
	}
	c, err := newAdminClient(ctx, &a, getenv)
	if err != nil {
		fmt.Fprintf(stderr, "idcenter settings %s: %v\n", cmd, err)
		return 2
	}
	var out idcadmin.SettingsResponse
	if cmd == "get" {
		err = c.call(ctx, "GetSettings", idcadmin.GetSettingsRequest{IdentityStoreId: a.storeID}, &out)
	} else {
		in := idcadmin.UpdateSettingsRequest{IdentityStoreId: a.storeID, MfaMode: mode, DeviceGrant: grant, DeviceSameNetwork: same}
		if dur != 0 {
			secs := int64(dur / time.Second)
			in.SessionDurationSeconds = &secs
		}
		err = c.call(ctx, "UpdateSettings", in, &out)
	}
	if err != nil {
		fmt.Fprintf(stderr, "idcenter settings %s: %v\n", cmd, err)
		return 1
	}
	fmt.Fprintf(stdout, "identity store        %s\nMFA mode              %s\nsession duration      %s\ndevice grant          %s\ndevice same network   %s\n",
		out.IdentityStoreId, out.MfaMode, time.Duration(out.SessionDurationSeconds)*time.Second, out.DeviceGrant, out.DeviceSameNetwork)
	// A server older than this command ignores members it does not know
	// and answers without them: say so rather than let an administrator
	// believe a rule is on.
	if (grant != "" && out.DeviceGrant != grant) || (same != "" && out.DeviceSameNetwork != same) {
		fmt.Fprintf(stderr, "idcenter settings %s: the server did not apply every setting (is it older than this command?)\n", cmd)
		return 1
	}
	return 0
}

// onOff reads an on|off flag value ("" when unset) as the API's enum.
func onOff(v, on, off string) (string, bool) {
	switch strings.ToLower(v) {
	case "":
		return "", true
	case "on", "enabled":
		return on, true
	case "off", "disabled":
		return off, true
	}
	return "", false
}
