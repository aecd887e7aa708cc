package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/store"
)

func twoAccounts(t *testing.T, st store.Store) (store.Account, store.Account) {
	o := mustOrg(t, st, "org")
	return mustAccount(t, st, store.Account{Email: "a@org.org", OrgID: o.ID}),
		mustAccount(t, st, store.Account{Email: "b@org.org", OrgID: o.ID})
}

func testSessions(t *testing.T, st store.Store) {
	ctx := context.Background()
	a, b := twoAccounts(t, st)
	now := time.Now().UTC().Truncate(time.Second)
	s1, err := st.CreateSession(ctx, store.Session{Hash: "h1", AccountID: a.ID, ExpiresAt: now.Add(time.Hour), UserAgent: "ua", IP: "10.0.0.1"})
	if err != nil || s1.ID == 0 {
		t.Fatalf("CreateSession = %+v, %v", s1, err)
	}
	s2, _ := st.CreateSession(ctx, store.Session{Hash: "h2", AccountID: a.ID, ExpiresAt: now.Add(time.Hour)})
	sb, _ := st.CreateSession(ctx, store.Session{Hash: "hb", AccountID: b.ID, ExpiresAt: now.Add(-time.Second)})
	if _, err := st.CreateSession(ctx, store.Session{Hash: "h1", AccountID: b.ID, ExpiresAt: now}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate hash err = %v", err)
	}
	if _, err := st.CreateSession(ctx, store.Session{Hash: "h9", AccountID: 9999, ExpiresAt: now}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown account err = %v", err)
	}
	got, err := st.SessionByHash(ctx, "h1", now)
	if err != nil || got.ID != s1.ID || got.AccountID != a.ID || got.UserAgent != "ua" || got.IP != "10.0.0.1" || !got.ExpiresAt.Equal(now.Add(time.Hour)) {
		t.Errorf("SessionByHash = %+v, %v", got, err)
	}
	if _, err := st.SessionByHash(ctx, "hb", now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired session err = %v", err)
	}
	if err := st.TouchSession(ctx, s1.ID, now.Add(time.Minute), now.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.SessionByHash(ctx, "h1", now.Add(90*time.Minute)); !got.LastSeen.Equal(now.Add(time.Minute)) {
		t.Errorf("after touch = %+v", got)
	}
	if list, _ := st.ListSessions(ctx, a.ID); len(list) != 2 || list[0].ID != s1.ID {
		t.Errorf("ListSessions = %+v", list)
	}
	// Someone else's session cannot be deleted by id.
	if err := st.DeleteSession(ctx, b.ID, s2.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("cross-account DeleteSession err = %v", err)
	}
	if n, err := st.DeleteAccountSessions(ctx, a.ID, s1.ID); n != 1 || err != nil {
		t.Errorf("DeleteAccountSessions = %d, %v", n, err)
	}
	if n, err := st.DeleteExpiredSessions(ctx, now); n != 1 || err != nil {
		t.Errorf("DeleteExpiredSessions = %d, %v", n, err)
	}
	if err := st.DeleteSession(ctx, a.ID, s1.ID); err != nil {
		t.Errorf("DeleteSession: %v", err)
	}
	_ = sb
	if list, _ := st.ListSessions(ctx, a.ID); len(list) != 0 {
		t.Errorf("sessions left: %+v", list)
	}
}

func testAPITokens(t *testing.T, st store.Store) {
	ctx := context.Background()
	a, b := twoAccounts(t, st)
	exp := time.Now().UTC().Add(24 * time.Hour).Truncate(time.Second)
	t1, err := st.CreateAPIToken(ctx, store.APIToken{AccountID: a.ID, Name: "ci", Hash: "th1", Scopes: "rooms:read", ExpiresAt: exp})
	if err != nil || t1.ID == 0 {
		t.Fatal(err)
	}
	t2, _ := st.CreateAPIToken(ctx, store.APIToken{AccountID: b.ID, Name: "other", Hash: "th2"})
	got, err := st.APITokenByHash(ctx, "th1")
	if err != nil || got.Name != "ci" || got.Scopes != "rooms:read" || !got.ExpiresAt.Equal(exp) || !got.LastUsed.IsZero() || got.Revoked {
		t.Errorf("APITokenByHash = %+v, %v", got, err)
	}
	if _, err := st.APITokenByHash(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown token err = %v", err)
	}
	if list, _ := st.ListAPITokens(ctx, a.ID); len(list) != 1 || list[0].ID != t1.ID {
		t.Errorf("ListAPITokens(a) = %+v", list)
	}
	if list, _ := st.ListAPITokens(ctx, 0); len(list) != 2 || list[0].ID != t2.ID {
		t.Errorf("ListAPITokens(all) = %+v", list)
	}
	if err := st.RevokeAPIToken(ctx, a.ID, t2.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoking someone else's token err = %v", err)
	}
	if err := st.RevokeAPIToken(ctx, a.ID, t1.ID); err != nil {
		t.Fatal(err)
	}
	used := time.Now().UTC().Truncate(time.Second)
	if err := st.TouchAPIToken(ctx, t1.ID, used); err != nil {
		t.Fatal(err)
	}
	got, _ = st.APITokenByHash(ctx, "th1")
	if !got.Revoked || !got.LastUsed.Equal(used) {
		t.Errorf("after revoke/touch = %+v", got)
	}
}

func testOneTimeTokens(t *testing.T, st store.Store) {
	ctx := context.Background()
	a, _ := twoAccounts(t, st)
	now := time.Now().UTC()
	for _, tk := range []store.OneTimeToken{
		{Hash: "c1", Purpose: store.PurposeConfirmEmail, AccountID: a.ID, ExpiresAt: now.Add(time.Hour)},
		{Hash: "r1", Purpose: store.PurposePasswordReset, AccountID: a.ID, ExpiresAt: now.Add(time.Hour)},
		{Hash: "old", Purpose: store.PurposePasswordReset, AccountID: a.ID, ExpiresAt: now.Add(-time.Second)},
	} {
		if _, err := st.CreateOneTimeToken(ctx, tk); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.UseOneTimeToken(ctx, "c1", store.PurposePasswordReset, now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("wrong purpose err = %v", err)
	}
	if _, err := st.UseOneTimeToken(ctx, "old", store.PurposePasswordReset, now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired err = %v", err)
	}
	// Racing uses of one link: exactly one succeeds.
	var wg sync.WaitGroup
	results := make([]error, 6)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var tk store.OneTimeToken
			tk, results[i] = st.UseOneTimeToken(ctx, "r1", store.PurposePasswordReset, now)
			if results[i] == nil && (tk.AccountID != a.ID || tk.UsedAt.IsZero()) {
				t.Errorf("used token = %+v", tk)
			}
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range results {
		if err == nil {
			ok++
		} else if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("concurrent use err = %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d uses succeeded, want 1", ok)
	}
	if tk, err := st.UseOneTimeToken(ctx, "c1", store.PurposeConfirmEmail, now); err != nil || tk.Purpose != store.PurposeConfirmEmail {
		t.Errorf("confirm = %+v, %v", tk, err)
	}
}
