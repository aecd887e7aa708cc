package e2e

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/confer-dev/confer/internal/apptest"
	"github.com/confer-dev/confer/internal/store"
)

// TestAdminEditsAccountAndDeletesOrg: the platform admin changes an
// account's email and role, meets a concurrent edit (told, reloads, saves
// again), and deletes organisations through the confirmation dialog.
func TestAdminEditsAccountAndDeletesOrg(t *testing.T) {
	a, base := apptest.Start(t)
	ctx := context.Background()
	apptest.AddOrg(t, a, "comune", "Comune di Prova")
	apptest.AddOrg(t, a, "vuota", "Organizzazione vuota")
	mario := apptest.AddAccount(t, a, "mario@comune.example", "comune", store.RoleMember, "")
	b := newBrowser(t)
	setLangEN(t, b, base)
	signIn(t, b, base, a.Bootstrap.AdminEmail, a.Bootstrap.AdminPassword, "/admin")

	// Email and role.
	navigate(t, b, base+"/admin#/accounts")
	editBtn := `document.querySelector('[data-edit="` + strconv.FormatInt(mario.ID, 10) + `"]')`
	waitJS(t, b, "accounts list", `!!`+editBtn, 10*time.Second)
	eval[bool](t, b, `(`+editBtn+`.click(), true)`)
	waitJS(t, b, "edit form focused", `document.activeElement && document.activeElement.textContent === 'Edit mario@comune.example'`, 5*time.Second)
	eval[bool](t, b, fillJS(map[string]string{"Email": "mario.rossi@comune.example", "Role": "host"}, "Email"))
	waitJS(t, b, "saved", `document.getElementById('status').textContent === 'Saved.' && !document.querySelector('form.account-edit')`, 10*time.Second)
	got, err := a.Store.AccountByID(ctx, mario.ID)
	if err != nil || got.Email != "mario.rossi@comune.example" || got.Role != store.RoleHost {
		t.Fatalf("after the edit: %+v, %v", got, err)
	}

	// Someone else saves while the form is open: no overwrite, a clear
	// message and a reload button; after reloading the save goes through.
	eval[bool](t, b, `(`+editBtn+`.click(), true)`)
	waitJS(t, b, "edit form again", `!!document.querySelector('form.account-edit')`, 5*time.Second)
	if _, err := a.Directory.EditAccount(ctx, got.Email, func(x *store.Account) error { x.DisplayName = "Mario R."; return nil }); err != nil {
		t.Fatal(err)
	}
	eval[bool](t, b, fillJS(map[string]string{"Role": "org-admin"}, "Email"))
	waitJS(t, b, "stale message", `(() => { const al = document.querySelector('form.account-edit [role=alert]');
		return !!al && !al.hidden && al.textContent.includes('changed by someone else') && al.textContent.includes('Reload'); })()`, 10*time.Second)
	if x, _ := a.Store.AccountByID(ctx, mario.ID); x.Role != store.RoleHost || x.DisplayName != "Mario R." {
		t.Fatalf("the stale edit overwrote: %+v", x)
	}
	screenshot(t, b, "admin-account-stale.png", 1280, 800)
	eval[bool](t, b, `([...document.querySelectorAll('form.account-edit [role=alert] button')].find((x) => x.textContent === 'Reload').click(), true)`)
	waitJS(t, b, "reloaded form", `!!document.querySelector('form.account-edit') && document.querySelector('form.account-edit [role=alert]').hidden`, 10*time.Second)
	eval[bool](t, b, fillJS(map[string]string{"Role": "org-admin"}, "Email"))
	waitJS(t, b, "saved after reload", `document.getElementById('status').textContent === 'Saved.'`, 10*time.Second)
	if x, _ := a.Store.AccountByID(ctx, mario.ID); x.Role != store.RoleOrgAdmin || x.DisplayName != "Mario R." {
		t.Fatalf("after reload and save: %+v", x)
	}

	// Delete an empty organisation: the dialog is modal, labelled, and
	// starts on Cancel; cancelling keeps the org.
	navigate(t, b, base+"/admin#/orgs")
	del := func(slug string) string { return `document.querySelector('[data-delete="` + slug + `"]')` }
	waitJS(t, b, "orgs list", `!!`+del("vuota"), 10*time.Second)
	eval[bool](t, b, `(`+del("vuota")+`.click(), true)`)
	waitJS(t, b, "dialog", `(() => { const d = document.querySelector('dialog[open]');
		return !!d && d.getAttribute('role') === 'alertdialog' && document.getElementById(d.getAttribute('aria-labelledby')).textContent === 'Delete Organizzazione vuota'
		&& document.getElementById(d.getAttribute('aria-describedby')).textContent.includes('cannot be undone') && document.activeElement.textContent === 'Cancel'; })()`, 5*time.Second)
	screenshot(t, b, "admin-org-delete-dialog.png", 1280, 800)
	eval[bool](t, b, `(document.activeElement.click(), true)`)
	waitJS(t, b, "dialog gone", `!document.querySelector('dialog')`, 5*time.Second)
	if _, err := a.Directory.OrgBySlug(ctx, "vuota"); err != nil {
		t.Fatalf("cancel deleted the org: %v", err)
	}
	eval[bool](t, b, `(`+del("vuota")+`.click(), true)`)
	waitJS(t, b, "dialog again", `!!document.querySelector('dialog[open]')`, 5*time.Second)
	eval[bool](t, b, `(document.querySelector('dialog[open] [data-answer=yes]').click(), true)`)
	waitJS(t, b, "deleted", `document.getElementById('status').textContent === 'Deleted.' && !`+del("vuota"), 10*time.Second)
	if _, err := a.Directory.OrgBySlug(ctx, "vuota"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("org after delete: %v", err)
	}

	// An org with an account: a second dialog says so and deletes all.
	eval[bool](t, b, `(`+del("comune")+`.click(), true)`)
	waitJS(t, b, "first dialog", `!!document.querySelector('dialog[open]')`, 5*time.Second)
	eval[bool](t, b, `(document.querySelector('dialog[open] [data-answer=yes]').click(), true)`)
	waitJS(t, b, "second dialog", `(() => { const d = document.querySelector('dialog[open]');
		return !!d && d.textContent.includes('1 account(s)') && d.querySelector('[data-answer=yes]').textContent === 'Delete everything'; })()`, 10*time.Second)
	eval[bool](t, b, `(document.querySelector('dialog[open] [data-answer=yes]').click(), true)`)
	waitJS(t, b, "deleted with its account", `document.getElementById('status').textContent === 'Deleted.' && !`+del("comune"), 10*time.Second)
	if _, err := a.Store.AccountByID(ctx, mario.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("account of the deleted org: %v", err)
	}
}
