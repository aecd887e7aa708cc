package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"
)

// Cluster joins this process to a multi-node deployment (docs/cluster.md);
// empty NATS means one node.
type Cluster struct {
	NATS    string // nats:// URL(s) of the cluster's NATS with JetStream
	NodeID  string // unique per node; default the host name
	NodeURL string // where the other nodes reach this one's HTTP
	Secret  string // shared by the nodes; signs the requests they pass on
	Name    string // the deployment's buckets in NATS; default "confer"
	// DrainTimeout: on SIGTERM the node takes no new meetings and waits
	// this long for its running ones to end before it ends them; 0 ends
	// them at once.
	DrainTimeout time.Duration
}

// MinClusterSecret is the shortest accepted --cluster-secret.
const MinClusterSecret = 32

func init() {
	options = append(options,
		option{"cluster", "CONFER_CLUSTER", "NATS URL(s) (with JetStream) of a multi-node deployment, e.g. nats://10.0.0.2:4222; needs a postgres:// --db"},
		option{"node-id", "CONFER_NODE_ID", "this node's name in the cluster (default: the host name)"},
		option{"node-url", "CONFER_NODE_URL", "where the other nodes reach this node, e.g. http://10.0.0.5:8080"},
		option{"cluster-secret", "CONFER_CLUSTER_SECRET", "secret shared by every node (at least 32 characters); prefer the environment variable"},
		option{"drain-timeout", "CONFER_DRAIN_TIMEOUT", "on SIGTERM, take no new meetings and wait up to this long (e.g. 2h) for the running ones to end before ending them; a second SIGTERM stops at once (default 0: end them now)"},
		option{"cluster-name", "CONFER_CLUSTER_NAME", "names this deployment's state in NATS, for several deployments (say staging and production) on one NATS (default confer)"},
	)
}

// applyCluster reads the cluster options; they need each other and a
// shared database. The secret is never echoed.
func (c *Config) applyCluster(raw map[string]*string, src func(string) string) error {
	get := func(name string) string {
		if p := raw[name]; p != nil {
			return strings.TrimSpace(*p)
		}
		return ""
	}
	k := Cluster{NATS: get("cluster"), NodeID: get("node-id"), NodeURL: get("node-url"), Secret: get("cluster-secret"), Name: get("cluster-name")}
	if v := get("drain-timeout"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > 24*time.Hour {
			return fmt.Errorf("%s %q: want a duration from 0s to 24h, e.g. 2h", src("drain-timeout"), v)
		}
		k.DrainTimeout = d
	}
	if k.NATS == "" {
		if k.NodeURL != "" || k.Secret != "" || k.NodeID != "" || k.Name != "" || k.DrainTimeout != 0 {
			return fmt.Errorf("--node-id, --node-url, --cluster-secret, --cluster-name and --drain-timeout need %s (the cluster's NATS)", src("cluster"))
		}
		c.Cluster = Cluster{}
		return nil
	}
	var errs []error
	for _, u := range strings.Split(k.NATS, ",") {
		p, err := url.Parse(strings.TrimSpace(u))
		if err != nil || (p.Scheme != "nats" && p.Scheme != "tls") || p.Host == "" {
			errs = append(errs, fmt.Errorf("%s: %q is not a nats:// or tls:// URL", src("cluster"), u))
		}
	}
	if c.DB == "" {
		errs = append(errs, fmt.Errorf("%s needs a shared postgres:// database (%s): SQLite is one node's", src("cluster"), src("db")))
	}
	if k.NodeID == "" {
		h, err := os.Hostname()
		if err != nil {
			return fmt.Errorf("%s: not set and no host name: %w", src("node-id"), err)
		}
		k.NodeID = h
	}
	if k.Name == "" {
		k.Name = "confer"
	}
	if !validNodeID(k.Name) {
		errs = append(errs, fmt.Errorf("%s %q: use 1-64 letters, digits, '-' or '_'", src("cluster-name"), k.Name))
	}
	if !validNodeID(k.NodeID) {
		errs = append(errs, fmt.Errorf("%s %q: use 1-64 letters, digits, '-' or '_'", src("node-id"), k.NodeID))
	}
	if p, err := url.Parse(k.NodeURL); k.NodeURL == "" || err != nil || (p.Scheme != "http" && p.Scheme != "https") ||
		p.Host == "" || strings.Trim(p.Path, "/") != "" || p.RawQuery != "" {
		errs = append(errs, fmt.Errorf("%s %q: want the base URL the other nodes reach this one at, e.g. http://10.0.0.5:8080", src("node-url"), k.NodeURL))
	}
	k.NodeURL = strings.TrimRight(k.NodeURL, "/")
	if len(k.Secret) < MinClusterSecret {
		errs = append(errs, fmt.Errorf("%s: want at least %d characters, the same on every node (e.g. openssl rand -hex 32)", src("cluster-secret"), MinClusterSecret))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	c.Cluster = k
	return nil
}

func validNodeID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_') {
			return false
		}
	}
	return true
}
