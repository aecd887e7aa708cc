package httpapi

import (
	"context"
	"net"
	"net/http"

	"github.com/coder/websocket"

	"github.com/confer-dev/confer/internal/signal"
)

// websocket upgrades to the signalling WebSocket. The library refuses
// cross-origin upgrades by default, which keeps other sites from joining
// rooms with a visitor's cookies.
func (h *handler) websocket(w http.ResponseWriter, r *http.Request) {
	// ?room= says which meeting the connection is for: a multi-node
	// deployment routes on it (route.go), and the session then joins
	// that room only.
	room := r.URL.Query().Get("room")
	if room == "" && h.o.Placement != nil {
		problem(w, http.StatusBadRequest, "room required", "open the signalling WebSocket as /ws?room=<slug>")
		return
	}
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return // Accept has written the HTTP error
	}
	// Read a little past the protocol limit so that an oversized message
	// is answered with a protocol error instead of a dropped connection.
	c.SetReadLimit(signal.MaxMessageBytes + 1024)
	h.o.Signal.ServeRoom(r.Context(), wsTransport{c}, clientIP(r), h.identify(r), room)
}

type wsTransport struct{ c *websocket.Conn }

func (t wsTransport) Read(ctx context.Context) ([]byte, error) {
	for {
		typ, b, err := t.c.Read(ctx)
		if err != nil {
			return nil, err
		}
		if typ == websocket.MessageText {
			return b, nil
		}
	}
}

func (t wsTransport) Write(ctx context.Context, b []byte) error {
	return t.c.Write(ctx, websocket.MessageText, b)
}

func (t wsTransport) Close(reason string) error {
	return t.c.Close(websocket.StatusNormalClosure, reason)
}

// clientIP is the address the connection came from (behind a trusted
// proxy, the one it forwarded for: realip.go).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
