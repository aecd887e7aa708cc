package loadtest

import (
	"os"
	"testing"
)

func TestParseRcvbufErrors(t *testing.T) {
	snmp := "Ip: Forwarding DefaultTTL\nIp: 1 64\n" +
		"Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors\n" +
		"Udp: 58185690 10768 136386 58334391 136386 0 0 0 0\n" +
		"UdpLite: InDatagrams NoPorts\nUdpLite: 0 0\n"
	n, err := parseRcvbufErrors(snmp)
	if err != nil || n != 136386 {
		t.Fatalf("got %d, %v", n, err)
	}
	if _, err := parseRcvbufErrors("Udp: InDatagrams\nUdp: 1\n"); err == nil {
		t.Fatal("no RcvbufErrors column, no error")
	}
	if n, err := udpRcvbufErrors(); err != nil {
		t.Fatalf("this machine's /proc/net/snmp: %v", err)
	} else {
		t.Logf("RcvbufErrors now: %d", n)
	}
}

// The server's memory is read from /proc: now and at its peak, which can
// only be the larger.
func TestProcMemory(t *testing.T) {
	pid := os.Getpid()
	rss, err := procRSS(pid)
	if err != nil || rss == 0 {
		t.Fatalf("RSS %d, %v", rss, err)
	}
	peak, err := procPeakRSS(pid)
	if err != nil || peak < rss {
		t.Fatalf("peak RSS %d below RSS %d, %v", peak, rss, err)
	}
	if _, err := procStatus(pid, "NoSuchField:"); err == nil {
		t.Fatal("a missing field gave no error")
	}
}
