package sfu

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
	"github.com/pion/webrtc/v4"
)

// Publishers' media is read by the media socket's reader on the direct
// path, and the feedback publishers need still reaches them: receiver
// reports, and NACKs for what was lost on the way.
func TestDirectReceivePathCarriesMediaAndFeedback(t *testing.T) {
	e, r, a, b := twoForwarding(t)
	if got := e.Stats().DirectReceivePaths; got != 2 {
		t.Fatalf("direct receive paths: %d, want 2 (one per publish connection)", got)
	}
	for _, c := range []*testClient{a, b} {
		c.peer.in.mu.Lock()
		own := c.peer.in.open != nil
		c.peer.in.mu.Unlock()
		if !own {
			t.Fatalf("%s: the direct path decrypts with Pion's context, not its own AEAD code", c.id)
		}
	}
	// The paths know the connection's ICE credentials, the ones the
	// client was given, to learn the other addresses it may send from.
	for _, c := range []*testClient{a, b} {
		c.peer.in.mu.Lock()
		ufrag := c.peer.in.ufrag
		c.peer.in.mu.Unlock()
		creds, ok := e.batch.ice.lookup(ufrag)
		if !ok || creds.in != &c.peer.in {
			t.Fatalf("%s: publish connection's ICE credentials not registered (ufrag %q)", c.id, ufrag)
		}
		if rd := c.pub.RemoteDescription(); rd == nil || !strings.Contains(rd.SDP, "a=ice-ufrag:"+ufrag+"\r\n") ||
			!strings.Contains(rd.SDP, "a=ice-pwd:"+creds.pwd+"\r\n") {
			t.Fatalf("%s: registered ICE credentials are not the ones the client got", c.id)
		}
	}
	before := e.Stats()
	rt := remoteOf(t, b, "alice", "video")
	good0, _, _, _ := rt.snapshot()
	// The test streams start at sequence number 65500: waiting for 100
	// more packets crosses the wrap on the direct path.
	eventually(t, 10*time.Second, "100 more video packets", func() (bool, string) {
		g, bad, _, _ := rt.snapshot()
		if bad > 0 {
			t.Fatalf("%d corrupted packets", bad)
		}
		return g >= good0+100, ""
	})
	after := e.Stats()
	direct := after.PacketsReceivedDirect - before.PacketsReceivedDirect
	all := after.PacketsReceived - before.PacketsReceived
	if direct == 0 || direct < all*9/10 {
		t.Fatalf("%d of %d packets read on the direct path", direct, all)
	}
	// Receiver reports come from the server's own feedback chain.
	eventually(t, 5*time.Second, "receiver reports at alice", func() (bool, string) {
		return a.rrs.Load() > 0, ""
	})
	// A packet lost on its way to the server is NACKed.
	skip := uint16(a.vSeqNow.Load()) + 10
	a.skipSeq.Store(int32(skip))
	eventually(t, 10*time.Second, "a NACK for the lost packet", func() (bool, string) {
		_, ok := a.nacked.Load(skip)
		return ok, ""
	})
	waitForwarding(t, r, a, b)
}

// When the media socket's reader falls behind, workers forward the
// direct path's packets (spread.go): the media still arrives whole and in
// order. Here the workers are forced on from the start.
func TestSpreadWorkersForwardInOrder(t *testing.T) {
	e := newTestEngine(t)
	sp := e.batch.spread
	sp.forced = true
	if sp.n == 0 {
		sp.n = 2 // a one-core machine would never spread
	}
	r := e.NewRouter("room", &recordingRouterHandler{})
	t.Cleanup(r.Close)
	a := newTestClient(t, r, "alice")
	b := newTestClient(t, r, "bob")
	waitForwarding(t, r, a, b)
	for _, c := range []*testClient{a, b} {
		for _, kind := range []string{"audio", "video"} {
			other := "alice"
			if c == a {
				other = "bob"
			}
			rt := remoteOf(t, c, other, kind)
			g0, _, _, _ := rt.snapshot()
			eventually(t, 10*time.Second, c.id+" gets 60 more "+kind+" packets", func() (bool, string) {
				g, bad, _, _ := rt.snapshot()
				return g >= g0+60, fmt.Sprintf("bad %d", bad)
			})
			rt.mu.Lock()
			bad, reordered, last := rt.bad, rt.reordered, rt.lastError
			rt.mu.Unlock()
			if bad > 0 || reordered > 0 {
				t.Fatalf("%s %s: %d bad (%s), %d out of order", c.id, kind, bad, last, reordered)
			}
		}
	}
	st := e.Stats()
	if st.PacketsSpread == 0 || st.PacketsSpread < st.PacketsReceivedDirect*9/10 {
		t.Fatalf("%d of %d direct packets went through the workers", st.PacketsSpread, st.PacketsReceivedDirect)
	}
}

// testStream is a publisher's stream of SSRC 4242 under a test key: ctx
// makes a receiving context for the key, pkt a packet (every one a VP8
// keyframe, so each is forwarded) plain and encrypted by the sender's
// context, which follows the stream's rollover count.
// takeDirect hands the direct path the encrypted packets from up to (not
// including) to, each of which it must take; it returns to.
func takeDirect(t *testing.T, in *srtpIn, pkt func(uint16) (plain, enc []byte), from, to uint16, when string) uint16 {
	t.Helper()
	for seq := from; seq != to; seq++ {
		_, enc := pkt(seq)
		if !in.readRTP(enc, nil) {
			t.Fatalf("seq %d not taken %s", seq, when)
		}
	}
	return to
}

// testStream makes a publisher's encrypted stream and, for the receiving
// side, a srtpIn that decrypts it with Pion's context or (own) its own
// AEAD code, as a connection without cryptex does.
func testStream(t *testing.T, k byte, own bool) (newIn func() *srtpIn, pkt func(seq uint16) (plain, enc []byte)) {
	key, salt := make([]byte, 16), make([]byte, 12)
	key[0] = k
	ctx := func(opts ...srtp.ContextOption) *srtp.Context {
		c, err := srtp.CreateContext(key, salt, srtp.ProtectionProfileAeadAes128Gcm, opts...)
		must(t, err)
		return c
	}
	newIn = func() *srtpIn {
		in := &srtpIn{ctx: ctx(srtp.SRTPReplayProtection(srtpReplayWindow))}
		if own {
			g, err := newGCMSRTP(srtp.ProtectionProfileAeadAes128Gcm, key, salt)
			must(t, err)
			in.open = g
		}
		return in
	}
	pub := ctx()
	pkt = func(seq uint16) (plain, enc []byte) {
		p := rtp.Packet{
			Header:  rtp.Header{Version: 2, PayloadType: 96, SSRC: 4242, SequenceNumber: seq, Timestamp: uint32(seq) * 3000},
			Payload: []byte{0x10, 0x00, 1, 2, 3},
		}
		plain, err := p.Marshal()
		must(t, err)
		enc, err = pub.EncryptRTP(nil, plain, nil)
		must(t, err)
		return plain, enc
	}
	return newIn, pkt
}

// decryptors runs a test with each of the direct path's decryptors.
func decryptors(t *testing.T, test func(t *testing.T, own bool)) {
	t.Run("pion", func(t *testing.T) { test(t, false) })
	t.Run("own", func(t *testing.T) { test(t, true) })
}

// A stream the direct path takes over after Pion's path carried it past
// a sequence-number wrap decrypts with the right rollover count; packets
// that do not authenticate are dropped; a stream whose layer has read
// nothing yet stays with Pion.
func TestDirectReceiveTakesOverRolloverCount(t *testing.T) {
	decryptors(t, testTakeoverROC)
}

func testTakeoverROC(t *testing.T, own bool) {
	newIn, pkt := testStream(t, 7, own)
	l, ws := newBenchReceiver(1)
	l.ssrc = 4242
	in := newIn()
	in.ready.Store(true)
	in.addLayer(l)

	_, first := pkt(65000)
	if in.readRTP(append([]byte(nil), first...), nil) {
		t.Fatal("took a stream whose layer has not read a packet")
	}
	seq := uint16(65001)
	for ; seq != 5; seq++ { // Pion's path, across the wrap
		plain, _ := pkt(seq)
		l.handleLocked(plain, false)
	}
	sent := ws[0].n
	seq = takeDirect(t, in, pkt, seq, 50, "after the wrap")
	if in.bad.Load() != 0 || ws[0].n != sent+45 {
		t.Fatalf("after takeover: %d failed to decrypt, %d of 45 forwarded", in.bad.Load(), ws[0].n-sent)
	}
	// Forged: right SSRC, a tag that does not authenticate.
	_, enc := pkt(seq)
	enc[len(enc)-1] ^= 0xff
	if !in.readRTP(enc, nil) || in.bad.Load() != 1 || ws[0].n != sent+45 {
		t.Fatalf("forged packet: bad %d, forwarded %d", in.bad.Load(), ws[0].n-sent)
	}
	// Replayed: a packet that went through already, recent or old.
	for _, old := range []uint16{seq - 1, seq - 30} {
		_, enc = pkt(old)
		if !in.readRTP(enc, nil) || ws[0].n != sent+45 {
			t.Fatalf("replay of seq %d forwarded", old)
		}
	}
	// Truncated: a header and less than a tag.
	_, enc = pkt(seq)
	if !in.readRTP(enc[:20], nil) || ws[0].n != sent+45 {
		t.Fatal("a truncated packet was forwarded")
	}
	// The stream goes on after all that.
	_, enc = pkt(seq)
	if !in.readRTP(enc, nil) || ws[0].n != sent+46 {
		t.Fatalf("the next authentic packet was not forwarded")
	}
	seq++
	// Another SSRC is not this path's.
	_, enc = pkt(seq + 1)
	binary.BigEndian.PutUint32(enc[8:], 999)
	if in.readRTP(enc, nil) {
		t.Fatal("took an unknown SSRC")
	}
	in.removeLayer(l)
	_, enc = pkt(seq + 2)
	if in.readRTP(enc, nil) {
		t.Fatal("took the stream of a removed layer")
	}
}

// When the path comes back (ICE-TCP, then UDP again) after Pion carried
// a stream across a sequence-number wrap, it takes the stream over with
// the rollover count Pion's packets showed, not the one it last knew.
func TestDirectReceiveResyncsAfterPionPath(t *testing.T) {
	decryptors(t, testResync)
}

func testResync(t *testing.T, own bool) {
	newIn, pkt := testStream(t, 9, own)
	bn, err := newBatchNet()
	if err != nil {
		t.Fatal(err)
	}
	pair := func(proto webrtc.ICEProtocol) *webrtc.ICECandidatePair {
		return &webrtc.ICECandidatePair{
			Local:  &webrtc.ICECandidate{Protocol: proto, Address: "127.0.0.1", Port: 7000},
			Remote: &webrtc.ICECandidate{Protocol: proto, Address: "127.0.0.1", Port: 7001},
		}
	}
	l, ws := newBenchReceiver(1)
	l.ssrc = 4242
	in := newIn()
	must(t, in.setPair(pair(webrtc.ICEProtocolUDP), bn))
	in.addLayer(l)
	plain, _ := pkt(60000)
	l.handleLocked(plain, false) // Pion's first packet
	seq := takeDirect(t, in, pkt, 60001, 60100, "on the direct path")
	if err := in.setPair(pair(webrtc.ICEProtocolTCP), bn); err != errFastPathTCP {
		t.Fatalf("TCP pair: %v", err)
	}
	// Pion's path, across the wrap and on for more than half the
	// sequence space, so that the old context would guess the rollover
	// count wrong.
	for ; seq != 30000; seq++ {
		plain, _ := pkt(seq)
		l.handleLocked(plain, false)
	}
	must(t, in.setPair(pair(webrtc.ICEProtocolUDP), bn))
	sent := ws[0].n
	takeDirect(t, in, pkt, seq, 30040, "after the path came back")
	if in.bad.Load() != 0 || ws[0].n != sent+40 {
		t.Fatalf("after the path came back: %d did not decrypt, %d of 40 forwarded", in.bad.Load(), ws[0].n-sent)
	}
}

// Whatever arrives from a publisher's address, the reader neither panics
// nor forwards anything that does not decrypt.
func FuzzSRTPIn(f *testing.F) {
	f.Add([]byte{0x80, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0x10, 0x92})
	f.Add([]byte{0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0x10, 0x92, 0xbe, 0xde, 0, 9})
	f.Add(make([]byte, 40))
	f.Fuzz(func(t *testing.T, b []byte) {
		key, salt := make([]byte, 16), make([]byte, 12)
		ctx, err := srtp.CreateContext(key, salt, srtp.ProtectionProfileAeadAes128Gcm)
		if err != nil {
			t.Fatal(err)
		}
		g, err := newGCMSRTP(srtp.ProtectionProfileAeadAes128Gcm, key, salt)
		if err != nil {
			t.Fatal(err)
		}
		for _, open := range []*gcmSRTP{nil, g} {
			l, ws := newBenchReceiver(1)
			l.ssrc = 0x1092
			l.roc.started = true
			in := &srtpIn{ctx: ctx, open: open}
			in.ready.Store(true)
			in.addLayer(l)
			in.readRTP(append([]byte(nil), b...), nil)
			if ws[0].n != 0 {
				t.Fatalf("forwarded a packet that cannot have decrypted (own decryption: %v)", open != nil)
			}
		}
	})
}

// A publisher's packet that waited in the media socket longer than
// staleAfter (the server was starved of CPU) is dropped on reading, not
// forwarded late; other traffic from the same address still reaches Pion.
// waitStamping returns once the kernel stamps datagrams as they arrive. It
// turns receive timestamps on lazily (deferred work after the first
// SO_TIMESTAMPNS socket opens); until then a datagram is stamped when read,
// so any age reads as zero.
func waitStamping(t *testing.T, client *net.UDPConn, c *batchConn) {
	t.Helper()
	probe := []byte{0x00, 0x01, 0, 0, 0x21, 0x12, 0xa4, 0x42, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		if _, err := client.Write(probe); err != nil {
			t.Fatal(err)
		}
		time.Sleep(30 * time.Millisecond)
		if err := c.fill(); err != nil {
			t.Fatal(err)
		}
		age := c.rd.age(0, time.Now().UnixNano())
		c.rd.next = c.rd.n // the probes are not part of the test
		if age >= int64(20*time.Millisecond) {
			return
		}
	}
	t.Fatal("the kernel never stamped a datagram on arrival")
}

func TestDirectReceiveDropsStalePackets(t *testing.T) {
	bn, c := benchSocket(t)
	client, err := net.DialUDP("udp4", nil, c.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	waitStamping(t, client, c)
	in := &srtpIn{}
	in.ready.Store(true)
	src := client.LocalAddr().(*net.UDPAddr).AddrPort()
	bn.pubSinks.store(netip.AddrPortFrom(src.Addr().Unmap(), src.Port()), in)

	rtpPkt := []byte{0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0x10, 0x92, 1, 2, 3}
	stun := []byte{0x00, 0x01, 0, 0, 0x21, 0x12, 0xa4, 0x42, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9}
	if _, err := client.Write(rtpPkt); err != nil {
		t.Fatal(err)
	}
	time.Sleep(staleAfter + 100*time.Millisecond)
	if _, err := client.Write(stun); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1500)
	n, _, err := c.ReadFromAddrPort(buf)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf[:n], stun) {
		t.Fatalf("read %x, want the STUN datagram (the stale RTP dropped)", buf[:n])
	}
	if got := bn.stale.Load(); got != 1 {
		t.Fatalf("stale drops: %d, want 1", got)
	}
	// A fresh packet of a stream the path does not know goes to Pion.
	if _, err := client.Write(rtpPkt); err != nil {
		t.Fatal(err)
	}
	n, _, err = c.ReadFromAddrPort(buf)
	if err != nil || !bytes.Equal(buf[:n], rtpPkt) || bn.stale.Load() != 1 {
		t.Fatalf("fresh packet: %x, %v, %d stale", buf[:n], err, bn.stale.Load())
	}
}

// A full read batch hands packets to workers only when its datagrams
// waited in the socket (the reader is behind), not when a burst merely
// arrived at once.
func TestSpreadOnlyWhenReaderLags(t *testing.T) {
	bn, c := benchSocket(t)
	if bn.spread == nil || bn.spread.n == 0 {
		t.Skip("one core: never spreads")
	}
	client, err := net.DialUDP("udp4", nil, c.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	waitStamping(t, client, c)
	burst := func() {
		for i := 0; i < maxRead+8; i++ {
			if _, err := client.Write([]byte{0x00, 0x01, 0, 0, 0x21, 0x12, 0xa4, 0x42, byte(i)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	read := func() {
		if err := c.fill(); err != nil {
			t.Fatal(err)
		}
		if c.rd.n != maxRead {
			t.Fatalf("read %d datagrams, want a full batch of %d", c.rd.n, maxRead)
		}
		c.rd.next = c.rd.n
		if err := c.fill(); err != nil { // the rest of the burst
			t.Fatal(err)
		}
		c.rd.next = c.rd.n
	}

	bn.spread.lag = time.Second // a burst read at once is never that old
	burst()
	read()
	if bn.spread.until.Load() != 0 {
		t.Fatal("a fresh burst switched to the workers")
	}

	bn.spread.lag = 2 * time.Millisecond
	burst()
	time.Sleep(20 * time.Millisecond)
	read()
	if until := bn.spread.until.Load(); until < time.Now().UnixNano() {
		t.Fatal("a batch that waited 20 ms did not switch to the workers")
	}
}

func TestReplayWindow(t *testing.T) {
	var w replayWindow
	steps := []struct {
		index uint64
		fresh bool
	}{
		{5000, true}, {5000, false}, // a replay of the newest
		{4999, true}, {4999, false}, // late but new, then replayed
		{5001, true}, {5001 - 1023, true}, {5001 - 1024, false}, // the window's edge
		{5001 + 1023, true}, {5001, false}, {5000, false}, // slid by 1023: still remembered
		{5001 + 900, true}, {5001 + 901, true}, // late but new, in the skipped range
		{5001 + 1023 + 2000, true}, {5001 + 1023, false}, // a jump: everything before is too old
		{5001 + 1023 + 2000 - 500, true}, {5001 + 1023 + 2000 - 500, false}, // after the jump: late, then replayed
		{1<<48 - 1, true}, {1<<48 - 2, true}, {1<<48 - 1, false}, // the largest index
	}
	for i, s := range steps {
		if got := w.fresh(s.index); got != s.fresh {
			t.Fatalf("step %d: index %d fresh = %v, want %v", i, s.index, got, s.fresh)
		}
		if s.fresh {
			w.accept(s.index)
		}
	}
}
