package usagesql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/confer-dev/confer/internal/webhook"
)

var _ webhook.Store = (*Store)(nil)

func ms(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

func fromMs(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.UnixMilli(n.Int64).UTC()
}

func orgArg(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// scope restricts to what f may see; alias names the table holding org_id.
func scope(f webhook.Filter, alias string) (string, []any) {
	if f.All {
		return "1 = 1", nil
	}
	return alias + ".org_id = ?", []any{f.OrgID}
}

// CreateEndpoint implements webhook.Store.
func (s *Store) CreateEndpoint(ctx context.Context, e webhook.Endpoint) (webhook.Endpoint, error) {
	e.CreatedAt = time.Now().UTC().Truncate(time.Millisecond)
	err := s.db.QueryRowContext(ctx, s.rebind(`INSERT INTO webhook_endpoints (org_id, url, secret, description, enabled, created_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`), orgArg(e.OrgID), e.URL, e.Secret, e.Description, boolInt(e.Enabled),
		e.CreatedAt.UnixMilli()).Scan(&e.ID)
	if err != nil {
		return e, fmt.Errorf("create webhook endpoint: %w", err)
	}
	return e, nil
}

// ListEndpoints implements webhook.Store (secrets left out).
func (s *Store) ListEndpoints(ctx context.Context, f webhook.Filter) ([]webhook.Endpoint, error) {
	cond, args := scope(f, "e")
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT e.id, COALESCE(e.org_id, 0), COALESCE(o.slug, ''), e.url,
		e.description, e.enabled, e.created_at FROM webhook_endpoints e LEFT JOIN orgs o ON o.id = e.org_id
		WHERE `+cond+` ORDER BY e.id`), args...)
	if err != nil {
		return nil, fmt.Errorf("webhook endpoints: %w", err)
	}
	defer rows.Close()
	out := []webhook.Endpoint{}
	for rows.Next() {
		var e webhook.Endpoint
		var enabled int
		var created sql.NullInt64
		if err := rows.Scan(&e.ID, &e.OrgID, &e.Org, &e.URL, &e.Description, &enabled, &created); err != nil {
			return nil, fmt.Errorf("webhook endpoints: %w", err)
		}
		e.Enabled, e.CreatedAt = enabled != 0, fromMs(created)
		out = append(out, e)
	}
	return out, rows.Err()
}

// DeleteEndpoint implements webhook.Store.
func (s *Store) DeleteEndpoint(ctx context.Context, id int64, f webhook.Filter) error {
	cond, args := scope(f, "webhook_endpoints")
	return s.inTx(ctx, func(t execer) error {
		var n int
		if err := t.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhook_endpoints WHERE id = ? AND `+cond,
			append([]any{id}, args...)...).Scan(&n); err != nil {
			return fmt.Errorf("delete webhook endpoint: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("endpoint #%d: %w", id, webhook.ErrNotFound)
		}
		if _, err := t.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE endpoint_id = ?`, id); err != nil {
			return fmt.Errorf("delete webhook endpoint: %w", err)
		}
		_, err := t.ExecContext(ctx, `DELETE FROM webhook_endpoints WHERE id = ?`, id)
		return err
	})
}

const deliveryCols = `d.id, d.endpoint_id, e.url, COALESCE(e.org_id, 0), ev.id, ev.kind, ev.meeting_id, d.status,
	d.attempts, d.next_at, d.last_at, d.last_status, d.last_error`

const deliveryFrom = ` FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
	JOIN usage_events ev ON ev.seq = d.event_seq`

func scanDelivery(sc interface{ Scan(...any) error }, extra ...any) (webhook.Delivery, error) {
	var d webhook.Delivery
	var next, last sql.NullInt64
	err := sc.Scan(append([]any{&d.ID, &d.EndpointID, &d.EndpointURL, &d.OrgID, &d.EventID, &d.Kind, &d.MeetingID,
		&d.Status, &d.Attempts, &next, &last, &d.LastStatus, &d.LastError}, extra...)...)
	d.NextAt, d.LastAt = fromMs(next), fromMs(last)
	return d, err
}

// DueDeliveries implements webhook.Store.
func (s *Store) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]webhook.Delivery, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT `+deliveryCols+`, ev.payload, e.secret`+deliveryFrom+`
		WHERE d.status = 'pending' AND e.enabled = 1 AND d.next_at <= ?
		AND d.id = (SELECT MIN(h.id) FROM webhook_deliveries h WHERE h.endpoint_id = d.endpoint_id AND h.status = 'pending')
		ORDER BY d.id LIMIT ?`), now.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("due webhook deliveries: %w", err)
	}
	defer rows.Close()
	var out []webhook.Delivery
	var d0 webhook.Delivery
	for rows.Next() {
		var payload string
		d, err := scanDelivery(rows, &payload, &d0.Secret)
		if err != nil {
			return nil, fmt.Errorf("due webhook deliveries: %w", err)
		}
		d.Payload, d.Secret = []byte(payload), d0.Secret
		out = append(out, d)
	}
	return out, rows.Err()
}

// SaveAttempt implements webhook.Store.
func (s *Store) SaveAttempt(ctx context.Context, d webhook.Delivery) error {
	_, err := s.db.ExecContext(ctx, s.rebind(`UPDATE webhook_deliveries SET status = ?, attempts = ?, next_at = ?,
		last_at = ?, last_status = ?, last_error = ? WHERE id = ?`),
		d.Status, d.Attempts, d.NextAt.UnixMilli(), ms(d.LastAt), d.LastStatus, d.LastError, d.ID)
	if err != nil {
		return fmt.Errorf("save webhook attempt: %w", err)
	}
	return nil
}

// Deliveries implements webhook.Store.
func (s *Store) Deliveries(ctx context.Context, f webhook.Filter) ([]webhook.Delivery, error) {
	cond, args := scope(f, "e")
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT `+deliveryCols+deliveryFrom+` WHERE `+cond+
		` ORDER BY d.id DESC LIMIT ?`), append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("webhook deliveries: %w", err)
	}
	defer rows.Close()
	out := []webhook.Delivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("webhook deliveries: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// PendingDeliveries implements webhook.Store.
func (s *Store) PendingDeliveries(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending'`).Scan(&n)
	return n, err
}

// RetryDelivery implements webhook.Store.
func (s *Store) RetryDelivery(ctx context.Context, id int64, f webhook.Filter, now time.Time) error {
	cond, args := scope(f, "e")
	return s.inTx(ctx, func(t execer) error {
		var status string
		err := t.QueryRowContext(ctx, `SELECT d.status FROM webhook_deliveries d
			JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.id = ? AND `+cond,
			append([]any{id}, args...)...).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("delivery #%d: %w", id, webhook.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("retry webhook delivery: %w", err)
		}
		if status != webhook.StatusFailed {
			return fmt.Errorf("delivery #%d is %s: %w", id, status, webhook.ErrNotFailed)
		}
		if _, err := t.ExecContext(ctx, `UPDATE webhook_deliveries SET status = 'pending', next_at = ?
			WHERE id = ? AND status = 'failed'`, now.UnixMilli(), id); err != nil {
			return fmt.Errorf("retry webhook delivery: %w", err)
		}
		return nil
	})
}
