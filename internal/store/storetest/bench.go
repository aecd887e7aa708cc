package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/store"
)

// Scale of the directory benchmark (issue 3): 150 organisations, 400 org
// rooms, 20,000 personal accounts, each with its personal room.
const (
	BenchOrgs     = 150
	BenchRooms    = 400
	BenchAccounts = 20_000
)

// LoadScale fills st with the benchmark data set and returns how long the
// bulk account insert (one transaction) took.
func LoadScale(tb testing.TB, st store.Store) time.Duration {
	ctx := context.Background()
	for i := range BenchOrgs {
		_, err := st.CreateOrg(ctx, store.Org{Slug: fmt.Sprintf("org-%03d", i), Name: fmt.Sprintf("Organisation %03d", i),
			Kind: store.OrgKinds()[i%len(store.OrgKinds())], Contract: store.Contract{Accounts: 50, MaxRooms: 10}})
		if err != nil {
			tb.Fatal(err)
		}
	}
	for i := range BenchRooms {
		_, err := st.CreateRoom(ctx, store.Room{OrgSlug: fmt.Sprintf("org-%03d", i%BenchOrgs),
			Slug: fmt.Sprintf("room-%03d", i), Title: fmt.Sprintf("Meeting room %03d", i), Capacity: 50})
		if err != nil {
			tb.Fatal(err)
		}
	}
	p, err := st.CreateOrg(ctx, store.Org{Slug: store.PersonalOrgSlug, Name: "Personal", Kind: store.KindOther})
	if err != nil {
		tb.Fatal(err)
	}
	rows := make([]store.NewAccount, BenchAccounts)
	until := time.Date(2027, 8, 31, 23, 59, 59, 0, time.UTC)
	for i := range rows {
		rows[i] = store.NewAccount{
			Account: store.Account{Email: fmt.Sprintf("person%05d@example.org", i), DisplayName: fmt.Sprintf("Person %05d", i),
				PasswordHash: "$argon2id$v=19$m=65536,t=2,p=2$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA",
				Kind:         store.AccountPersonal, OrgID: p.ID, ValidUntil: until, EmailConfirmed: true},
			PersonalRoom: &store.Room{Slug: fmt.Sprintf("person-%05d", i), Title: fmt.Sprintf("Person %05d", i), Capacity: 10},
		}
	}
	start := time.Now()
	if _, err := st.CreateAccounts(ctx, rows); err != nil {
		tb.Fatal(err)
	}
	return time.Since(start)
}

// Bench loads the scale data set into st and benchmarks the lookups the
// service does on every sign-in and join, and the admin lists.
func Bench(b *testing.B, st store.Store) {
	ctx := context.Background()
	took := LoadScale(b, st)
	b.Logf("bulk insert of %d personal accounts with their rooms in one transaction: %v", BenchAccounts, took.Round(time.Millisecond))
	rng := rand.New(rand.NewPCG(1, 2))

	b.Run("AccountByEmail", func(b *testing.B) {
		for b.Loop() {
			email := fmt.Sprintf("PERSON%05d@example.org", rng.IntN(BenchAccounts))
			if _, err := st.AccountByEmail(ctx, email); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("RoomBySlug", func(b *testing.B) {
		for b.Loop() {
			slug := fmt.Sprintf("room-%03d", rng.IntN(BenchRooms))
			if rng.IntN(2) == 0 {
				slug = fmt.Sprintf("person-%05d", rng.IntN(BenchAccounts))
			}
			if _, err := st.RoomBySlug(ctx, slug); err != nil {
				b.Fatal(err)
			}
		}
	})
	lists := []struct {
		name string
		run  func() (int, error)
	}{
		{"ListAccounts/page1", func() (int, error) {
			p, err := st.ListAccounts(ctx, store.AccountFilter{})
			return p.Total, err
		}},
		{"ListAccounts/page200", func() (int, error) {
			p, err := st.ListAccounts(ctx, store.AccountFilter{ListOptions: store.ListOptions{Offset: 199 * 50}})
			return p.Total, err
		}},
		{"ListAccounts/search", func() (int, error) {
			p, err := st.ListAccounts(ctx, store.AccountFilter{ListOptions: store.ListOptions{Query: fmt.Sprintf("person %03d", rng.IntN(200))}})
			return p.Total, err
		}},
		{"ListAccounts/personal-kind-search", func() (int, error) {
			p, err := st.ListAccounts(ctx, store.AccountFilter{Kind: store.AccountPersonal, ListOptions: store.ListOptions{Query: "9@example"}})
			return p.Total, err
		}},
		{"ListOrgs/search", func() (int, error) {
			p, err := st.ListOrgs(ctx, store.ListOptions{Query: "organisation 1"})
			return p.Total, err
		}},
		{"ListRooms/page1", func() (int, error) {
			p, err := st.ListRooms(ctx, store.RoomFilter{})
			return p.Total, err
		}},
		{"ListRooms/search", func() (int, error) {
			p, err := st.ListRooms(ctx, store.RoomFilter{ListOptions: store.ListOptions{Query: fmt.Sprintf("room %02d", rng.IntN(40))}})
			return p.Total, err
		}},
		{"ListRooms/org", func() (int, error) {
			o, err := st.OrgBySlug(ctx, fmt.Sprintf("org-%03d", rng.IntN(BenchOrgs)))
			if err != nil {
				return 0, err
			}
			p, err := st.ListRooms(ctx, store.RoomFilter{OrgID: o.ID})
			return p.Total, err
		}},
	}
	for _, l := range lists {
		b.Run(l.name, func(b *testing.B) {
			for b.Loop() {
				if n, err := l.run(); err != nil || n == 0 {
					b.Fatalf("%d results, %v", n, err)
				}
			}
		})
	}
}
