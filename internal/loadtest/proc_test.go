package loadtest

import "testing"

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
