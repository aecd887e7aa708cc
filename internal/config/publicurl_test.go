package config

import (
	"strings"
	"testing"
)

func TestPublicURL(t *testing.T) {
	c, err := Parse(nil, env(map[string]string{"CONFER_PUBLIC_URL": " https://meet.example.org/ "}))
	if err != nil || c.PublicURL != "https://meet.example.org" {
		t.Fatalf("env: %q %v", c.PublicURL, err)
	}
	c, err = Parse([]string{"--public-url", "http://10.0.0.5:8080/confer"}, env(nil))
	if err != nil || c.PublicURL != "http://10.0.0.5:8080/confer" {
		t.Fatalf("flag: %q %v", c.PublicURL, err)
	}
	if c, err = Parse(nil, env(nil)); err != nil || c.PublicURL != "" {
		t.Fatalf("default: %q %v", c.PublicURL, err)
	}
	for _, bad := range []string{"meet.example.org", "ftp://x.org", "https://x.org/?a=1"} {
		if _, err := Parse([]string{"--public-url", bad}, env(nil)); err == nil || !strings.Contains(err.Error(), "--public-url") {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if !strings.Contains(Usage(), "CONFER_PUBLIC_URL") {
		t.Error("usage lacks CONFER_PUBLIC_URL")
	}
}

func TestOIDCTrustEmail(t *testing.T) {
	get := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	base := map[string]string{"CONFER_OIDC_ISSUER": "https://login.example.org/t/v2.0", "CONFER_OIDC_CLIENT_ID": "confer"}
	if o, err := OIDCFromEnv(get(base)); err != nil || o.TrustEmail {
		t.Errorf("default: %+v %v", o, err)
	}
	base["CONFER_OIDC_TRUST_EMAIL"] = "true"
	if o, err := OIDCFromEnv(get(base)); err != nil || !o.TrustEmail {
		t.Errorf("true: %+v %v", o, err)
	}
	base["CONFER_OIDC_TRUST_EMAIL"] = "sometimes"
	if _, err := OIDCFromEnv(get(base)); err == nil || !strings.Contains(err.Error(), "CONFER_OIDC_TRUST_EMAIL") {
		t.Errorf("bad value: %v", err)
	}
}
