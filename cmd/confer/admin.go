package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/confer-dev/confer/internal/config"
	"github.com/confer-dev/confer/internal/directory"
	"github.com/confer-dev/confer/internal/store"
	"github.com/confer-dev/confer/internal/store/sqlite"
)

const adminUsage = `Usage: confer admin [--data DIR] [--max-capacity N] COMMAND [flags]

Manage organisations and rooms directly in the data folder; works offline,
also while the service runs.

Commands:
  org add   --slug S --name N [--kind K]
            kinds: healthcare, local-administration, member-entity,
            business, school, other (default other)
  org list  [--json]
  room add  --org S --slug R [--title T] [--pin DIGITS] [--guests] [--capacity N]
            capacity defaults to the maximum; PIN is 4-10 digits
  room list [--org S] [--json]

--data defaults to $CONFER_DATA, then ./confer-data; --max-capacity to
$CONFER_MAX_CAPACITY, then 50. Both may also follow the command.
`

// usageError marks mistakes in how the command was called (exit code 2),
// as opposed to refused input or failures (exit code 1).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// errNoCommand makes a bare `confer admin` print the full usage.
var errNoCommand = errors.New("admin: missing command")

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...) + " (see confer admin -h)"}
}

// adminEnv is what every admin command shares.
type adminEnv struct {
	data        string
	maxCapacity string
	stdout      io.Writer
}

// runAdmin runs `confer admin ...`; args exclude "admin". It returns the
// process exit code: 0 done, 1 refused or failed, 2 usage error. Every
// error is reported as one line on stderr.
func runAdmin(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	env := &adminEnv{data: getenv("CONFER_DATA"), maxCapacity: getenv("CONFER_MAX_CAPACITY"), stdout: stdout}
	if env.data == "" {
		env.data = config.DefaultData
	}
	err := env.run(ctx, args, getenv)
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, adminUsage)
		return 0
	case errors.Is(err, errNoCommand):
		fmt.Fprint(stderr, adminUsage)
		return 2
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "confer:", oneLine(err))
		return 2
	default:
		fmt.Fprintln(stderr, "confer:", oneLine(err))
		return 1
	}
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", " ") }

func (e *adminEnv) run(ctx context.Context, args []string, getenv func(string) string) error {
	fs := e.flags("confer admin")
	if err := fs.Parse(args); err != nil {
		return flagErr(fs, err)
	}
	args = fs.Args()
	if len(args) == 0 {
		return errNoCommand
	}
	if args[0] == "help" {
		return flag.ErrHelp
	}
	if len(args) >= 2 && (args[1] == "-h" || args[1] == "--help" || args[1] == "-help" || args[1] == "help") {
		return flag.ErrHelp
	}
	if len(args) < 2 {
		return usagef("admin %s: missing subcommand (add or list)", args[0])
	}
	if db := getenv("CONFER_DB"); db != "" {
		return fmt.Errorf("CONFER_DB: only the embedded SQLite store is available in this version")
	}
	cmd, rest := args[0]+" "+args[1], args[2:]
	switch cmd {
	case "org add":
		return e.orgAdd(ctx, rest)
	case "org list":
		return e.orgList(ctx, rest)
	case "room add":
		return e.roomAdd(ctx, rest)
	case "room list":
		return e.roomList(ctx, rest)
	}
	if args[0] != "org" && args[0] != "room" {
		return usagef("admin: unknown command %q", args[0])
	}
	return usagef("admin %s: unknown subcommand %q", args[0], args[1])
}

// flags returns a FlagSet with the options every level accepts.
func (e *adminEnv) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // we print one line ourselves
	fs.StringVar(&e.data, "data", e.data, "data folder")
	fs.StringVar(&e.maxCapacity, "max-capacity", e.maxCapacity, "largest room capacity")
	return fs
}

func parseLeaf(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return flagErr(fs, err)
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q", strings.TrimPrefix(fs.Name(), "confer "), fs.Arg(0))
	}
	return nil
}

func flagErr(fs *flag.FlagSet, err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	return usagef("%s: %v", strings.TrimPrefix(fs.Name(), "confer "), err)
}

func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func required(fs *flag.FlagSet, names ...string) error {
	for _, n := range names {
		if !isSet(fs, n) {
			return usagef("%s: --%s is required", strings.TrimPrefix(fs.Name(), "confer "), n)
		}
	}
	return nil
}

// open opens the store in the data folder (creating both if needed) and
// the directory over it. The caller closes the store.
func (e *adminEnv) open(ctx context.Context) (*directory.Directory, store.Store, error) {
	maxCap := 0
	if e.maxCapacity != "" {
		n, err := strconv.Atoi(e.maxCapacity)
		if err != nil || n < 1 {
			return nil, nil, fmt.Errorf("max capacity %q: must be a positive number", e.maxCapacity)
		}
		maxCap = n
	}
	if err := os.MkdirAll(e.data, 0o750); err != nil {
		return nil, nil, fmt.Errorf("data folder: %w", err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(e.data, "confer.db"))
	if err != nil {
		return nil, nil, err
	}
	return directory.New(st, directory.Options{MaxCapacity: maxCap}), st, nil
}

func (e *adminEnv) orgAdd(ctx context.Context, args []string) error {
	fs := e.flags("confer admin org add")
	slug := fs.String("slug", "", "org slug")
	name := fs.String("name", "", "display name")
	kind := fs.String("kind", store.KindOther, "kind of organisation")
	if err := parseLeaf(fs, args); err != nil {
		return err
	}
	if err := required(fs, "slug", "name"); err != nil {
		return err
	}
	d, st, err := e.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	o, err := d.CreateOrg(ctx, store.Org{Slug: *slug, Name: *name, Kind: *kind})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "org %q created (%s, %s)\n", o.Slug, o.Name, o.Kind)
	return nil
}

type orgJSON struct {
	ID        int64     `json:"id"`
	Slug      string    `json:"slug"`
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
}

func (e *adminEnv) orgList(ctx context.Context, args []string) error {
	fs := e.flags("confer admin org list")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseLeaf(fs, args); err != nil {
		return err
	}
	d, st, err := e.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	page, err := d.ListOrgs(ctx, store.ListOptions{Limit: store.MaxLimit})
	if err != nil {
		return err
	}
	orgs := page.Items
	if *asJSON {
		out := make([]orgJSON, 0, len(orgs))
		for _, o := range orgs {
			out = append(out, orgJSON{o.ID, o.Slug, o.Name, o.Kind, o.Status, o.CreatedAt.UTC()})
		}
		return writeJSON(e.stdout, out)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SLUG\tNAME\tKIND\tSTATUS\tCREATED")
	for _, o := range orgs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", o.Slug, cell(o.Name), o.Kind, o.Status, o.CreatedAt.Local().Format("2006-01-02 15:04"))
	}
	return tw.Flush()
}

func (e *adminEnv) roomAdd(ctx context.Context, args []string) error {
	fs := e.flags("confer admin room add")
	org := fs.String("org", "", "org slug")
	slug := fs.String("slug", "", "room slug")
	title := fs.String("title", "", "title (default: the slug)")
	pin := fs.String("pin", "", "PIN, 4-10 digits (default: none)")
	guests := fs.Bool("guests", false, "let guests without an account join")
	capacity := fs.Int("capacity", 0, "maximum participants (default: the maximum)")
	if err := parseLeaf(fs, args); err != nil {
		return err
	}
	if err := required(fs, "org", "slug"); err != nil {
		return err
	}
	d, st, err := e.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	// For the directory 0 means "not given"; an explicit 0 is refused.
	if isSet(fs, "capacity") {
		if err := d.ValidateCapacity(*capacity); err != nil {
			return err
		}
	}
	r, err := d.CreateRoom(ctx, store.Room{
		OrgSlug: *org, Slug: *slug, Title: *title, Capacity: *capacity, PIN: *pin, GuestsAllowed: *guests,
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
	fmt.Fprintf(e.stdout, "room %q created in org %q (capacity %d, %s)\n", r.Slug, r.OrgSlug, r.Capacity, access)
	return nil
}

type roomJSON struct {
	ID            int64     `json:"id"`
	Org           string    `json:"org"`
	OrgStatus     string    `json:"org_status"`
	Slug          string    `json:"slug"`
	Title         string    `json:"title"`
	Capacity      int       `json:"capacity"`
	PIN           string    `json:"pin"`
	GuestsAllowed bool      `json:"guests_allowed"`
	CreatedAt     time.Time `json:"created_at"`
}

func (e *adminEnv) roomList(ctx context.Context, args []string) error {
	fs := e.flags("confer admin room list")
	org := fs.String("org", "", "only this org's rooms")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseLeaf(fs, args); err != nil {
		return err
	}
	d, st, err := e.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	var f store.RoomFilter
	if *org != "" {
		o, err := d.OrgBySlug(ctx, *org)
		if err != nil {
			return err
		}
		f.OrgID = o.ID
	}
	f.Limit = store.MaxLimit
	page, err := d.ListRooms(ctx, f)
	if err != nil {
		return err
	}
	rooms := page.Items
	if *asJSON {
		out := make([]roomJSON, 0, len(rooms))
		for _, r := range rooms {
			out = append(out, roomJSON{r.ID, r.OrgSlug, r.OrgStatus, r.Slug, r.Title, r.Capacity, r.PIN,
				r.GuestsAllowed, r.CreatedAt.UTC()})
		}
		return writeJSON(e.stdout, out)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SLUG\tORG\tTITLE\tCAPACITY\tGUESTS\tPIN")
	for _, r := range rooms {
		guests, pin := "no", r.PIN
		if r.GuestsAllowed {
			guests = "yes"
		}
		if pin == "" {
			pin = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", r.Slug, r.OrgSlug, cell(r.Title), r.Capacity, guests, pin)
	}
	return tw.Flush()
}

// cell keeps free text from breaking the table's columns.
func cell(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
