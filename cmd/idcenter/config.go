package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// Config is everything `idcenter serve` reads from flags and IDCENTER_*
// variables.
type Config struct {
	Addr            string
	DataDir         string
	DB              string
	PublicURL       string
	TLSCert         string
	TLSKey          string
	LogLevel        string
	LogFormat       string
	ShutdownTimeout time.Duration
	HashCPUShare    float64
	MasterKey       string
	AdminKeyID      string
	AdminSecret     string
}

// envName is the environment twin of a flag.
func envName(flagName string) string {
	return "IDCENTER_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parseConfig reads flags, then fills every flag not given on the command
// line from its environment twin.
func parseConfig(args []string, getenv func(string) string, out io.Writer) (*Config, error) {
	var c Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "listen address (host:port)")
	fs.StringVar(&c.DataDir, "data-dir", "./idcenter-data", "directory for the SQLite database, master key and admin credentials")
	fs.StringVar(&c.DB, "db", "", "database: empty for embedded SQLite at <data-dir>/idcenter.db, or a postgres:// URL")
	fs.StringVar(&c.PublicURL, "public-url", "", "external base URL used in links (default http(s)://<addr>)")
	fs.StringVar(&c.TLSCert, "tls-cert", "", "TLS certificate file (PEM); serve HTTPS when set with --tls-key")
	fs.StringVar(&c.TLSKey, "tls-key", "", "TLS private key file (PEM)")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&c.LogFormat, "log-format", "text", "log format: text or json")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 15*time.Second, "how long to wait for requests to finish on shutdown")
	fs.Float64Var(&c.HashCPUShare, "password-hash-cpu", 0, "CPUs' worth of time password hashing may use on average (default GOMAXPROCS/8; sign-ins beyond it wait up to 3 s, then get 'try again'; above about GOMAXPROCS/5 it is not reached, as hashes pause as long as they compute); bounds what a sign-in storm takes from API traffic")
	fs.StringVar(&c.MasterKey, "master-key", "", "master key (32 bytes, base64); default: <data-dir>/master.key, created on first start. Prefer the IDCENTER_MASTER_KEY variable")
	fs.StringVar(&c.AdminKeyID, "admin-access-key-id", "", "administrator access key id to use instead of a generated one (IDCENTER_ADMIN_ACCESS_KEY_ID)")
	fs.StringVar(&c.AdminSecret, "admin-secret-access-key", "", "administrator secret access key (IDCENTER_ADMIN_SECRET_ACCESS_KEY)")
	fs.Usage = func() {
		fmt.Fprintf(out, "usage: idcenter serve [flags]\n\nEvery flag also reads IDCENTER_<FLAG> (e.g. IDCENTER_ADDR, IDCENTER_DB).\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] {
			return
		}
		if v := getenv(envName(f.Name)); v != "" {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", envName(f.Name), err))
			}
		}
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &c, c.Validate()
}

// Validate reports every problem at once.
func (c *Config) Validate() error {
	var errs []error
	if host, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("--addr %q: %w", c.Addr, err))
	} else if ip, err := netip.ParseAddr(host); c.PublicURL == "" && (host == "" || err == nil && ip.IsUnspecified()) {
		// Links (verification URIs) and the start URL that sso-oidc
		// accepts derive from the public URL; "http://0.0.0.0:8080" names
		// no server a client can reach.
		errs = append(errs, fmt.Errorf("--addr %q listens on every interface: set --public-url to the URL clients use (e.g. https://idc.example.com)", c.Addr))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("--data-dir must not be empty"))
	}
	if c.DB != "" && !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://") {
		errs = append(errs, errors.New("--db must be empty (SQLite) or a postgres:// URL"))
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("--public-url %q must be an absolute http(s) URL", c.PublicURL))
		}
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("--tls-cert and --tls-key go together"))
	}
	if (c.AdminKeyID == "") != (c.AdminSecret == "") {
		errs = append(errs, errors.New("IDCENTER_ADMIN_ACCESS_KEY_ID and IDCENTER_ADMIN_SECRET_ACCESS_KEY go together"))
	}
	if c.AdminKeyID != "" && (len(c.AdminKeyID) < 16 || len(c.AdminKeyID) > 128) {
		errs = append(errs, errors.New("the admin access key id must be 16 to 128 characters"))
	}
	if c.AdminSecret != "" && len(c.AdminSecret) < 16 {
		errs = append(errs, errors.New("the admin secret access key must be at least 16 characters"))
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.LogLevel)); err != nil {
		errs = append(errs, fmt.Errorf("--log-level %q: %w", c.LogLevel, err))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("--log-format %q must be text or json", c.LogFormat))
	}
	if c.ShutdownTimeout <= 0 {
		errs = append(errs, errors.New("--shutdown-timeout must be positive"))
	}
	if c.HashCPUShare < 0 || c.HashCPUShare > 1024 {
		errs = append(errs, fmt.Errorf("--password-hash-cpu %v must be between 0 (the default) and 1024", c.HashCPUShare))
	}
	return errors.Join(errs...)
}

// publicURL returns the configured or derived external base URL.
func (c *Config) publicURL() string {
	if c.PublicURL != "" {
		return strings.TrimSuffix(c.PublicURL, "/")
	}
	scheme := "http"
	if c.TLSCert != "" {
		scheme = "https"
	}
	return scheme + "://" + c.Addr
}
