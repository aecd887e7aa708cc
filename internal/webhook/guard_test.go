package webhook

import (
	"context"
	"errors"
	"net/netip"
	"testing"
)

func TestCheckPublic(t *testing.T) {
	for url, private := range map[string]bool{
		"http://127.0.0.1:8080/hook":      true,
		"https://localhost/hook":          true,
		"http://10.1.2.3/":                true,
		"http://192.168.0.10/":            true,
		"http://172.16.5.5/":              true,
		"http://169.254.169.254/latest":   true, // cloud metadata
		"http://[::1]:9000/":              true,
		"http://[fe80::1]/":               true,
		"http://[fd00::1]/":               true,
		"http://[::ffff:127.0.0.1]/":      true,
		"http://0.0.0.0/":                 true,
		"http://100.64.1.1/":              true,
		"https://93.184.215.14/hook":      false,
		"https://[2606:4700::1111]/hook":  false,
		"https://no-such-host.invalid/x/": false, // unresolvable: checked at delivery
	} {
		err := CheckPublic(context.Background(), url, nil)
		if got := errors.Is(err, ErrPrivateAddress); got != private || (!private && err != nil) {
			t.Errorf("%s: %v, want private=%t", url, err, private)
		}
	}
}

func TestGuardControl(t *testing.T) {
	for addr, ok := range map[string]bool{"127.0.0.1:80": false, "[::1]:443": false, "10.0.0.1:443": false,
		"93.184.215.14:443": true} {
		if err := guardControl("tcp", addr, nil); (err == nil) != ok {
			t.Errorf("%s: %v", addr, err)
		}
	}
	if !blocked(netip.Addr{}) {
		t.Error("the zero address is not blocked")
	}
}
