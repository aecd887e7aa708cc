package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/confer-dev/confer/internal/store"
	"github.com/confer-dev/confer/internal/usage/usagesql"
	"github.com/confer-dev/confer/internal/webhook"
)

// webhookRetry runs `confer admin webhook retry ID`: a failed delivery is
// made due now; the running server's dispatcher picks it up within its
// poll interval (2 s).
func (e *adminEnv) webhookRetry(ctx context.Context, args []string) error {
	fs := e.flags("confer admin webhook retry")
	if err := fs.Parse(args); err != nil {
		return flagErr(fs, err)
	}
	if fs.NArg() != 1 {
		return usagef("admin webhook retry: want one delivery id (see webhook log)")
	}
	id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if err != nil || id <= 0 {
		return usagef("admin webhook retry: %q is not a delivery id", fs.Arg(0))
	}
	return e.withUsage(ctx, func(_ store.Store, us *usagesql.Store) error {
		if err := us.RetryDelivery(ctx, id, webhook.Filter{All: true}, time.Now()); err != nil {
			return fmt.Errorf("admin webhook retry: %w", err)
		}
		fmt.Fprintf(e.stdout, "delivery %d will be retried now\n", id)
		return nil
	})
}
