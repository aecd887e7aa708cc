package loadtest

import (
	"fmt"
	"testing"
)

func TestThumbVisible(t *testing.T) {
	const pubs, visible = 50, 9
	seen := make([]int, pubs)
	for i := 0; i < pubs+10; i++ { // publishers, then 10 plain subscribers
		p := &participant{idx: i, pub: i < pubs}
		if !p.pub {
			p.idx = i - pubs
		}
		n := 0
		for j := 1; j < pubs; j++ {
			if p.pub && j == p.idx {
				continue // not received
			}
			if thumbVisible(p, fmt.Sprintf("pub-%03d", j), visible, pubs) {
				n++
				seen[j]++
			}
		}
		if n != visible {
			t.Errorf("receiver %d (pub=%v) shows %d thumbnails, want %d", p.idx, p.pub, n, visible)
		}
	}
	for j := 1; j < pubs; j++ {
		if seen[j] == 0 {
			t.Errorf("pub-%03d is shown to nobody", j)
		}
	}
	p := &participant{idx: 3, pub: true}
	if !thumbVisible(p, "pub-004", -1, pubs) || !thumbVisible(p, "pub-040", -1, pubs) {
		t.Error("visible < 0 must show everything")
	}
	if thumbVisible(p, "pub-040", 0, pubs) {
		t.Error("visible 0 must show no thumbnail")
	}
}
