package app

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/confer-dev/confer/internal/config"
	"github.com/confer-dev/confer/internal/files"
	"github.com/confer-dev/confer/internal/httpapi"
	"github.com/confer-dev/confer/internal/room"
	"github.com/confer-dev/confer/internal/signal"
	"github.com/confer-dev/confer/internal/turncred"
	"github.com/confer-dev/confer/internal/whip"
	"github.com/confer-dev/confer/internal/whip/whipsql"
)

// meetingParts are the meeting's services beyond signalling: shared
// documents and WHIP ingest.
type meetingParts struct {
	Files *files.Store
	WHIP  *whip.Server
}

// initMeeting builds documents storage and the WHIP server.
func (a *App) initMeeting(dir signal.Directory) error {
	lim := a.Config.Files
	if lim == (config.Files{}) {
		lim = config.DefaultFiles() // a Config built in code, not parsed
	}
	var err error
	a.Meeting.Files, err = files.Open(a.Config.Data, files.Options{
		MaxFile: int64(lim.MaxUploadMB) << 20, MaxOrg: int64(lim.OrgStorageMB) << 20,
		Retention: time.Duration(lim.RetentionDays) * 24 * time.Hour,
	})
	if err != nil {
		return fmt.Errorf("documents: %w", err)
	}
	lookup := func(ctx context.Context, slug string) (whip.Room, error) {
		sr, err := a.Directory.RoomBySlug(ctx, slug)
		if err != nil {
			return whip.Room{}, err
		}
		c, err := dir.LookupRoom(ctx, slug, signal.Identity{})
		if err != nil {
			return whip.Room{}, err
		}
		s := room.Settings{Slug: c.Slug, Title: c.Title, Capacity: c.Capacity, Lobby: c.Lobby, WhoMayShare: c.WhoMayShare}
		return whip.Room{ID: sr.ID, Settings: s}, nil
	}
	// Tokens outlive a restart in the store; a store without the table
	// (none today) would fall back to memory.
	var tokens whip.TokenStore
	if ts, ok := a.Store.(interface{ WHIPTokens() *whipsql.Store }); ok {
		tokens = ts.WHIPTokens()
	}
	a.Meeting.WHIP = whip.New(a.Rooms, lookup, tokens, a.log.With("part", "whip"))
	if c := a.Config.TURN; c.Enabled() {
		a.Meeting.WHIP.ICEServers = func(user string) []turncred.Server { return c.Servers(user, time.Now()) }
	}
	go a.sweepFiles()
	return nil
}

// meetingRoutes adds the documents and WHIP endpoints.
func (a *App) meetingRoutes(mux *http.ServeMux) {
	httpapi.MeetingRoutes(mux, httpapi.MeetingOptions{
		Rooms: a.Rooms, Files: a.Meeting.Files, WHIP: a.Meeting.WHIP, Logger: a.log.With("part", "meeting"),
		OrgOf: func(ctx context.Context, slug string) (string, error) {
			r, err := a.Directory.RoomBySlug(ctx, slug)
			if err != nil {
				return "", err
			}
			return fmt.Sprint(r.OrgID), nil
		},
	})
}

// sweepFiles deletes documents past the retention period, hourly, until
// the process ends.
func (a *App) sweepFiles() {
	for {
		if n := a.Meeting.Files.Sweep(time.Now()); n > 0 {
			a.log.Info("documents past retention deleted", "count", n)
		}
		time.Sleep(time.Hour)
	}
}
