package postgres

import (
	"context"
	"fmt"
)

// Truncate empties every confer table and restarts ids: for tests and
// benchmarks that reuse one database.
func Truncate(ctx context.Context, s *Store) error {
	_, err := s.db.ExecContext(ctx, `TRUNCATE one_time_tokens, api_tokens, sessions, room_hosts, rooms,
		accounts, orgs RESTART IDENTITY CASCADE`)
	if err != nil {
		return fmt.Errorf("truncate: %w", err)
	}
	return nil
}
