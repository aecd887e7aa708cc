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
	"github.com/confer-dev/confer/internal/store/postgres"
	"github.com/confer-dev/confer/internal/store/sqlite"
)

const adminUsage = `Usage: confer admin [--data DIR] [--db URL] [--max-capacity N] COMMAND [flags]

Manage organisations, accounts, rooms and API tokens directly in the
database; works offline, also while the service runs.

Organisations:
  org add      --slug S --name N [--kind K] [--contact-name N] [--contact-email E]
               [--contact-phone P] [--accounts N] [--hours N] [--rooms N] [--refuse-over-budget]
               kinds: healthcare, local-administration, member-entity,
               business, school, other (default other); contract 0 = no limit
  org list     [--query Q] [--json]
  org show     --slug S [--json]
  org suspend  --slug S            (its rooms refuse new meetings)
  org reactivate --slug S
  org contract --slug S [--accounts N] [--hours N] [--rooms N] [--refuse-over-budget=BOOL]
  org delete   --slug S [--force]   (refused while it has accounts or rooms;
               --force deletes them too)
Accounts:
  account add  --email E [--name N] [--kind contracted|personal] [--org S]
               [--role platform-admin|org-admin|host|member] [--valid-until YYYY-MM-DD]
               [--password PW]   (without --password one is generated and printed once)
  account list [--org S] [--query Q] [--kind K] [--role R] [--json]
  account suspend    --email E
  account reactivate --email E
  account extend --until YYYY-MM-DD (--email E[,E...] | --all-personal)
  account end    (--email E[,E...] | --all-personal)   (validity ends now)
  account reset-link --email E [--public-url URL]
               prints a one-time password reset link (72 h); base URL from
               --public-url, else $CONFER_PUBLIC_URL
  account import --csv FILE   columns email,name,kind,org,role,valid_until; ; or ,
               separated; all or nothing, every refused line is reported
Rooms:
  room add  --org S --slug R [--title T] [--description D] [--pin DIGITS] [--guests]
            [--lobby] [--share everyone|moderators] [--capacity N]
            capacity defaults to the maximum; PIN is 4-10 digits
  room list [--org S] [--query Q] [--json]
  room set  --slug R [--title T] [--description D] [--pin DIGITS | --no-pin]
            [--guests=BOOL] [--lobby=BOOL] [--share everyone|moderators] [--capacity N]
  room host --slug R --email E [--role host|moderator] [--remove]
  room hosts --slug R [--json]
  room delete --slug R   (personal rooms go with their account)
API tokens:
  token create --email E --name N [--scopes S] [--expires YYYY-MM-DD]
               prints the secret once; only its hash is kept
  token list   [--email E] [--json]
  token revoke --id N
Usage and webhooks:
  usage     [--org S] [--from YYYY-MM] [--to YYYY-MM] [--csv [--by detail|org|room|month|year] [--it] | --json]
            conference-hours per month (Europe/Rome), default this year
  webhook add  --url U [--org S] [--description D]   prints the signing secret once
  webhook list [--org S] [--json]
  webhook remove --id N
  webhook log  [--org S] [--limit N] [--json]   recent deliveries
  webhook retry ID                              retry a failed delivery now

--data defaults to $CONFER_DATA, then ./confer-data; --db to $CONFER_DB (a
postgres:// URL; empty means SQLite in the data folder); --max-capacity to
$CONFER_MAX_CAPACITY, then 50. They may also follow the command. New
personal accounts expire on $CONFER_PERSONAL_VALID_UNTIL unless
--valid-until is given.
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
	db          string
	dbSrc       string // "CONFER_DB" or "--db", for messages
	maxCapacity string
	validUntil  string // CONFER_PERSONAL_VALID_UNTIL
	operator    string // CONFER_OPERATOR_CONTACT
	publicURL   string // CONFER_PUBLIC_URL, base of printed links
	stdout      io.Writer
}

// runAdmin runs `confer admin ...`; args exclude "admin". It returns the
// process exit code: 0 done, 1 refused or failed, 2 usage error. Every
// error is reported as one line on stderr.
func runAdmin(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	env := &adminEnv{data: getenv("CONFER_DATA"), db: getenv("CONFER_DB"), dbSrc: "CONFER_DB",
		maxCapacity: getenv("CONFER_MAX_CAPACITY"), validUntil: getenv("CONFER_PERSONAL_VALID_UNTIL"),
		operator: getenv("CONFER_OPERATOR_CONTACT"), publicURL: getenv("CONFER_PUBLIC_URL"), stdout: stdout}
	if env.data == "" {
		env.data = config.DefaultData
	}
	err := env.run(ctx, args)
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

// adminCommands maps "noun verb" to its implementation.
var adminCommands = map[string]func(e *adminEnv, ctx context.Context, args []string) error{
	"org add": (*adminEnv).orgAdd, "org list": (*adminEnv).orgList, "org show": (*adminEnv).orgShow,
	"org suspend": (*adminEnv).orgSuspend, "org reactivate": (*adminEnv).orgReactivate,
	"org contract": (*adminEnv).orgContract, "org delete": (*adminEnv).orgDelete,
	"account add": (*adminEnv).accountAdd, "account list": (*adminEnv).accountList,
	"account suspend": (*adminEnv).accountSuspend, "account reactivate": (*adminEnv).accountReactivate,
	"account extend": (*adminEnv).accountExtend, "account end": (*adminEnv).accountEnd,
	"account import": (*adminEnv).accountImport, "account reset-link": (*adminEnv).accountResetLink,
	"room add": (*adminEnv).roomAdd, "room list": (*adminEnv).roomList, "room set": (*adminEnv).roomSet,
	"room host": (*adminEnv).roomHost, "room hosts": (*adminEnv).roomHosts, "room delete": (*adminEnv).roomDelete,
	"token create": (*adminEnv).tokenCreate, "token list": (*adminEnv).tokenList,
	"token revoke": (*adminEnv).tokenRevoke,
}

func (e *adminEnv) run(ctx context.Context, args []string) error {
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
	if args[0] == "usage" || args[0] == "webhook" {
		return e.runUsage(ctx, args) // admin_usage.go
	}
	noun := args[0]
	if noun != "org" && noun != "room" && noun != "account" && noun != "token" {
		return usagef("admin: unknown command %q", noun)
	}
	if len(args) < 2 {
		return usagef("admin %s: missing subcommand", noun)
	}
	cmd, ok := adminCommands[noun+" "+args[1]]
	if !ok {
		return usagef("admin %s: unknown subcommand %q", noun, args[1])
	}
	return cmd(e, ctx, args[2:])
}

// flags returns a FlagSet with the options every level accepts.
func (e *adminEnv) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // we print one line ourselves
	fs.StringVar(&e.data, "data", e.data, "data folder")
	fs.Func("db", "postgres:// URL", func(v string) error { e.db, e.dbSrc = v, "--db"; return nil })
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

// open opens the store (PostgreSQL for a postgres:// --db/CONFER_DB, else
// SQLite in the data folder, creating both if needed) and the directory
// over it. The caller closes the store.
func (e *adminEnv) open(ctx context.Context) (*directory.Directory, store.Store, error) {
	opts := directory.Options{OperatorContact: strings.TrimSpace(e.operator)}
	if e.maxCapacity != "" {
		n, err := strconv.Atoi(e.maxCapacity)
		if err != nil || n < 1 {
			return nil, nil, fmt.Errorf("max capacity %q: must be a positive number", e.maxCapacity)
		}
		opts.MaxCapacity = n
	}
	if v := strings.TrimSpace(e.validUntil); v != "" {
		d, err := directory.ParseDate(v, nil)
		if err != nil {
			return nil, nil, fmt.Errorf("CONFER_PERSONAL_VALID_UNTIL: %w", err)
		}
		opts.PersonalValidUntil = d
	}
	var st store.Store
	if db := strings.TrimSpace(e.db); db != "" {
		if !strings.HasPrefix(db, "postgres://") && !strings.HasPrefix(db, "postgresql://") {
			return nil, nil, fmt.Errorf("%s: want a postgres:// URL", e.dbSrc)
		}
		cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		pg, err := postgres.Open(cctx, db)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", e.dbSrc, err)
		}
		st = pg
	} else {
		if err := os.MkdirAll(e.data, 0o750); err != nil {
			return nil, nil, fmt.Errorf("data folder: %w", err)
		}
		lite, err := sqlite.Open(ctx, filepath.Join(e.data, "confer.db"))
		if err != nil {
			return nil, nil, err
		}
		st = lite
	}
	return directory.New(st, opts), st, nil
}

// withDir opens the directory, runs fn and closes the store.
func (e *adminEnv) withDir(ctx context.Context, fn func(d *directory.Directory) error) error {
	d, st, err := e.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(d)
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

func newTable(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 4, 2, ' ', 0) }

// day formats a validity bound; "-" when unset.
func day(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format("2006-01-02")
}

// timePtr is nil for the zero time, so JSON shows null for "unset".
func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}
