package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestAdminUsageAndWebhooks(t *testing.T) {
	data := t.TempDir()
	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := runAdmin(context.Background(), append([]string{"--data", data}, args...), nil, &out, &errb)
		return code, out.String(), errb.String()
	}
	if code, _, e := run("org", "add", "--slug", "acme", "--name", "Acme", "--hours", "100"); code != 0 {
		t.Fatalf("org add: %s", e)
	}
	code, out, e := run("usage", "--org", "acme", "--from", "2026-01", "--to", "2026-02")
	if code != 0 || !strings.Contains(out, "2026-02  0") || !strings.Contains(out, "budget") {
		t.Errorf("usage = %d %q %q", code, out, e)
	}
	code, out, _ = run("usage", "--csv", "--by", "month", "--from", "2026-01", "--to", "2026-02")
	if code != 0 || !strings.HasPrefix(out, "\ufeffperiod,org,room,") || strings.Count(out, "\r\n") != 3 {
		t.Errorf("usage --csv = %d %q", code, out)
	}
	if code, _, e := run("usage", "--from", "2026-13"); code != 2 || !strings.Contains(e, "YYYY-MM") {
		t.Errorf("bad month: %d %q", code, e)
	}
	code, out, _ = run("webhook", "add", "--url", "https://hooks.example/confer", "--org", "acme")
	if code != 0 || !strings.Contains(out, "whsec_") {
		t.Fatalf("webhook add = %d %q", code, out)
	}
	if code, out, _ := run("webhook", "list"); code != 0 || !strings.Contains(out, "acme") {
		t.Errorf("webhook list = %d %q", code, out)
	}
	if code, _, e := run("webhook", "add", "--url", "ftp://x"); code != 2 {
		t.Errorf("bad url: %d %q", code, e)
	}
	if code, out, _ := run("webhook", "remove", "--id", "1"); code != 0 || !strings.Contains(out, "removed") {
		t.Errorf("webhook remove = %d %q", code, out)
	}
}
