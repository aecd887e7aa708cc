package main

import (
	"context"
	"fmt"
	"time"

	"github.com/confer-dev/confer/internal/directory"
	"github.com/confer-dev/confer/internal/store"
)

func (e *adminEnv) roomAdd(ctx context.Context, args []string) error {
	fs := e.flags("confer admin room add")
	org := fs.String("org", "", "org slug")
	slug := fs.String("slug", "", "room slug")
	title := fs.String("title", "", "title (default: the slug)")
	desc := fs.String("description", "", "description")
	pin := fs.String("pin", "", "PIN, 4-10 digits (default: none)")
	guests := fs.Bool("guests", false, "let guests without an account join")
	lobby := fs.Bool("lobby", true, "guests wait in a lobby until a host admits them (--lobby=false for an open room)")
	share := fs.String("share", store.ShareEveryone, "who may share the screen: everyone or moderators")
	capacity := fs.Int("capacity", 0, "maximum participants (default: the maximum)")
	if err := parseLeaf(fs, args); err != nil {
		return err
	}
	if err := required(fs, "org", "slug"); err != nil {
		return err
	}
	return e.withDir(ctx, func(d *directory.Directory) error {
		// For the directory 0 means "not given"; an explicit 0 is refused.
		if isSet(fs, "capacity") {
			if err := d.ValidateCapacity(*capacity); err != nil {
				return err
			}
		}
		r, err := d.CreateRoom(ctx, store.Room{
			OrgSlug: *org, Slug: *slug, Title: *title, Description: *desc, Capacity: *capacity, PIN: *pin,
			GuestsAllowed: *guests, Lobby: *lobby, WhoMayShare: *share,
		})
		if err != nil {
			return err
		}
		access := "members only"
		if r.GuestsAllowed {
			access = "guests allowed"
		}
		if r.PIN != "" {
			access += ", PIN " + r.PIN
		}
		if r.Lobby {
			access += ", lobby"
		}
		fmt.Fprintf(e.stdout, "room %q created in org %q (capacity %d, %s)\n", r.Slug, r.OrgSlug, r.Capacity, access)
		return nil
	})
}

type roomJSON struct {
	ID            int64     `json:"id"`
	Org           string    `json:"org"`
	OrgStatus     string    `json:"org_status"`
	Slug          string    `json:"slug"`
	Title         string    `json:"title"`
	Description   string    `json:"description"`
	Capacity      int       `json:"capacity"`
	PIN           string    `json:"pin"`
	GuestsAllowed bool      `json:"guests_allowed"`
	Lobby         bool      `json:"lobby"`
	WhoMayShare   string    `json:"who_may_share"`
	Personal      bool      `json:"personal"`
	Version       int64     `json:"version"`
	CreatedAt     time.Time `json:"created_at"`
}

func (e *adminEnv) roomList(ctx context.Context, args []string) error {
	fs := e.flags("confer admin room list")
	org := fs.String("org", "", "only this org's rooms")
	query := fs.String("query", "", "only rooms whose slug or title contains this")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseLeaf(fs, args); err != nil {
		return err
	}
	return e.withDir(ctx, func(d *directory.Directory) error {
		f := store.RoomFilter{ListOptions: store.ListOptions{Query: *query, Limit: store.MaxLimit}}
		if *org != "" {
			o, err := d.OrgBySlug(ctx, *org)
			if err != nil {
				return err
			}
			f.OrgID = o.ID
		}
		var rooms []store.Room
		for {
			f.Offset = len(rooms)
			p, err := d.ListRooms(ctx, f)
			if err != nil {
				return err
			}
			rooms = append(rooms, p.Items...)
			if len(p.Items) == 0 || len(rooms) >= p.Total {
				break
			}
		}
		if *asJSON {
			out := make([]roomJSON, 0, len(rooms))
			for _, r := range rooms {
				out = append(out, roomJSON{r.ID, r.OrgSlug, r.OrgStatus, r.Slug, r.Title, r.Description, r.Capacity,
					r.PIN, r.GuestsAllowed, r.Lobby, r.WhoMayShare, r.PersonalOf != 0, r.Version, r.CreatedAt.UTC()})
			}
			return writeJSON(e.stdout, out)
		}
		tw := newTable(e.stdout)
		fmt.Fprintln(tw, "SLUG\tORG\tTITLE\tCAPACITY\tGUESTS\tPIN\tLOBBY")
		for _, r := range rooms {
			guests, pin, lobby := "no", r.PIN, "no"
			if r.GuestsAllowed {
				guests = "yes"
			}
			if pin == "" {
				pin = "-"
			}
			if r.Lobby {
				lobby = "yes"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", r.Slug, r.OrgSlug, cell(r.Title), r.Capacity, guests, pin, lobby)
		}
		return tw.Flush()
	})
}

func (e *adminEnv) roomSet(ctx context.Context, args []string) error {
	fs := e.flags("confer admin room set")
	slug := fs.String("slug", "", "room slug")
	title := fs.String("title", "", "title")
	desc := fs.String("description", "", "description")
	pin := fs.String("pin", "", "PIN, 4-10 digits")
	noPIN := fs.Bool("no-pin", false, "remove the PIN")
	guests := fs.Bool("guests", false, "let guests without an account join")
	lobby := fs.Bool("lobby", false, "guests wait in a lobby until admitted (--lobby=false opens the room)")
	share := fs.String("share", "", "who may share the screen: everyone or moderators")
	capacity := fs.Int("capacity", 0, "maximum participants")
	if err := parseLeaf(fs, args); err != nil {
		return err
	}
	if err := required(fs, "slug"); err != nil {
		return err
	}
	if isSet(fs, "pin") && *noPIN {
		return usagef("admin room set: --pin and --no-pin exclude each other")
	}
	return e.withDir(ctx, func(d *directory.Directory) error {
		r, err := d.EditRoom(ctx, *slug, func(r *store.Room) error {
			if isSet(fs, "title") {
				r.Title = *title
			}
			if isSet(fs, "description") {
				r.Description = *desc
			}
			if isSet(fs, "pin") {
				r.PIN = *pin
			}
			if *noPIN {
				r.PIN = ""
			}
			if isSet(fs, "guests") {
				r.GuestsAllowed = *guests
			}
			if isSet(fs, "lobby") {
				r.Lobby = *lobby
			}
			if isSet(fs, "share") {
				r.WhoMayShare = *share
			}
			if isSet(fs, "capacity") {
				r.Capacity = *capacity
			}
			return nil
		})
		if err != nil {
			return err
		}
		pin := r.PIN
		if pin == "" {
			pin = "none"
		}
		fmt.Fprintf(e.stdout, "room %q updated (capacity %d, guests %v, lobby %v, PIN %s, sharing: %s)\n",
			r.Slug, r.Capacity, r.GuestsAllowed, r.Lobby, pin, r.WhoMayShare)
		return nil
	})
}

func (e *adminEnv) roomHost(ctx context.Context, args []string) error {
	fs := e.flags("confer admin room host")
	slug := fs.String("slug", "", "room slug")
	email := fs.String("email", "", "account email")
	role := fs.String("role", store.RoomRoleHost, "host or moderator")
	remove := fs.Bool("remove", false, "take the role away")
	if err := parseLeaf(fs, args); err != nil {
		return err
	}
	if err := required(fs, "slug", "email"); err != nil {
		return err
	}
	return e.withDir(ctx, func(d *directory.Directory) error {
		if *remove {
			if err := d.RemoveRoomHost(ctx, *slug, *email); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s no longer hosts or moderates room %q\n", *email, *slug)
			return nil
		}
		if err := d.SetRoomHost(ctx, *slug, *email, *role); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s is now %s of room %q\n", *email, *role, *slug)
		return nil
	})
}

type hostJSON struct {
	Email       string `json:"email"`
	DisplayName string `json:"display_name"`
	Role        string `json:"role"`
}

func (e *adminEnv) roomHosts(ctx context.Context, args []string) error {
	fs := e.flags("confer admin room hosts")
	slug := fs.String("slug", "", "room slug")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseLeaf(fs, args); err != nil {
		return err
	}
	if err := required(fs, "slug"); err != nil {
		return err
	}
	return e.withDir(ctx, func(d *directory.Directory) error {
		r, err := d.RoomBySlug(ctx, *slug)
		if err != nil {
			return err
		}
		hosts, err := d.RoomHosts(ctx, r.ID)
		if err != nil {
			return err
		}
		if *asJSON {
			out := make([]hostJSON, 0, len(hosts))
			for _, h := range hosts {
				out = append(out, hostJSON{h.Email, h.DisplayName, h.Role})
			}
			return writeJSON(e.stdout, out)
		}
		tw := newTable(e.stdout)
		fmt.Fprintln(tw, "EMAIL\tNAME\tROLE")
		for _, h := range hosts {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", h.Email, cell(h.DisplayName), h.Role)
		}
		return tw.Flush()
	})
}
