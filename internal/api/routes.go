package api

// routes is the API: one line per operation. The OpenAPI document is
// generated from it, and the test checks the served document against the
// mux.
func (s *Server) routes() []route {
	list := []string{"q", "limit", "offset"}
	return []route{
		{method: "GET", path: "/api/v1/auth/config", tag: "auth", summary: "What the sign-in page offers (SSO, sign-up)", resp: "AuthConfig", h: s.authConfig},
		{method: "GET", path: "/api/v1/me", tag: "me", summary: "The signed-in account and its CSRF token", scope: "read", resp: "Me", h: s.me},
		{method: "PATCH", path: "/api/v1/me", tag: "me", summary: "Change your display name", scope: "write", body: "MePatch", resp: "Me", h: s.patchMe},
		{method: "POST", path: "/api/v1/me/password", tag: "me", summary: "Change your password (signs out your other sessions)", scope: "write", body: "PasswordChange", h: s.changePassword},
		{method: "GET", path: "/api/v1/me/sessions", tag: "me", summary: "Your signed-in browsers", scope: "read", resp: "SessionList", h: s.sessions},
		{method: "DELETE", path: "/api/v1/me/sessions/{id}", tag: "me", summary: "Sign one browser out", scope: "write", h: s.revokeSession},
		{method: "GET", path: "/api/v1/me/rooms", tag: "me", summary: "Rooms you host or moderate, and your personal room", scope: "read", resp: "RoomList", h: s.myRooms},

		{method: "GET", path: "/api/v1/tokens", tag: "tokens", summary: "Your API tokens", scope: "read", resp: "TokenList", h: s.listTokens},
		{method: "POST", path: "/api/v1/tokens", tag: "tokens", summary: "Create an API token (the secret is shown once)", scope: "admin", body: "TokenCreate", resp: "Token", status: 201, h: s.createToken},
		{method: "DELETE", path: "/api/v1/tokens/{id}", tag: "tokens", summary: "Revoke an API token", scope: "write", h: s.revokeToken},

		{method: "GET", path: "/api/v1/orgs", tag: "orgs", summary: "Organisations you may administer", scope: "read", query: list, resp: "OrgList", h: s.listOrgs},
		{method: "POST", path: "/api/v1/orgs", tag: "orgs", summary: "Create an organisation (platform admin)", scope: "admin", body: "OrgCreate", resp: "Org", status: 201, h: s.createOrg},
		{method: "GET", path: "/api/v1/orgs/{org}", tag: "orgs", summary: "One organisation with its contract figures", scope: "read", resp: "Org", h: s.getOrg},
		{method: "PATCH", path: "/api/v1/orgs/{org}", tag: "orgs", summary: "Change an organisation, suspend or reactivate it", scope: "admin", body: "OrgPatch", resp: "Org", h: s.patchOrg},
		{method: "DELETE", path: "/api/v1/orgs/{org}", tag: "orgs", summary: "Delete an organisation (platform admin); with accounts or rooms only with force=true, which deletes them too", scope: "admin", query: []string{"force"}, h: s.deleteOrg},

		{method: "GET", path: "/api/v1/accounts", tag: "accounts", summary: "Accounts you may administer", scope: "read",
			query: append([]string{"org", "kind", "role", "status"}, list...), resp: "AccountList", h: s.listAccounts},
		{method: "POST", path: "/api/v1/accounts", tag: "accounts", summary: "Create an account", scope: "admin", body: "AccountCreate", resp: "Account", status: 201, h: s.createAccount},
		{method: "POST", path: "/api/v1/accounts/import", tag: "accounts", summary: "Import accounts from CSV: all rows or none, with a per-row report", scope: "admin",
			query: []string{"org"}, body: "CSV", resp: "AccountList", status: 201, h: s.importAccounts},
		{method: "POST", path: "/api/v1/accounts/validity", tag: "accounts", summary: "Extend or end the validity of many accounts", scope: "admin", body: "ValidityChange", resp: "Count", h: s.bulkValidity},
		{method: "GET", path: "/api/v1/accounts/{id}", tag: "accounts", summary: "One account", scope: "read", resp: "Account", h: s.getAccount},
		{method: "PATCH", path: "/api/v1/accounts/{id}", tag: "accounts", summary: "Change an account, suspend or reactivate it", scope: "admin", body: "AccountPatch", resp: "Account", h: s.patchAccount},
		{method: "DELETE", path: "/api/v1/accounts/{id}", tag: "accounts", summary: "Delete an account", scope: "admin", h: s.deleteAccount},
		{method: "POST", path: "/api/v1/accounts/{id}/reset-link", tag: "accounts", summary: "Issue a one-time password reset link (72 hours)", scope: "admin", resp: "Link", h: s.resetLink},

		{method: "GET", path: "/api/v1/rooms", tag: "rooms", summary: "Rooms you may see (admins: the org's; others: the rooms you host)", scope: "read",
			query: append([]string{"org"}, list...), resp: "RoomList", h: s.listRooms},
		{method: "POST", path: "/api/v1/rooms", tag: "rooms", summary: "Create a room in an organisation", scope: "admin", body: "RoomCreate", resp: "Room", status: 201, h: s.createRoom},
		{method: "GET", path: "/api/v1/rooms/{room}", tag: "rooms", summary: "One room with its settings", scope: "read", resp: "Room", h: s.getRoom},
		{method: "PATCH", path: "/api/v1/rooms/{room}", tag: "rooms", summary: "Change room settings (PIN, lobby, guests, who may share…)", scope: "write", body: "RoomPatch", resp: "Room", h: s.patchRoom},
		{method: "DELETE", path: "/api/v1/rooms/{room}", tag: "rooms", summary: "Delete a room", scope: "admin", h: s.deleteRoom},
		{method: "GET", path: "/api/v1/rooms/{room}/hosts", tag: "rooms", summary: "The room's hosts and moderators", scope: "read", resp: "HostList", h: s.listHosts},
		{method: "POST", path: "/api/v1/rooms/{room}/hosts", tag: "rooms", summary: "Make an account host or moderator of the room", scope: "write", body: "HostSet", resp: "HostList", h: s.setHost},
		{method: "DELETE", path: "/api/v1/rooms/{room}/hosts/{id}", tag: "rooms", summary: "Remove a host or moderator", scope: "write", h: s.removeHost},
		{method: "GET", path: "/api/v1/rooms/{room}/invitation", tag: "rooms", summary: "Invitation text to paste into an email, and its calendar entry", scope: "read",
			query: []string{"start", "duration", "lang"}, resp: "Invitation", h: s.invitation},
		{method: "GET", path: "/api/v1/rooms/{room}/invitation.ics", tag: "rooms", summary: "The invitation as an iCalendar file", scope: "read",
			query: []string{"start", "duration", "lang"}, resp: "ICS", h: s.invitationICS},
	}
}
