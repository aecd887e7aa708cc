package config

import (
	"strings"
	"testing"
)

func TestMetricsAndWebhookOptions(t *testing.T) {
	c, err := Parse(nil, env(map[string]string{"CONFER_METRICS_TOKEN": " abcdefghijklmnop ", "CONFER_WEBHOOK_ALLOW_PRIVATE": "true"}))
	if err != nil || c.MetricsToken != "abcdefghijklmnop" || !c.WebhookAllowPrivate {
		t.Fatalf("env: %+v %v", c, err)
	}
	c, err = Parse([]string{"--webhook-allow-private"}, env(nil))
	if err != nil || !c.WebhookAllowPrivate || c.MetricsToken != "" {
		t.Fatalf("bare flag: %+v %v", c, err)
	}
	if c, err = Parse(nil, env(nil)); err != nil || c.WebhookAllowPrivate {
		t.Fatalf("default: %+v %v", c, err)
	}
	_, err = Parse([]string{"--metrics-token", "short-secret"}, env(nil))
	if err == nil || !strings.Contains(err.Error(), "--metrics-token") || strings.Contains(err.Error(), "short-secret") {
		t.Errorf("short token: %v (must name the flag, not echo the secret)", err)
	}
	if _, err = Parse([]string{"--webhook-allow-private=maybe"}, env(nil)); err == nil {
		t.Error("--webhook-allow-private=maybe accepted")
	}
	if u := Usage(); !strings.Contains(u, "CONFER_METRICS_TOKEN") || !strings.Contains(u, "--webhook-allow-private  (") {
		t.Errorf("usage lacks the options:\n%s", u)
	}
}
