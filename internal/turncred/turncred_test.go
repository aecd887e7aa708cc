package turncred

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pion/turn/v5"
)

// TestMintedCredentialsPassARelaysCheck: pion/turn's TURN REST handler,
// an implementation independent of ours (and coturn's scheme), accepts a
// minted credential, and refuses it under another secret or once expired.
func TestMintedCredentialsPassARelaysCheck(t *testing.T) {
	c := Config{URLs: []string{"turn:relay.example.org:3478"}, Secret: "s3cret"}
	now := time.Now()
	srv := c.Servers("p-42", now)
	if len(srv) != 1 {
		t.Fatalf("servers: %+v", srv)
	}
	user, pass := srv[0].Username, srv[0].Credential
	if !strings.HasSuffix(user, ":p-42") {
		t.Errorf("username %q does not name the participant", user)
	}
	check := func(secret, user, pass string) bool {
		h := turn.LongTermTURNRESTAuthHandler(secret, nil)
		ra := &turn.RequestAttributes{Username: user, Realm: "confer"}
		_, key, ok := h(ra)
		return ok && bytes.Equal(key, turn.GenerateAuthKey(user, "confer", pass))
	}
	if !check("s3cret", user, pass) {
		t.Errorf("relay refused %q / %q", user, pass)
	}
	if check("other", user, pass) {
		t.Error("a credential made under another secret was accepted")
	}
	oldUser, oldPass := Mint("s3cret", "p-42", now.Add(-time.Minute))
	if check("s3cret", oldUser, oldPass) {
		t.Error("an expired credential was accepted")
	}
	exp := strings.SplitN(user, ":", 2)[0]
	if want := now.Add(DefaultTTL).Unix(); exp != itoa(want) {
		t.Errorf("expiry %s, want now + %s (%d)", exp, DefaultTTL, want)
	}
	c.TTL = time.Hour
	if got := strings.SplitN(c.Servers("x", now)[0].Username, ":", 2)[0]; got != itoa(now.Add(time.Hour).Unix()) {
		t.Errorf("TTL 1h: expiry %s", got)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestServersSplitsSTUNFromTURN: STUN needs no credential, and a fixed
// credential is passed through unchanged.
func TestServersSplitsSTUNFromTURN(t *testing.T) {
	c := Config{URLs: []string{"stun:stun.example.org", "turn:relay.example.org?transport=udp", "turns:relay.example.org:443?transport=tcp"},
		Username: "confer", Password: "pw"}
	got := c.Servers("p", time.Now())
	if len(got) != 2 {
		t.Fatalf("servers: %+v", got)
	}
	if got[0].Username != "" || len(got[0].URLs) != 1 || got[0].URLs[0] != "stun:stun.example.org" {
		t.Errorf("stun entry: %+v", got[0])
	}
	if got[1].Username != "confer" || got[1].Credential != "pw" || len(got[1].URLs) != 2 {
		t.Errorf("turn entry: %+v", got[1])
	}
	if (Config{}).Servers("p", time.Now()) != nil {
		t.Error("no configuration should give no servers")
	}
}

func TestValidate(t *testing.T) {
	ok := []Config{
		{},
		{URLs: []string{"stun:stun.example.org:3478"}},
		{URLs: []string{"turn:10.0.0.1:3478?transport=udp", "turns:relay.example.org:443?transport=tcp"}, Secret: "x"},
		{URLs: []string{"turn:[2001:db8::1]:3478"}, Username: "u", Password: "p"},
		{URLs: []string{"turn:relay.example.org"}, Secret: "x", TTL: time.Hour},
	}
	for _, c := range ok {
		if err := c.Validate(); err != nil {
			t.Errorf("%+v: %v", c, err)
		}
	}
	bad := map[string]Config{
		"no credential":       {URLs: []string{"turn:relay.example.org"}},
		"both kinds":          {URLs: []string{"turn:relay.example.org"}, Secret: "x", Username: "u", Password: "p"},
		"half a fixed one":    {URLs: []string{"turn:relay.example.org"}, Username: "u"},
		"http URL":            {URLs: []string{"https://relay.example.org"}, Secret: "x"},
		"slashes":             {URLs: []string{"turn://relay.example.org"}, Secret: "x"},
		"no host":             {URLs: []string{"turn:"}, Secret: "x"},
		"bad port":            {URLs: []string{"turn:relay.example.org:99999"}, Secret: "x"},
		"bad transport":       {URLs: []string{"turn:relay.example.org?transport=sctp"}, Secret: "x"},
		"stun with transport": {URLs: []string{"stun:relay.example.org?transport=udp"}},
		"unknown parameter":   {URLs: []string{"turn:relay.example.org?foo=1"}, Secret: "x"},
		"userinfo":            {URLs: []string{"turn:u@relay.example.org"}, Secret: "x"},
		"short TTL":           {URLs: []string{"turn:relay.example.org"}, Secret: "x", TTL: time.Minute},
		"secret, no URL":      {Secret: "x"},
	}
	for name, c := range bad {
		if err := c.Validate(); err == nil {
			t.Errorf("%s: %+v accepted", name, c)
		}
	}
}

// FuzzValidate: any URL list is accepted or refused with an error, never
// a panic, and an accepted one yields servers whose TURN entries all
// carry a credential (a browser refuses the whole configuration otherwise).
func FuzzValidate(f *testing.F) {
	for _, s := range []string{"turn:relay.example.org:3478?transport=udp", "stun:[::1]", "turns:x:0", "turn:[", "turn:a:b:c",
		"turn:%zz", "stun:host?transport=tcp", "turn:h?transport=udp&transport=tcp", ":", "turn::1"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, u string, secret bool) {
		c := Config{URLs: []string{u}}
		if secret {
			c.Secret = "s"
		}
		if c.Validate() != nil {
			return
		}
		for _, s := range c.Servers("p", time.Now()) {
			for _, url := range s.URLs {
				if strings.HasPrefix(url, "turn") && s.Credential == "" {
					t.Fatalf("%q accepted without a credential", url)
				}
			}
		}
	})
}
