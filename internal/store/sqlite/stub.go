package sqlite

import (
	"context"
	"errors"
	"time"

	"github.com/confer-dev/confer/internal/store"
)

// errTODO marks methods whose SQLite implementation is in progress.
var errTODO = errors.New("sqlite: not implemented yet")

func (s *Store) OrgByID(ctx context.Context, id int64) (store.Org, error) { return store.Org{}, errTODO }
func (s *Store) UpdateOrg(ctx context.Context, o store.Org) (store.Org, error) {
	return store.Org{}, errTODO
}
func (s *Store) DeleteOrg(ctx context.Context, id int64) error { return errTODO }
func (s *Store) RoomByID(ctx context.Context, id int64) (store.Room, error) {
	return store.Room{}, errTODO
}
func (s *Store) PersonalRoom(ctx context.Context, accountID int64) (store.Room, error) {
	return store.Room{}, errTODO
}
func (s *Store) UpdateRoom(ctx context.Context, r store.Room) (store.Room, error) {
	return store.Room{}, errTODO
}
func (s *Store) DeleteRoom(ctx context.Context, id int64) error { return errTODO }
func (s *Store) SetRoomHost(ctx context.Context, roomID, accountID int64, role string) error {
	return errTODO
}
func (s *Store) RemoveRoomHost(ctx context.Context, roomID, accountID int64) error { return errTODO }
func (s *Store) RoomHosts(ctx context.Context, roomID int64) ([]store.RoomHost, error) {
	return nil, errTODO
}
func (s *Store) CreateAccounts(ctx context.Context, rows []store.NewAccount) ([]store.Account, error) {
	return nil, errTODO
}
func (s *Store) AccountByID(ctx context.Context, id int64) (store.Account, error) {
	return store.Account{}, errTODO
}
func (s *Store) AccountBySSO(ctx context.Context, issuer, subject string) (store.Account, error) {
	return store.Account{}, errTODO
}
func (s *Store) ListAccounts(ctx context.Context, f store.AccountFilter) (store.Page[store.Account], error) {
	return store.Page[store.Account]{}, errTODO
}
func (s *Store) UpdateAccount(ctx context.Context, a store.Account) (store.Account, error) {
	return store.Account{}, errTODO
}
func (s *Store) SetPassword(ctx context.Context, accountID int64, hash string) error { return errTODO }
func (s *Store) DeleteAccount(ctx context.Context, id int64) error                  { return errTODO }
func (s *Store) SetValidUntil(ctx context.Context, set store.AccountSet, until time.Time) (int, error) {
	return 0, errTODO
}
func (s *Store) CreateSession(ctx context.Context, x store.Session) (store.Session, error) {
	return store.Session{}, errTODO
}
func (s *Store) SessionByHash(ctx context.Context, hash string, now time.Time) (store.Session, error) {
	return store.Session{}, errTODO
}
func (s *Store) TouchSession(ctx context.Context, id int64, lastSeen, expires time.Time) error {
	return errTODO
}
func (s *Store) ListSessions(ctx context.Context, accountID int64) ([]store.Session, error) {
	return nil, errTODO
}
func (s *Store) DeleteSession(ctx context.Context, accountID, id int64) error { return errTODO }
func (s *Store) DeleteAccountSessions(ctx context.Context, accountID, exceptID int64) (int, error) {
	return 0, errTODO
}
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	return 0, errTODO
}
func (s *Store) CreateAPIToken(ctx context.Context, t store.APIToken) (store.APIToken, error) {
	return store.APIToken{}, errTODO
}
func (s *Store) APITokenByHash(ctx context.Context, hash string) (store.APIToken, error) {
	return store.APIToken{}, errTODO
}
func (s *Store) ListAPITokens(ctx context.Context, accountID int64) ([]store.APIToken, error) {
	return nil, errTODO
}
func (s *Store) RevokeAPIToken(ctx context.Context, accountID, id int64) error  { return errTODO }
func (s *Store) TouchAPIToken(ctx context.Context, id int64, at time.Time) error { return errTODO }
func (s *Store) CreateOneTimeToken(ctx context.Context, t store.OneTimeToken) (store.OneTimeToken, error) {
	return store.OneTimeToken{}, errTODO
}
func (s *Store) UseOneTimeToken(ctx context.Context, hash, purpose string, now time.Time) (store.OneTimeToken, error) {
	return store.OneTimeToken{}, errTODO
}
