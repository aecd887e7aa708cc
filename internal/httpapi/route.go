package httpapi

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Placement says which node of a multi-node deployment runs a room's
// meeting (the app adapts internal/cluster to it).
type Placement interface {
	// Owner returns the base URL of the node running room's meeting, or
	// "" when it is this node.
	Owner(ctx context.Context, room string) (string, error)
}

// ErrTryAgain from Placement.Owner: the meeting's node cannot be told
// just now (the cluster is settling); the client is asked to retry.
var ErrTryAgain = errors.New("meeting placement settling")

// NodeHeader carries, on a request one node passes to another, the
// client's address and a signature made with the cluster secret.
const NodeHeader = "X-Confer-Node"

// nodeSkew is how old a passed-on request may be.
const nodeSkew = time.Minute

// placementWait bounds the question of which node runs a meeting.
const placementWait = 3 * time.Second

// route passes a request about a meeting that runs on another node to
// that node, and serves the rest here. A request a node passed on is
// served here whatever the placement says now, so nothing loops.
func (h *handler) route(next http.Handler) http.Handler {
	if h.o.Placement == nil {
		return next
	}
	secret := []byte(h.o.NodeSecret)
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			target := pr.In.Context().Value(ownerKey{}).(*url.URL)
			pr.SetURL(target)
			// Keep the Host the browser used: the owner checks the
			// WebSocket's Origin against it.
			pr.Out.Host = pr.In.Host
			pr.Out.Header.Set(NodeHeader, signNode(secret, time.Now(), pr.In.Method, pr.In.URL.RequestURI(), clientIP(pr.In)))
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			h.log.Warn("node unreachable", "node", r.Context().Value(ownerKey{}), "path", r.URL.Path, "err", err)
			problem(w, http.StatusBadGateway, "meeting node unreachable",
				"the server running this meeting does not answer; try again in a few seconds")
		},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := r.Header.Get(NodeHeader); v != "" {
			r.Header.Del(NodeHeader)
			if ip, ok := verifyNode(secret, time.Now(), v, r.Method, r.URL.RequestURI()); ok {
				r.RemoteAddr = net.JoinHostPort(ip, "0")
				next.ServeHTTP(w, r)
				return
			}
			h.log.Warn("passed-on request with a bad signature (is --cluster-secret the same on every node?)", "from", r.RemoteAddr)
		}
		room := roomOf(r)
		if room == "" {
			next.ServeHTTP(w, r)
			return
		}
		if f := h.o.RoomExists; f != nil {
			// No such room: "not found" wherever it lands, and nothing
			// placed for it.
			if ok, err := f(r.Context(), room); err == nil && !ok {
				next.ServeHTTP(w, r)
				return
			}
		}
		// An unreachable NATS must not hold requests for long.
		ctx, cancel := context.WithTimeout(r.Context(), placementWait)
		owner, err := h.o.Placement.Owner(ctx, room)
		cancel()
		if errors.Is(err, ErrTryAgain) {
			w.Header().Set("Retry-After", "2")
			problem(w, http.StatusServiceUnavailable, "meeting node reconnecting",
				"the server running this meeting is reconnecting; try again in a few seconds")
			return
		}
		if err != nil {
			// Better a meeting here than none: the cluster state is
			// unreachable, not the meeting.
			h.log.Error("meeting placement", "room", room, "err", err)
			next.ServeHTTP(w, r)
			return
		}
		if owner == "" {
			next.ServeHTTP(w, r)
			return
		}
		u, err := url.Parse(owner)
		if err != nil {
			h.log.Error("meeting placement: bad node URL", "room", room, "url", owner)
			problem(w, http.StatusBadGateway, "meeting node unreachable", "")
			return
		}
		proxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ownerKey{}, u)))
	})
}

type ownerKey struct{}

// roomOf names the room whose live meeting a request is about, or "" for
// requests any node serves (pages, accounts, reports) and for names that
// cannot be a room (those get "room not found" wherever they land).
func roomOf(r *http.Request) string {
	room := ""
	p := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.URL.Path == "/ws":
		room = r.URL.Query().Get("room")
	case len(p) >= 5 && p[0] == "api" && p[1] == "v1" && p[2] == "rooms" && (p[4] == "files" || p[4] == "whip-tokens"):
		room = p[3]
	case len(p) == 5 && p[0] == "api" && p[1] == "v1" && p[2] == "public" && p[3] == "rooms":
		room = p[4] // its live participant count
	case len(p) >= 3 && p[0] == "files":
		room = p[1]
	case len(p) >= 2 && p[0] == "whip":
		room = p[1]
	}
	if !slugLike(room) {
		return ""
	}
	return room
}

// slugLike: 2-63 of [a-z0-9-], the shape of a room slug (and of a valid
// key in the cluster's buckets).
func slugLike(s string) bool {
	if len(s) < 2 || len(s) > 63 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// signNode signs what a passed-on request cannot change: when, what and
// for whom.
func signNode(secret []byte, now time.Time, method, uri, ip string) string {
	t := strconv.FormatInt(now.Unix(), 10)
	return "t=" + t + ";ip=" + ip + ";mac=" + nodeMAC(secret, t, method, uri, ip)
}

func nodeMAC(secret []byte, t, method, uri, ip string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("confer-node\n" + t + "\n" + method + "\n" + uri + "\n" + ip))
	return hex.EncodeToString(m.Sum(nil))
}

// verifyNode checks a NodeHeader value and returns the client address it
// carries.
func verifyNode(secret []byte, now time.Time, v, method, uri string) (string, bool) {
	var t, ip, mac string
	for _, f := range strings.Split(v, ";") {
		k, val, _ := strings.Cut(f, "=")
		switch k {
		case "t":
			t = val
		case "ip":
			ip = val
		case "mac":
			mac = val
		}
	}
	sec, err := strconv.ParseInt(t, 10, 64)
	if err != nil || net.ParseIP(ip) == nil || len(secret) == 0 {
		return "", false
	}
	if d := now.Sub(time.Unix(sec, 0)); d > nodeSkew || d < -nodeSkew {
		return "", false
	}
	if !hmac.Equal([]byte(mac), []byte(nodeMAC(secret, t, method, uri, ip))) {
		return "", false
	}
	return ip, true
}
