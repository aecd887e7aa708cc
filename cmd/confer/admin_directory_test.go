package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/confer-dev/confer/internal/store/postgres/pgtest"
)

// TestAdminDirectory walks orgs, accounts, rooms and tokens through the CLI
// on SQLite and on PostgreSQL (--db).
func TestAdminDirectory(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testAdminDirectory(t, nil) })
	t.Run("postgres", func(t *testing.T) { testAdminDirectory(t, []string{"--db", pgtest.NewDB(t)}) })
}

func testAdminDirectory(t *testing.T, db []string) {
	data := t.TempDir()
	env := map[string]string{"CONFER_DATA": data, "CONFER_PERSONAL_VALID_UNTIL": "2031-08-31"}
	run := func(args ...string) adminRun {
		t.Helper()
		return adminEnvRun(t, env, append(db, args...)...)
	}
	ok := func(args ...string) string {
		t.Helper()
		r := run(args...)
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("admin %q: code %d, stderr %q", args, r.code, r.stderr)
		}
		return r.stdout
	}
	refused := func(code int, msg string, args ...string) {
		t.Helper()
		r := run(args...)
		if r.code != code || !strings.Contains(r.stderr, msg) || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("admin %q: code %d, stdout %q, stderr %q; want code %d with %q", args, r.code, r.stdout, r.stderr, code, msg)
		}
	}

	ok("org", "add", "--slug", "clinic", "--name", "Clinic", "--kind", "healthcare", "--contact-name", "Anna Rossi",
		"--contact-email", "it@clinic.org", "--accounts", "2", "--rooms", "1", "--hours", "500")
	ok("org", "add", "--slug", "town", "--name", "Town")
	refused(1, `org slug "personal": is reserved`, "org", "add", "--slug", "personal", "--name", "P")
	refused(1, "contract: accounts, hours and rooms must be 0", "org", "add", "--slug", "x1", "--name", "X", "--rooms", "-1")
	refused(1, `contact email "nope"`, "org", "add", "--slug", "x1", "--name", "X", "--contact-email", "nope")

	var org map[string]any
	if err := json.Unmarshal([]byte(ok("org", "show", "--slug", "clinic", "--json")), &org); err != nil {
		t.Fatal(err)
	}
	if org["contract_accounts"] != 2.0 || org["contract_max_rooms"] != 1.0 || org["contact_email"] != "it@clinic.org" {
		t.Errorf("org show --json = %v", org)
	}
	if out := ok("org", "show", "--slug", "clinic"); !strings.Contains(out, "Anna Rossi <it@clinic.org>") || !strings.Contains(out, "0 of 2") {
		t.Errorf("org show:\n%s", out)
	}
	refused(1, `org "nope": not found`, "org", "show", "--slug", "nope")

	// Contract limits: one room, two contracted accounts.
	ok("room", "add", "--org", "clinic", "--slug", "ward", "--lobby", "--share", "moderators")
	refused(1, "contract limit reached", "room", "add", "--org", "clinic", "--slug", "ward2")
	out := ok("account", "add", "--email", "Anna@Clinic.org", "--org", "clinic", "--role", "org-admin")
	if !strings.Contains(out, "account anna@clinic.org created (contracted, org-admin, clinic") || !strings.Contains(out, "password: ") {
		t.Errorf("account add printed %q", out)
	}
	ok("account", "add", "--email", "bob@clinic.org", "--org", "clinic", "--password", "long enough pw")
	refused(1, `org "clinic": 2 of 2 contracted accounts used: contract limit reached`,
		"account", "add", "--email", "carl@clinic.org", "--org", "clinic")
	refused(1, "a contracted account needs an organisation", "account", "add", "--email", "dan@x.org")
	refused(1, "password: must be 10 to 256 characters", "account", "add", "--email", "dan@town.org", "--org", "town", "--password", "short")
	refused(1, `email "not-an-email"`, "account", "add", "--email", "not-an-email", "--org", "town")
	refused(1, `role "boss"`, "account", "add", "--email", "dan@town.org", "--org", "town", "--role", "boss")
	refused(1, "personal account can only be member or host", "account", "add", "--email", "p@x.org", "--kind", "personal", "--role", "org-admin")
	refused(1, `account "anna@clinic.org": email already taken`, "account", "add", "--email", "ANNA@clinic.org", "--org", "town")
	refused(1, `org "nope": not found`, "org", "contract", "--slug", "nope")

	out = ok("account", "add", "--email", "maria@home.org", "--name", "Maria Lòpez", "--kind", "personal")
	if !strings.Contains(out, "valid until 2031-08-31") || !strings.Contains(out, "personal room: maria-lopez") {
		t.Errorf("personal account add printed %q", out)
	}
	ok("org", "contract", "--slug", "clinic", "--accounts", "3")
	ok("account", "add", "--email", "carl@clinic.org", "--org", "clinic", "--role", "host")

	var accounts []map[string]any
	if err := json.Unmarshal([]byte(ok("account", "list", "--org", "clinic", "--query", "A", "--json")), &accounts); err != nil {
		t.Fatal(err)
	}
	if len(accounts) != 2 || accounts[0]["email"] != "anna@clinic.org" || accounts[1]["email"] != "carl@clinic.org" {
		t.Errorf("account list --org clinic --query A = %v", accounts)
	}

	// Validity and status.
	refused(1, "must be in the future", "account", "extend", "--email", "maria@home.org", "--until", "2020-01-01")
	refused(2, "give --email or --all-personal", "account", "extend", "--until", "2032-01-01")
	refused(1, `account "ghost@x.org": not found`, "account", "end", "--email", "ghost@x.org")
	if out := ok("account", "extend", "--all-personal", "--until", "2032-06-30"); !strings.Contains(out, "1 account(s) now valid until 2032-06-30") {
		t.Errorf("extend printed %q", out)
	}
	ok("account", "end", "--email", "bob@clinic.org,carl@clinic.org")
	ok("account", "suspend", "--email", "anna@clinic.org")
	refused(1, `account "ghost@x.org": not found`, "account", "suspend", "--email", "ghost@x.org")
	if out := ok("account", "list", "--org", "clinic"); !strings.Contains(out, "suspended") {
		t.Errorf("account list:\n%s", out)
	}

	// Rooms: settings and hosts.
	ok("room", "set", "--slug", "ward", "--pin", "4321", "--guests", "--lobby=false", "--title", "Ward A")
	refused(2, "--pin and --no-pin exclude each other", "room", "set", "--slug", "ward", "--pin", "1234", "--no-pin")
	refused(1, "pin: must be 4-10 digits", "room", "set", "--slug", "ward", "--pin", "12")
	refused(1, `who may share "all"`, "room", "set", "--slug", "ward", "--share", "all")
	ok("room", "host", "--slug", "ward", "--email", "carl@clinic.org", "--role", "moderator")
	refused(1, "belongs to another organisation", "room", "host", "--slug", "ward", "--email", "maria@home.org")
	refused(1, `room role "owner"`, "room", "host", "--slug", "ward", "--email", "carl@clinic.org", "--role", "owner")
	var rooms []map[string]any
	if err := json.Unmarshal([]byte(ok("room", "list", "--query", "ward", "--json")), &rooms); err != nil {
		t.Fatal(err)
	}
	if len(rooms) != 1 || rooms[0]["pin"] != "4321" || rooms[0]["lobby"] != false || rooms[0]["guests_allowed"] != true ||
		rooms[0]["title"] != "Ward A" || rooms[0]["who_may_share"] != "moderators" {
		t.Errorf("room list --json = %v", rooms)
	}
	if out := ok("room", "hosts", "--slug", "ward"); !strings.Contains(out, "carl@clinic.org") || !strings.Contains(out, "moderator") {
		t.Errorf("room hosts:\n%s", out)
	}
	ok("room", "host", "--slug", "ward", "--email", "carl@clinic.org", "--remove")
	refused(1, "not found", "room", "host", "--slug", "ward", "--email", "carl@clinic.org", "--remove")

	// Suspending an org.
	ok("org", "suspend", "--slug", "clinic")
	if out := ok("room", "list", "--org", "clinic", "--json"); !strings.Contains(out, `"org_status": "suspended"`) {
		t.Errorf("suspended org's room: %s", out)
	}
	ok("org", "reactivate", "--slug", "clinic")

	// CSV import: all or nothing.
	bad := filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(bad, []byte("\xef\xbb\xbfemail;name;kind;org;role;valid_until\n"+
		"new1@town.org;New One;contracted;town;member;\n"+
		"anna@clinic.org;Dup;contracted;clinic;member;\n"+
		"new2@town.org;;contracted;nowhere;member;\n"+
		"new3@x.org;;personal;;;31/12/2030\n"), 0o600)
	r := run("account", "import", "--csv", bad)
	if r.code != 1 || !strings.Contains(r.stderr, "3 line(s) refused, nothing imported") ||
		!strings.Contains(r.stdout, "line 3: ") || !strings.Contains(r.stdout, "line 4: org \"nowhere\": not found") ||
		!strings.Contains(r.stdout, "line 5: date \"31/12/2030\"") {
		t.Errorf("bad import: %+v", r)
	}
	if out := ok("account", "list", "--query", "new"); strings.Contains(out, "new1@town.org") {
		t.Errorf("half-imported:\n%s", out)
	}
	good := filepath.Join(t.TempDir(), "good.csv")
	os.WriteFile(good, []byte("email,name,kind,org,role,valid_until\nnew1@town.org,New One,contracted,town,host,\n"+
		"new3@x.org,Maria Lopez,personal,,,2030-12-31\n"), 0o600)
	if out := ok("account", "import", "--csv", good); !strings.Contains(out, "2 account(s) imported") {
		t.Errorf("import printed %q", out)
	}
	if out := ok("room", "list", "--query", "maria"); !strings.Contains(out, "maria-lopez-2") {
		t.Errorf("imported personal account's room:\n%s", out)
	}

	// Tokens.
	out = ok("token", "create", "--email", "new1@town.org", "--name", "ci", "--scopes", "rooms:read")
	if !strings.Contains(out, "\ncft_") || !strings.Contains(out, "shown only now") {
		t.Errorf("token create printed %q", out)
	}
	secret := strings.TrimSpace(strings.Split(out, "\n")[1])
	listed := ok("token", "list", "--json")
	if strings.Contains(listed, secret) || !strings.Contains(listed, `"name": "ci"`) {
		t.Errorf("token list leaks or lacks: %s", listed)
	}
	refused(1, "token name", "token", "create", "--email", "new1@town.org", "--name", " ")
	refused(1, "token expiry: must be in the future", "token", "create", "--email", "new1@town.org", "--name", "x", "--expires", "2020-01-01")
	ok("token", "revoke", "--id", "1")
	if out := ok("token", "list"); !strings.Contains(out, "true") {
		t.Errorf("token list after revoke:\n%s", out)
	}
	refused(1, "token #99: not found", "token", "revoke", "--id", "99")
	refused(2, `unknown subcommand "delete"`, "token", "delete")
}
