package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/idcenter/idcenter/internal/keys"
	"github.com/idcenter/idcenter/internal/server"
	"github.com/idcenter/idcenter/internal/store"
	"github.com/idcenter/idcenter/internal/store/postgres"
	"github.com/idcenter/idcenter/internal/store/sqlite"
)

func serve(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) int {
	cfg, err := parseConfig(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "idcenter serve: %v\n", err)
		return 2
	}
	log := newLogger(cfg, stderr)
	if err := runServer(ctx, cfg, log); err != nil {
		log.Error("server stopped", "err", err)
		return 1
	}
	return 0
}

func newLogger(cfg *Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func runServer(ctx context.Context, cfg *Config, log *slog.Logger) error {
	server.TuneGC()
	start := time.Now()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	master, err := loadMasterKey(cfg)
	if err != nil {
		return err
	}
	kr, err := keys.New(master)
	if err != nil {
		return err
	}
	var st store.Store
	if cfg.DB == "" {
		st, err = sqlite.Open(ctx, filepath.Join(cfg.DataDir, "idcenter.db"))
	} else {
		st, err = postgres.OpenWith(ctx, cfg.DB, postgres.Options{Logger: log})
	}
	if err != nil {
		return err
	}
	defer st.Close()

	srv, err := server.New(ctx, server.Options{
		Store:                st,
		Keys:                 kr,
		Logger:               log,
		DataDir:              cfg.DataDir,
		PublicURL:            cfg.publicURL(),
		PasswordHashCPU:      cfg.HashCPUShare,
		AdminAccessKeyID:     cfg.AdminKeyID,
		AdminSecretAccessKey: cfg.AdminSecret,
	})
	if err != nil {
		return err
	}
	defer srv.Close()

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() {
		if cfg.TLSCert != "" {
			errc <- hs.ServeTLS(ln, cfg.TLSCert, cfg.TLSKey)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	log.Info("idcenter serving",
		"addr", ln.Addr().String(),
		"public_url", cfg.publicURL(),
		"store", st.Backend(),
		"instance_arn", srv.Instance().InstanceARN,
		"identity_store_id", srv.Instance().IdentityStoreID,
		"credentials_file", srv.CredentialsPath(),
		"startup", time.Since(start).Round(time.Millisecond).String(),
	)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// loadMasterKey returns the configured master key, or the one in
// <data-dir>/master.key, creating that file (0600) on first start.
func loadMasterKey(cfg *Config) ([]byte, error) {
	if cfg.MasterKey != "" {
		return keys.Parse(cfg.MasterKey)
	}
	path := filepath.Join(cfg.DataDir, "master.key")
	b, err := os.ReadFile(path)
	if err == nil {
		return keys.Parse(string(b))
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	m := keys.Generate()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return loadMasterKey(cfg)
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.WriteString(keys.Encode(m) + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	return m, f.Close()
}
