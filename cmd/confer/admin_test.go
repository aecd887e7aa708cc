package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type adminRun struct {
	code           int
	stdout, stderr string
}

// admin runs `confer admin args...` with CONFER_DATA=data.
func admin(t *testing.T, data string, args ...string) adminRun {
	t.Helper()
	return adminEnvRun(t, map[string]string{"CONFER_DATA": data}, args...)
}

func adminEnvRun(t *testing.T, env map[string]string, args ...string) adminRun {
	t.Helper()
	var out, errb bytes.Buffer
	code := runAdmin(context.Background(), args, func(k string) string { return env[k] }, &out, &errb)
	return adminRun{code, out.String(), errb.String()}
}

func mustAdmin(t *testing.T, data string, args ...string) string {
	t.Helper()
	r := admin(t, data, args...)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("confer admin %q: code %d, stderr %q", args, r.code, r.stderr)
	}
	return r.stdout
}

func TestAdminUsage(t *testing.T) {
	data := t.TempDir()
	r := admin(t, data)
	if r.code != 2 || !strings.Contains(r.stderr, "Usage: confer admin") || r.stdout != "" {
		t.Errorf("bare admin: %+v", r)
	}
	for _, args := range [][]string{{"-h"}, {"help"}, {"room", "add", "-h"}, {"org", "-h"}} {
		r := admin(t, data, args...)
		if r.code != 0 || !strings.Contains(r.stdout, "room add") || r.stderr != "" {
			t.Errorf("admin %q: %+v", args, r)
		}
	}
}

func TestAdminOrgsAndRooms(t *testing.T) {
	data := filepath.Join(t.TempDir(), "fresh", "data") // folder is created
	out := mustAdmin(t, data, "org", "add", "--slug", "town", "--name", "Town Hall", "--kind", "local-administration")
	if !strings.Contains(out, `org "town" created`) {
		t.Errorf("org add printed %q", out)
	}
	if _, err := os.Stat(filepath.Join(data, "confer.db")); err != nil {
		t.Fatalf("database not created: %v", err)
	}
	mustAdmin(t, data, "org", "add", "--slug", "clinic", "--name", "Clinic")
	mustAdmin(t, data, "room", "add", "--org", "town", "--slug", "council", "--title", "Council", "--pin", "1234", "--guests")
	out = mustAdmin(t, data, "room", "add", "--org", "clinic", "--slug", "desk", "--capacity", "4")
	if !strings.Contains(out, `room "desk" created in org "clinic" (capacity 4`) {
		t.Errorf("room add printed %q", out)
	}

	table := mustAdmin(t, data, "org", "list")
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "SLUG") || !strings.HasPrefix(lines[1], "clinic ") ||
		!strings.Contains(lines[1], "other") || !strings.Contains(lines[2], "local-administration") {
		t.Errorf("org list:\n%s", table)
	}
	// tabwriter aligns: the NAME column starts at the same offset on every line.
	if i := strings.Index(lines[0], "NAME"); strings.Index(lines[1], "Clinic") != i || strings.Index(lines[2], "Town Hall") != i {
		t.Errorf("org list columns not aligned:\n%s", table)
	}

	var orgs []map[string]any
	if err := json.Unmarshal([]byte(mustAdmin(t, data, "org", "list", "--json")), &orgs); err != nil {
		t.Fatal(err)
	}
	if len(orgs) != 2 || orgs[1]["slug"] != "town" || orgs[1]["kind"] != "local-administration" ||
		orgs[1]["status"] != "active" || orgs[1]["name"] != "Town Hall" || orgs[1]["created_at"] == nil {
		t.Errorf("org list --json = %v", orgs)
	}

	table = mustAdmin(t, data, "room", "list")
	if !strings.Contains(table, "council  town    Council  50        yes     1234") ||
		!strings.Contains(table, "desk     clinic  desk     4         no      -") {
		t.Errorf("room list:\n%s", table)
	}

	var rooms []map[string]any
	if err := json.Unmarshal([]byte(mustAdmin(t, data, "room", "list", "--org", "town", "--json")), &rooms); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"org": "town", "slug": "council", "title": "Council", "capacity": 50.0,
		"pin": "1234", "guests_allowed": true, "org_status": "active"}
	if len(rooms) != 1 {
		t.Fatalf("room list --org town --json = %v", rooms)
	}
	for k, v := range want {
		if rooms[0][k] != v {
			t.Errorf("room JSON %s = %v, want %v", k, rooms[0][k], v)
		}
	}
	if out := mustAdmin(t, data, "room", "list", "--org", "clinic", "--json"); !strings.Contains(out, `"desk"`) {
		t.Errorf("room list --org clinic --json = %s", out)
	}
}

func TestAdminRefusals(t *testing.T) {
	data := t.TempDir()
	mustAdmin(t, data, "org", "add", "--slug", "town", "--name", "Town")
	mustAdmin(t, data, "room", "add", "--org", "town", "--slug", "council")
	beforeOrgs := mustAdmin(t, data, "org", "list", "--json")
	beforeRooms := mustAdmin(t, data, "room", "list", "--json")

	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"org", "add", "--slug", "town", "--name", "Again"}, 1, `confer: org "town": slug already taken`},
		{[]string{"org", "add", "--slug", "bad slug", "--name", "X"}, 1, `org slug "bad slug"`},
		{[]string{"org", "add", "--slug", "-x", "--name", "X"}, 1, `org slug "-x"`},
		{[]string{"org", "add", "--slug", "new", "--name", "X", "--kind", "hospital"}, 1, `org kind "hospital"`},
		{[]string{"org", "add", "--slug", "new", "--name", " "}, 1, "org name: must not be empty"},
		{[]string{"org", "add", "--slug", "new"}, 2, "--name is required"},
		{[]string{"room", "add", "--org", "town", "--slug", "council"}, 1, `confer: room "council": slug already taken`},
		{[]string{"room", "add", "--org", "nowhere", "--slug", "r1"}, 1, `confer: org "nowhere": not found`},
		{[]string{"room", "add", "--org", "town", "--slug", "r 1"}, 1, `room slug "r 1"`},
		{[]string{"room", "add", "--org", "town", "--slug", "r1", "--capacity", "0"}, 1, "capacity 0: must be between 1 and 50"},
		{[]string{"room", "add", "--org", "town", "--slug", "r1", "--capacity", "51"}, 1, "capacity 51"},
		{[]string{"room", "add", "--org", "town", "--slug", "r1", "--capacity", "-3"}, 1, "capacity -3"},
		{[]string{"room", "add", "--org", "town", "--slug", "r1", "--capacity", "lots"}, 2, `admin room add: invalid value "lots" for flag -capacity`},
		{[]string{"room", "add", "--org", "town", "--slug", "r1", "--pin", "12"}, 1, "pin: must be 4-10 digits"},
		{[]string{"room", "add", "--org", "town"}, 2, "--slug is required"},
		{[]string{"room", "add", "--org", "town", "--slug", "r1", "stray"}, 2, `unexpected argument "stray"`},
		{[]string{"room", "add", "--bogus"}, 2, "-bogus"},
		{[]string{"room", "list", "--org", "nowhere"}, 1, `org "nowhere": not found`},
		{[]string{"room", "remove"}, 2, `unknown subcommand "remove"`},
		{[]string{"user", "add"}, 2, `unknown command "user"`},
		{[]string{"room"}, 2, "missing subcommand"},
		{[]string{"--max-capacity", "zero", "room", "list"}, 1, "max capacity"},
	} {
		r := admin(t, data, tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.msg) || strings.Count(r.stderr, "\n") != 1 ||
			!strings.HasPrefix(r.stderr, "confer: ") || r.stdout != "" {
			t.Errorf("admin %q: code %d, stdout %q, stderr %q; want code %d and one line with %q",
				tc.args, r.code, r.stdout, r.stderr, tc.code, tc.msg)
		}
	}
	if got := mustAdmin(t, data, "org", "list", "--json"); got != beforeOrgs {
		t.Errorf("orgs changed by refused commands:\n%s\nwas\n%s", got, beforeOrgs)
	}
	if got := mustAdmin(t, data, "room", "list", "--json"); got != beforeRooms {
		t.Errorf("rooms changed by refused commands:\n%s\nwas\n%s", got, beforeRooms)
	}
}

func TestAdminDataAndCapacitySources(t *testing.T) {
	envData, flagData := t.TempDir(), t.TempDir()
	env := map[string]string{"CONFER_DATA": envData, "CONFER_MAX_CAPACITY": "100"}
	// --data after the command wins over CONFER_DATA; so does one before it.
	for _, args := range [][]string{
		{"org", "add", "--slug", "flagged", "--name", "F", "--data", flagData},
		{"--data", flagData, "room", "add", "--org", "flagged", "--slug", "big", "--capacity", "100"},
	} {
		if r := adminEnvRun(t, env, args...); r.code != 0 {
			t.Fatalf("admin %q: %+v", args, r)
		}
	}
	if out := mustAdmin(t, envData, "org", "list", "--json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("env data folder was written to: %s", out)
	}
	if out := mustAdmin(t, flagData, "room", "list"); !strings.Contains(out, "big") {
		t.Errorf("flag data folder lacks the room: %s", out)
	}
	// Without CONFER_MAX_CAPACITY the default maximum applies again.
	r := admin(t, flagData, "room", "add", "--org", "flagged", "--slug", "big2", "--capacity", "100")
	if r.code != 1 || !strings.Contains(r.stderr, "capacity 100") {
		t.Errorf("capacity over default max: %+v", r)
	}
	r = adminEnvRun(t, map[string]string{"CONFER_DATA": flagData, "CONFER_DB": "postgres://x"}, "room", "list")
	if r.code != 1 || !strings.Contains(r.stderr, "CONFER_DB") {
		t.Errorf("CONFER_DB postgres: %+v", r)
	}
}
