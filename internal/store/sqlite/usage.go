package sqlite

import "github.com/confer-dev/confer/internal/usage/usagesql"

// Usage returns the usage records and webhook outbox kept in this
// database (tables from migrations 00050+; SQL shared with PostgreSQL in
// package usagesql).
func (s *Store) Usage() *usagesql.Store { return usagesql.New(s.db, nil) }
