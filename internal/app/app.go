// Package app assembles one confer process from its parts: store,
// directory, media engine, rooms, signalling and the HTTP handler. The
// binary and the end-to-end tests build the service the same way.
package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/confer-dev/confer/internal/api"
	"github.com/confer-dev/confer/internal/cluster"
	"github.com/confer-dev/confer/internal/config"
	"github.com/confer-dev/confer/internal/directory"
	"github.com/confer-dev/confer/internal/httpapi"
	"github.com/confer-dev/confer/internal/login"
	"github.com/confer-dev/confer/internal/oidc"
	"github.com/confer-dev/confer/internal/room"
	"github.com/confer-dev/confer/internal/sfu"
	"github.com/confer-dev/confer/internal/signal"
	"github.com/confer-dev/confer/internal/store"
	"github.com/confer-dev/confer/internal/store/postgres"
	"github.com/confer-dev/confer/internal/store/sqlite"
	"github.com/confer-dev/confer/internal/turncred"
	"github.com/confer-dev/confer/internal/turnserver"
	"github.com/confer-dev/confer/web"
)

// App is a running confer service.
type App struct {
	Config    config.Config
	Store     store.Store
	Directory *directory.Directory
	Engine    *sfu.Engine
	Rooms     *room.Manager
	Signal    *signal.Server
	Bootstrap directory.BootstrapResult
	Login     *login.Manager
	API       *api.Server
	Meeting   meetingParts       // shared documents and WHIP ingest (meeting.go)
	Usage     *Accounting        // records, reports, budgets, metrics, webhooks (usage.go)
	Cluster   *cluster.Cluster   // nil on a single node (cluster.go)
	Relay     *turnserver.Server // the built-in TURN relay, if any (relay.go)

	handler http.Handler
	log     *slog.Logger
	joined  atomic.Pointer[cluster.Cluster] // Cluster, for goroutines started before it (cluster.go)
}

// Options are settings beyond config.Config: sign-in (from the
// environment for `confer serve`, set directly by tests).
type Options struct {
	OIDC   config.OIDC
	Mailer login.Mailer // nil: from SMTP, or the log
	SMTP   config.SMTP
	// Tests' overrides of the config fields of the same names.
	Signup             bool
	PersonalValidUntil time.Time
	OperatorContact    string
}

// OptionsFromEnv reads Options from CONFER_* variables.
func OptionsFromEnv(getenv func(string) string) (Options, error) {
	var o Options
	var err error
	if o.OIDC, err = config.OIDCFromEnv(getenv); err != nil {
		return o, err
	}
	if o.SMTP, err = config.SMTPFromEnv(getenv); err != nil {
		return o, err
	}
	return o, nil
}

// New opens the data folder and builds every part; nothing listens yet
// except the media port. Sign-in options come from the environment.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	opts, err := OptionsFromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	return NewWithOptions(ctx, cfg, log, opts)
}

// NewWithOptions is New with explicit sign-in options.
func NewWithOptions(ctx context.Context, cfg config.Config, log *slog.Logger, opts Options) (_ *App, err error) {
	if log == nil {
		log = slog.Default()
	}
	if err := os.MkdirAll(cfg.Data, 0o750); err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Store: st, log: log}
	defer func() {
		if err != nil {
			a.abort()
		}
	}()
	cfg.Signup = cfg.Signup || opts.Signup
	if !opts.PersonalValidUntil.IsZero() {
		cfg.PersonalValidUntil = opts.PersonalValidUntil
	}
	if opts.OperatorContact != "" {
		cfg.OperatorContact = opts.OperatorContact
	}
	a.Config = cfg
	a.Directory = directory.New(st, directory.Options{MaxCapacity: cfg.MaxCapacity, Signup: cfg.Signup,
		PersonalValidUntil: cfg.PersonalValidUntil, OperatorContact: cfg.OperatorContact})
	if a.Bootstrap, err = a.Directory.Bootstrap(ctx, cfg.Dev); err != nil {
		return nil, fmt.Errorf("bootstrap: %w", err)
	}
	loopback := cfg.OfferLoopback(func() bool { return len(localIPs()) > 0 })
	a.Engine, err = sfu.NewEngine(sfu.Config{
		Port: cfg.MediaPort, PublicIPs: cfg.PublicIPs, ListenIP: cfg.MediaIP,
		Loopback: loopback, Logger: log.With("part", "sfu"),
	})
	if err != nil {
		return nil, fmt.Errorf("media engine: %w", err)
	}
	if err := a.startRelay(&cfg, loopback); err != nil {
		return nil, err
	}
	a.Config = cfg
	if a.Usage, err = newAccounting(ctx, a); err != nil {
		return nil, err
	}
	a.Rooms = room.NewManager(a.Engine, room.Options{Logger: log.With("part", "room"), Grace: cfg.ReconnectGrace,
		Events: a.Usage.Events(), Clock: a.Usage.Clock.Now})
	a.Usage.Recorder.SetMediaSource(a.Rooms.MediaSoFar)
	dir := directoryAdapter{d: a.Directory, budget: a.Usage.budgetCheck(a.Rooms)}
	a.Signal = signal.NewServer(a.Rooms, dir, signal.Options{Logger: log.With("part", "signal"), ICEServers: iceServers(cfg.TURN), ICERefresh: cfg.TURN.RenewEvery()})
	if err := a.initMeeting(dir); err != nil {
		return nil, err
	}
	if err := a.joinCluster(ctx); err != nil {
		return nil, err
	}
	var place httpapi.Placement
	if a.Cluster != nil {
		place = placement{a.Cluster}
	}
	static, err := fs.Sub(web.Static, "static")
	if err != nil {
		return nil, err
	}
	tls := cfg.TLSCert != "" || cfg.SelfSigned
	addrLim, accountLim, err := a.signInLimits(ctx)
	if err != nil {
		return nil, err
	}
	a.Login = login.New(login.Options{Directory: a.Directory, Logger: log.With("part", "login"), Secure: tls, Mailer: mailer(opts, log),
		PublicURL: cfg.PublicURL, AddrLimiter: addrLim, AccountLimiter: accountLim})
	var sso *oidc.Provider
	if opts.OIDC.Issuer != "" {
		sso = oidc.New(oidc.Config(opts.OIDC), a.Directory, a.Login, log.With("part", "oidc"))
	}
	ssoName := ""
	if sso != nil {
		ssoName = sso.Name()
	}
	a.API = api.New(api.Options{Directory: a.Directory, Login: a.Login, Logger: log.With("part", "api"), SSO: ssoName})
	a.handler = httpapi.New(httpapi.Options{
		Static: static, Directory: dir, Rooms: a.Rooms, Signal: a.Signal,
		Logger: log.With("part", "http"), TLS: tls, Identify: a.Login.Identify,
		Placement: place, NodeSecret: cfg.Cluster.Secret, TrustedProxies: cfg.TrustedProxies, RoomExists: a.roomExists,
		Routes: func(mux *http.ServeMux) {
			a.meetingRoutes(mux)
			a.API.Register(mux)
			a.Usage.register(mux, a)
			a.mediaRoutes(mux)
			api.RegisterPages(mux, static, log)
			if sso != nil {
				sso.Register(mux)
			}
		},
	})
	return a, nil
}

// abort undoes a start that failed half-way: what was started stops, in
// the order Close uses.
func (a *App) abort() {
	a.leaveCluster()
	if a.Usage != nil {
		a.Usage.Close()
	}
	if a.Relay != nil {
		a.Relay.Close()
	}
	if a.Engine != nil {
		a.Engine.Close()
	}
	a.Store.Close()
}

func mailer(opts Options, log *slog.Logger) login.Mailer {
	switch {
	case opts.Mailer != nil:
		return opts.Mailer
	case opts.SMTP.Addr != "":
		return login.SMTPMailer{Addr: opts.SMTP.Addr, From: opts.SMTP.From, Username: opts.SMTP.Username, Password: opts.SMTP.Password}
	}
	return login.LogMailer{Log: log.With("part", "mail")}
}

// openStore opens PostgreSQL when cfg.DB is a postgres:// URL, else the
// SQLite file in the data folder.
func openStore(ctx context.Context, cfg config.Config) (store.Store, error) {
	if cfg.DB != "" {
		st, err := postgres.Open(ctx, cfg.DB)
		if err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
		return st, nil
	}
	st, err := sqlite.Open(ctx, filepath.Join(cfg.Data, "confer.db"))
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	return st, nil
}

// Handler is the HTTP handler of the whole service.
func (a *App) Handler() http.Handler { return a.handler }

// TLSConfig returns the certificate to serve, or nil for plain HTTP.
func (a *App) TLSConfig() (*tls.Config, error) {
	switch {
	case a.Config.TLSCert != "":
		c, err := tls.LoadX509KeyPair(a.Config.TLSCert, a.Config.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("tls: %w", err)
		}
		return &tls.Config{Certificates: []tls.Certificate{c}, MinVersion: tls.VersionTLS12}, nil
	case a.Config.SelfSigned:
		c, err := selfSignedCert(a.Config.Data, append(localIPs(), a.Config.PublicIPs...))
		if err != nil {
			return nil, err
		}
		return &tls.Config{Certificates: []tls.Certificate{c}, MinVersion: tls.VersionTLS12}, nil
	}
	return nil, nil
}

// Serve answers HTTP on ln until ctx ends, then ends every meeting (each
// participant is told why) and shuts down.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	tlsCfg, err := a.TLSConfig()
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelDebug),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if tlsCfg != nil {
		srv.TLSConfig = tlsCfg
		ln = tls.NewListener(ln, tlsCfg)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.Drain(context.Background(), a.Config.Cluster.DrainTimeout)
	a.log.Info("shutting down: ending meetings")
	a.leaveCluster()
	a.Rooms.Shutdown()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	return nil
}

// Close releases the media engine and the store.
func (a *App) Close() error {
	if a.Relay != nil {
		defer a.Relay.Close()
	}
	a.leaveCluster()
	a.Rooms.Shutdown()
	a.Signal.Close(5 * time.Second) // no session may use the store after it closes
	a.Usage.Close()                 // after the rooms: their last events are records too
	return errors.Join(a.Engine.Close(), a.Store.Close())
}

// directoryAdapter gives signalling the view of rooms it needs.
type directoryAdapter struct {
	d *directory.Directory
	// budget refuses a new meeting past the org's budget (nil: never).
	budget func(ctx context.Context, orgID int64, slug string) error
}

func (a directoryAdapter) LookupRoom(ctx context.Context, slug string, who signal.Identity) (signal.RoomConfig, error) {
	r, err := a.d.RoomBySlug(ctx, slug)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, directory.ErrInvalid) {
		return signal.RoomConfig{}, signal.ErrRoomNotFound
	}
	if err != nil {
		return signal.RoomConfig{}, err
	}
	if r.OrgStatus == store.StatusSuspended {
		return signal.RoomConfig{}, signal.ErrRoomUnavailable
	}
	if a.budget != nil {
		if err := a.budget(ctx, r.OrgID, r.Slug); err != nil {
			return signal.RoomConfig{}, err
		}
	}
	title := r.Title
	if title == "" {
		title = r.Slug
	}
	share := r.WhoMayShare
	if share == "" {
		share = store.ShareEveryone
	}
	host, err := a.host(ctx, r, who)
	if err != nil {
		return signal.RoomConfig{}, err
	}
	return signal.RoomConfig{
		Slug: r.Slug, Title: title, Capacity: r.Capacity, PIN: r.PIN, GuestsAllowed: r.GuestsAllowed,
		Lobby: r.Lobby, WhoMayShare: share, Host: host,
	}, nil
}

// host: an assigned host or moderator, the personal room's owner, an admin
// of the room's org or a platform admin, who may sign in now (an expired
// or suspended account never hosts).
func (a directoryAdapter) host(ctx context.Context, r store.Room, who signal.Identity) (bool, error) {
	if who.Guest() {
		return false, nil
	}
	acc, err := a.d.AccountByID(ctx, who.AccountID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	err = a.d.CheckCanHost(ctx, acc, r, time.Now())
	if errors.Is(err, directory.ErrAccessDenied) {
		return false, nil
	}
	return err == nil, err
}

// iceServers adapts the operator's STUN/TURN setting to the welcome;
// nil when none is set (browsers then use host candidates and ICE-TCP).
func iceServers(c turncred.Config) func(string) []signal.ICEServer {
	if !c.Enabled() {
		return nil
	}
	return func(participant string) []signal.ICEServer {
		var out []signal.ICEServer
		for _, s := range c.Servers(participant, time.Now()) {
			out = append(out, signal.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential})
		}
		return out
	}
}
