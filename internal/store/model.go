package store

import "time"

// Org kinds. The list is closed for now; directory validates against it.
const (
	KindHealthcare          = "healthcare"
	KindLocalAdministration = "local-administration"
	KindMemberEntity        = "member-entity"
	KindBusiness            = "business"
	KindSchool              = "school"
	KindOther               = "other"
)

// OrgKinds lists the valid org kinds in display order.
func OrgKinds() []string {
	return []string{KindHealthcare, KindLocalAdministration, KindMemberEntity,
		KindBusiness, KindSchool, KindOther}
}

// Statuses of orgs and accounts. A suspended org keeps its data but its
// rooms refuse new meetings; a suspended account cannot sign in or host.
const (
	StatusActive    = "active"
	StatusSuspended = "suspended"
)

// PersonalOrgSlug names the platform org that owns every personal account
// and personal room, so each room and each non-admin account has an owner
// org and tenant checks are uniform (directory creates it on demand).
const PersonalOrgSlug = "personal"

// Contract is what an org bought. A zero limit means "no limit".
type Contract struct {
	Accounts         int  // contracted accounts the org may have
	HoursPerYear     int  // yearly conference-hour budget
	MaxRooms         int  // rooms the org may own
	RefuseOverBudget bool // usage accounting refuses meetings past the budget
}

// Org is a tenant: a clinic, a town hall, a school...
type Org struct {
	ID           int64
	Slug         string // immutable after create
	Name         string
	Kind         string
	Status       string // StatusActive or StatusSuspended; "" on create means active
	ContactName  string
	ContactEmail string
	ContactPhone string
	Contract     Contract
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Version      int64 // optimistic concurrency: pass back what you read

	// Filled on reads, ignored on writes.
	ContractedAccounts int // contracted accounts currently in the org
	Rooms              int // rooms the org owns
}

// Account kinds.
const (
	AccountContracted = "contracted" // counts against its org's contract
	AccountPersonal   = "personal"   // belongs to the personal org
)

// Account roles, one per account. Room-level host/moderator rights are
// separate (RoomHost).
const (
	RolePlatformAdmin = "platform-admin" // everything; may have no org
	RoleOrgAdmin      = "org-admin"      // everything within its org
	RoleHost          = "host"           // may run meetings in rooms assigned to it
	RoleMember        = "member"         // may join
)

// Roles lists the valid roles, most powerful first.
func Roles() []string { return []string{RolePlatformAdmin, RoleOrgAdmin, RoleHost, RoleMember} }

// Account is a person who can sign in.
type Account struct {
	ID             int64
	Email          string // stored and compared lowercase, unique
	DisplayName    string
	PasswordHash   string // argon2id PHC string; "" = no password (SSO only)
	SSOIssuer      string // with SSOSubject unique; both "" = none
	SSOSubject     string
	Kind           string // AccountContracted or AccountPersonal; "" on create means contracted
	OrgID          int64  // 0 = none (only platform admins)
	OrgSlug        string // filled on reads; on create used when OrgID is 0
	OrgStatus      string // filled on reads; "" without org
	Role           string // Role*; "" on create means RoleMember
	Status         string // StatusActive or StatusSuspended; "" on create means active
	EmailConfirmed bool
	ValidFrom      time.Time // zero = no lower bound
	ValidUntil     time.Time // zero = no end
	CreatedAt      time.Time
	UpdatedAt      time.Time
	Version        int64
}

// IsPlatformAdmin reports whether a has the platform admin role.
func (a Account) IsPlatformAdmin() bool { return a.Role == RolePlatformAdmin }

// Who may share their screen in a room.
const (
	ShareEveryone   = "everyone"
	ShareModerators = "moderators"
)

// Room is a persistent meeting room owned by an org. Room slugs are unique
// platform-wide so a join URL needs only the room slug.
type Room struct {
	ID            int64
	OrgID         int64
	OrgSlug       string // filled on reads; on create used when OrgID is 0
	OrgStatus     string // filled on reads
	Slug          string
	Title         string
	Description   string
	Capacity      int
	PIN           string // stored as is: hosts must be able to read it back
	GuestsAllowed bool
	Lobby         bool   // guests wait until a host or moderator admits them
	WhoMayShare   string // ShareEveryone or ShareModerators; "" on create means everyone
	PersonalOf    int64  // account id whose personal room this is; 0 = not personal
	CreatedAt     time.Time
	UpdatedAt     time.Time
	Version       int64
}

// Room-level roles of an account.
const (
	RoomRoleHost      = "host"
	RoomRoleModerator = "moderator"
)

// RoomHost assigns an account to a room as host or moderator.
type RoomHost struct {
	RoomID      int64
	AccountID   int64
	Role        string // RoomRoleHost or RoomRoleModerator
	Email       string // filled on reads
	DisplayName string // filled on reads
	RoomSlug    string // filled on reads
}

// Session is a signed-in browser. Only the hash of the cookie value is
// stored, so a database leak does not hand out live sessions.
type Session struct {
	ID        int64
	Hash      string // hex sha256 of the cookie secret; unique
	AccountID int64
	CreatedAt time.Time
	LastSeen  time.Time
	ExpiresAt time.Time
	UserAgent string
	IP        string
}

// APIToken is a personal token for automation; the secret (cft_...) is
// shown once and only its hash is kept.
type APIToken struct {
	ID        int64
	AccountID int64
	Name      string
	Hash      string // hex sha256 of the secret; unique
	Scopes    string // space-separated, interpreted by the API layer
	CreatedAt time.Time
	LastUsed  time.Time // zero = never
	ExpiresAt time.Time // zero = never
	Revoked   bool
}

// One-time token purposes.
const (
	PurposeConfirmEmail  = "confirm-email"
	PurposePasswordReset = "password-reset"
)

// OneTimeToken is an emailed link's secret (hash only), good for one use.
type OneTimeToken struct {
	ID        int64
	Hash      string
	Purpose   string
	AccountID int64
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero = unused
}
