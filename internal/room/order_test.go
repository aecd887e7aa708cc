package room

import (
	"fmt"
	"testing"
)

// A newcomer is told about the others in the order they joined, which is
// the order its grid shows them in: the same for every newcomer.
func TestWelcomeListsOthersInJoinOrder(t *testing.T) {
	m := newManager(t, Options{})
	s := settings("order")
	var want []string
	for i := range 8 {
		p, _, _ := mustJoin(t, m, s, JoinRequest{Name: fmt.Sprintf("P%d", i)})
		want = append(want, p.ID())
	}
	for range 3 {
		late, _, res := mustJoin(t, m, s, JoinRequest{Name: "Late"})
		var got []string
		for _, o := range res.Others {
			got = append(got, o.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("others %v, want join order %v", got, want)
		}
		late.Leave()
	}
}
