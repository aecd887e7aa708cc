package config

import (
	"strings"
	"testing"
	"time"
)

func TestClusterOptions(t *testing.T) {
	c, err := Parse(nil, env(nil))
	if err != nil || c.Cluster.NATS != "" {
		t.Fatalf("default: %+v %v", c.Cluster, err)
	}
	const secret = "0123456789abcdef0123456789abcdef-hidden"
	pg := "postgres://confer@db.internal/confer"
	c, err = Parse([]string{"--db", pg, "--cluster", "nats://10.0.0.2:4222,nats://10.0.0.3:4222", "--node-id", "media-2",
		"--node-url", "http://10.0.0.5:8080/", "--drain-timeout", "90m"}, env(map[string]string{"CONFER_CLUSTER_SECRET": secret}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Cluster.NodeID != "media-2" || c.Cluster.DrainTimeout != 90*time.Minute || c.Cluster.Name != "confer" || c.Cluster.NodeURL != "http://10.0.0.5:8080" || c.Cluster.Secret != secret {
		t.Errorf("parsed: %+v", c.Cluster)
	}
	c, err = Parse([]string{"--db", pg, "--cluster", "nats://n:4222", "--node-url", "https://node.internal"},
		env(map[string]string{"CONFER_CLUSTER_SECRET": secret}))
	if err != nil || c.Cluster.NodeID == "" {
		t.Errorf("node id from the host name: %+v %v", c.Cluster, err)
	}
	ok := []string{"--db", pg, "--cluster", "nats://n:4222", "--node-url", "http://n:1", "--cluster-secret", secret}
	bad := []struct {
		args []string
		want string
	}{
		{[]string{"--cluster", "nats://n:4222", "--node-url", "http://n:1", "--cluster-secret", secret}, "postgres"},
		{[]string{"--node-url", "http://n:1"}, "need CONFER_CLUSTER"},
		{append(ok[:len(ok):len(ok)], "--cluster", "redis://n:6379"), "nats://"},
		{append(ok[:len(ok):len(ok)], "--node-url", "10.0.0.5:8080"), "node-url"},
		{append(ok[:len(ok):len(ok)], "--node-url", "http://n:1/confer"), "node-url"},
		{append(ok[:len(ok):len(ok)], "--node-id", "a b"), "node-id"},
		{append(ok[:len(ok):len(ok)], "--cluster-name", "prod.1"), "cluster-name"},
		{append(ok[:len(ok):len(ok)], "--drain-timeout", "48h"), "drain-timeout"},
		{[]string{"--drain-timeout", "1h"}, "need CONFER_CLUSTER"},
		{append(ok[:len(ok):len(ok)], "--cluster-secret", "short-hidden"), "32"},
	}
	for _, b := range bad {
		_, err := Parse(b.args, env(nil))
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%q: err = %v, want it to mention %q", b.args, err, b.want)
			continue
		}
		if strings.Contains(err.Error(), "hidden") {
			t.Errorf("%q: the error shows the secret: %v", b.args, err)
		}
	}
	if u := Usage(); !strings.Contains(u, "--cluster") || !strings.Contains(u, "CONFER_NODE_URL") {
		t.Errorf("usage lacks the cluster options")
	}
}

func TestTrustedProxies(t *testing.T) {
	c, err := Parse([]string{"--trusted-proxies", " 127.0.0.1, 10.0.0.0/8 ,::1,192.168.1.77/24"}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range c.TrustedProxies {
		got = append(got, p.String())
	}
	if strings.Join(got, " ") != "127.0.0.1/32 10.0.0.0/8 ::1/128 192.168.1.0/24" {
		t.Errorf("parsed %v", got)
	}
	for _, bad := range []string{"proxy.example.org", "10.0.0.0/33", "fe80::1%eth0"} {
		if _, err := Parse([]string{"--trusted-proxies", bad}, env(nil)); err == nil || !strings.Contains(err.Error(), "trusted-proxies") {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
}
