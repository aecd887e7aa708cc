package postgres

import "github.com/confer-dev/confer/internal/whip/whipsql"

// WHIPTokens returns the WHIP encoder tokens kept in this database
// (migration 00054; SQL shared with SQLite in package whipsql).
func (s *Store) WHIPTokens() *whipsql.Store { return whipsql.New(s.db.DB, rebind) }
