package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestNodeSignature(t *testing.T) {
	secret := []byte("cluster-secret-0123456789abcdef!!")
	now := time.Unix(1_800_000_000, 0)
	v := signNode(secret, now, "GET", "/ws?room=ward", "198.51.100.7")
	if ip, ok := verifyNode(secret, now.Add(5*time.Second), v, "GET", "/ws?room=ward"); !ok || ip != "198.51.100.7" {
		t.Fatalf("a good signature failed: %q %v", ip, ok)
	}
	bad := []struct {
		name, v, method, uri string
		secret               []byte
		at                   time.Time
	}{
		{"other secret", v, "GET", "/ws?room=ward", []byte("another-secret-0123456789abcdef!"), now},
		{"other room", v, "GET", "/ws?room=icu", secret, now},
		{"other method", v, "POST", "/ws?room=ward", secret, now},
		{"too old", v, "GET", "/ws?room=ward", secret, now.Add(2 * time.Minute)},
		{"from the future", v, "GET", "/ws?room=ward", secret, now.Add(-2 * time.Minute)},
		{"other address", strings.Replace(v, "198.51.100.7", "203.0.113.9", 1), "GET", "/ws?room=ward", secret, now},
		{"no secret configured", v, "GET", "/ws?room=ward", nil, now},
		{"garbage", "t=x;ip=;mac=", "GET", "/ws?room=ward", secret, now},
		{"empty", "", "GET", "/ws?room=ward", secret, now},
	}
	for _, b := range bad {
		if _, ok := verifyNode(b.secret, b.at, b.v, b.method, b.uri); ok {
			t.Errorf("%s: accepted", b.name)
		}
	}
}

func FuzzVerifyNode(f *testing.F) {
	secret := []byte("cluster-secret-0123456789abcdef!!")
	f.Add(signNode(secret, time.Unix(1_800_000_000, 0), "GET", "/ws?room=a", "::1"))
	f.Add("t=1;ip=1.2.3.4;mac=00")
	f.Add(";;;==;t=;ip=::;mac")
	f.Fuzz(func(t *testing.T, v string) {
		ip, ok := verifyNode(secret, time.Unix(1_800_000_000, 0), v, "GET", "/ws?room=a")
		if ok && net.ParseIP(ip) == nil {
			t.Fatalf("accepted %q with address %q", v, ip)
		}
	})
}

func TestRoomOf(t *testing.T) {
	cases := map[string]string{
		"/ws?room=ward":                         "ward",
		"/ws":                                   "",
		"/api/v1/rooms/ward/files":              "ward",
		"/api/v1/rooms/ward/files/f1/link":      "ward",
		"/api/v1/rooms/ward/whip-tokens/t1":     "ward",
		"/api/v1/rooms/ward":                    "", // the room's settings: any node
		"/api/v1/rooms/ward/hosts":              "",
		"/api/v1/public/rooms/ward":             "ward",
		"/files/ward/f1":                        "ward",
		"/whip/ward":                            "ward",
		"/whip/ward/e1":                         "ward",
		"/r/ward":                               "", // the page itself
		"/api/v1/usage?room=ward":               "",
		"/static/js/room.js":                    "",
		"/api/v1/orgs/demo/rooms/ward/whip-tok": "",
		"/ws?room=Ward%20Room":                  "", // not a slug: served where it lands
		"/whip/..%2F..":                         "",
		"/ws?room=" + strings.Repeat("a", 64):   "",
	}
	for target, want := range cases {
		r := httptest.NewRequest("GET", target, nil)
		if got := roomOf(r); got != want {
			t.Errorf("%s: room %q, want %q", target, got, want)
		}
	}
}

func FuzzRoomOf(f *testing.F) {
	f.Add("/ws?room=ward")
	f.Add("/api/v1/rooms/ward/files/x")
	f.Add("/whip/%00")
	f.Fuzz(func(t *testing.T, target string) {
		u, err := url.ParseRequestURI(target)
		if err != nil {
			return
		}
		r := &http.Request{Method: "GET", URL: u}
		if room := roomOf(r); room != "" && !slugLike(room) {
			t.Fatalf("%q gave room %q", target, room)
		}
	})
}

type fixedPlacement string

func (p fixedPlacement) Owner(context.Context, string) (string, error) { return string(p), nil }

// A request about a meeting on another node reaches that node with the
// client's address and Host; a client cannot pass itself off as a node
// to choose its address (which keys the PIN and sign-in rate limits).
func TestRequestsPassedToTheOwner(t *testing.T) {
	secret := "cluster-secret-0123456789abcdef!!"
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Host+" "+strings.Split(r.RemoteAddr, ":")[0]+" "+r.URL.RequestURI())
	})
	quiet := slog.New(slog.DiscardHandler)
	owner := httptest.NewServer((&handler{o: Options{Placement: fixedPlacement(""), NodeSecret: secret}, log: quiet}).route(echo))
	defer owner.Close()
	front := httptest.NewServer((&handler{o: Options{Placement: fixedPlacement(owner.URL), NodeSecret: secret}, log: quiet}).route(echo))
	defer front.Close()

	get := func(base, path string, hdr map[string]string) string {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Host = "meet.example.org"
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	if got := get(front.URL, "/api/v1/rooms/ward/files", nil); got != "meet.example.org 127.0.0.1 /api/v1/rooms/ward/files" {
		t.Errorf("passed on: %q", got)
	}
	if got := get(front.URL, "/r/ward", nil); got != "meet.example.org 127.0.0.1 /r/ward" {
		t.Errorf("page: %q", got)
	}
	forged := map[string]string{NodeHeader: "t=" + strconv.FormatInt(time.Now().Unix(), 10) + ";ip=203.0.113.9;mac=00"}
	if got := get(owner.URL, "/files/ward/f1", forged); strings.Contains(got, "203.0.113.9") {
		t.Errorf("a forged node header chose the client address: %q", got)
	}
	if got := get(front.URL, "/files/ward/f1", forged); strings.Contains(got, "203.0.113.9") {
		t.Errorf("a forged node header survived the hop: %q", got)
	}

	// The owner unreachable: a clear error, not a hang.
	u, _ := url.Parse(owner.URL)
	owner.Close()
	down := httptest.NewServer((&handler{o: Options{Placement: fixedPlacement("http://" + u.Host), NodeSecret: secret}, log: quiet}).route(echo))
	defer down.Close()
	res, err := http.Get(down.URL + "/whip/ward")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusBadGateway || !strings.Contains(string(b), "try again") {
		t.Errorf("owner down: %d %s", res.StatusCode, b)
	}
}

type countingPlacement struct{ asked []string }

func (p *countingPlacement) Owner(_ context.Context, room string) (string, error) {
	p.asked = append(p.asked, room)
	return "", nil
}

// A name that is no room (a mistyped link, a probe) is answered where it
// lands and never placed in the cluster.
func TestUnknownRoomsAreNotPlaced(t *testing.T) {
	p := &countingPlacement{}
	h := (&handler{o: Options{Placement: p, RoomExists: func(_ context.Context, slug string) (bool, error) { return slug == "ward", nil }},
		log: slog.New(slog.DiscardHandler)}).route(http.NotFoundHandler())
	for _, target := range []string{"/api/v1/public/rooms/nowhere", "/ws?room=typo-room", "/api/v1/public/rooms/ward"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", target, nil))
	}
	if len(p.asked) != 1 || p.asked[0] != "ward" {
		t.Fatalf("placement asked about %v, want only ward", p.asked)
	}
}
