package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/confer-dev/confer/internal/store"
	confusage "github.com/confer-dev/confer/internal/usage"
	"github.com/confer-dev/confer/internal/usage/usagesql"
	"github.com/confer-dev/confer/internal/webhook"
)

// runUsage runs `confer admin usage ...` and `confer admin webhook ...`.
func (e *adminEnv) runUsage(ctx context.Context, args []string) error {
	if args[0] == "usage" {
		return e.usageReport(ctx, args[1:])
	}
	if len(args) < 2 {
		return usagef("admin webhook: missing subcommand (add, list, remove, log or retry)")
	}
	switch args[1] {
	case "add":
		return e.webhookAdd(ctx, args[2:])
	case "list":
		return e.webhookList(ctx, args[2:])
	case "remove":
		return e.webhookRemove(ctx, args[2:])
	case "log":
		return e.webhookLog(ctx, args[2:])
	case "retry":
		return e.webhookRetry(ctx, args[2:])
	}
	return usagef("admin webhook: unknown subcommand %q", args[1])
}

// withUsage opens the store and its usage tables.
func (e *adminEnv) withUsage(ctx context.Context, fn func(st store.Store, us *usagesql.Store) error) error {
	_, st, err := e.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	u, ok := st.(interface{ Usage() *usagesql.Store })
	if !ok {
		return errors.New("this store keeps no usage records")
	}
	return fn(st, u.Usage())
}

func (e *adminEnv) usageReport(ctx context.Context, args []string) error {
	fs := e.flags("confer admin usage")
	year := time.Now().In(confusage.Location).Format("2006")
	org := fs.String("org", "", "organisation slug (default: all)")
	from := fs.String("from", year+"-01", "first month YYYY-MM")
	to := fs.String("to", year+"-12", "last month YYYY-MM")
	asCSV := fs.Bool("csv", false, "print CSV (UTF-8 with BOM, header row)")
	asJSON := fs.Bool("json", false, "print the whole report as JSON")
	by := fs.String("by", confusage.ByDetail, "CSV rows: detail (month×org×room), org, room, month or year")
	italian := fs.Bool("it", false, `CSV for Excel set to Italian: ";" between fields, decimal comma`)
	if err := parseLeaf(fs, args); err != nil {
		return err
	}
	start, end, err := confusage.MonthRange(*from, *to)
	if err != nil {
		return usagef("admin usage: %v", err)
	}
	return e.withUsage(ctx, func(st store.Store, us *usagesql.Store) error {
		svc := confusage.NewService(us, st, nil, nil)
		var o store.Org
		if *org != "" {
			if o, err = st.OrgBySlug(ctx, *org); err != nil {
				return err
			}
		}
		rep, err := svc.Report(ctx, start, end, o.ID)
		if err != nil {
			return err
		}
		switch {
		case *asJSON:
			return writeJSON(e.stdout, rep)
		case *asCSV:
			return confusage.WriteCSV(e.stdout, rep, confusage.CSVOptions{By: *by, Italian: *italian})
		}
		tw := newTable(e.stdout)
		fmt.Fprintf(tw, "MONTH\tMEETINGS\tMEETING HOURS\tPARTICIPANT HOURS\tSESSIONS\n")
		for _, m := range rep.Months {
			fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.2f\t%d\n", m.Month, m.Meetings, m.MeetingHours, m.ParticipantHours, m.Sessions)
		}
		t := rep.Total
		fmt.Fprintf(tw, "TOTAL\t%d\t%.2f\t%.2f\t%d\n", t.Meetings, t.MeetingHours, t.ParticipantHours, t.Sessions)
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "peak: %d participants, %d meetings at once (months in %s)\n",
			rep.Peak.Participants, rep.Peak.Meetings, rep.TimeZone)
		if o.ID != 0 && o.Contract.HoursPerYear > 0 {
			b, err := svc.Budget(ctx, o)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "budget %d: %.2f of %d hours (%.1f %%, %s)\n", b.Year, b.UsedHours, b.BudgetHours, b.Percent, b.Level)
		}
		return nil
	})
}

// orgFilter resolves --org for webhook commands: none means every endpoint.
func orgFilter(ctx context.Context, st store.Store, slug string) (webhook.Filter, store.Org, error) {
	if slug == "" {
		return webhook.Filter{All: true}, store.Org{}, nil
	}
	o, err := st.OrgBySlug(ctx, slug)
	if err != nil {
		return webhook.Filter{}, o, err
	}
	return webhook.Filter{OrgID: o.ID}, o, nil
}

func (e *adminEnv) webhookAdd(ctx context.Context, args []string) error {
	fs := e.flags("confer admin webhook add")
	url := fs.String("url", "", "receiver URL (https://...)")
	org := fs.String("org", "", "organisation slug; without it the endpoint gets every organisation's events")
	desc := fs.String("description", "", "what the endpoint is for")
	private := fs.Bool("allow-private", false, "accept a loopback, private or link-local address (serve needs --webhook-allow-private to deliver there)")
	if err := parseLeaf(fs, args); err != nil {
		return err
	}
	if err := webhook.CheckURL(*url); err != nil {
		return usagef("admin webhook add: %v", err)
	}
	if !*private {
		if err := webhook.CheckPublic(ctx, *url, nil); err != nil {
			return usagef("admin webhook add: %v", err)
		}
	}
	return e.withUsage(ctx, func(st store.Store, us *usagesql.Store) error {
		_, o, err := orgFilter(ctx, st, *org)
		if err != nil {
			return err
		}
		ep, err := us.CreateEndpoint(ctx, webhook.Endpoint{URL: *url, Description: *desc, OrgID: o.ID, Enabled: true,
			Secret: webhook.NewSecret()})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "webhook %d added\nsigning secret (shown only now): %s\n", ep.ID, ep.Secret)
		return nil
	})
}

func (e *adminEnv) webhookList(ctx context.Context, args []string) error {
	fs := e.flags("confer admin webhook list")
	org := fs.String("org", "", "only this organisation's endpoints")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseLeaf(fs, args); err != nil {
		return err
	}
	return e.withUsage(ctx, func(st store.Store, us *usagesql.Store) error {
		f, _, err := orgFilter(ctx, st, *org)
		if err != nil {
			return err
		}
		eps, err := us.ListEndpoints(ctx, f)
		if err != nil || *asJSON {
			if err != nil {
				return err
			}
			return writeJSON(e.stdout, eps)
		}
		tw := newTable(e.stdout)
		fmt.Fprintln(tw, "ID\tORG\tURL\tDESCRIPTION")
		for _, ep := range eps {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", ep.ID, orDash(ep.Org), ep.URL, cell(ep.Description))
		}
		return tw.Flush()
	})
}

func (e *adminEnv) webhookRemove(ctx context.Context, args []string) error {
	fs := e.flags("confer admin webhook remove")
	id := fs.Int64("id", 0, "endpoint id (see webhook list)")
	if err := parseLeaf(fs, args); err != nil {
		return err
	}
	return e.withUsage(ctx, func(_ store.Store, us *usagesql.Store) error {
		if err := us.DeleteEndpoint(ctx, *id, webhook.Filter{All: true}); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "webhook %d removed\n", *id)
		return nil
	})
}

func (e *adminEnv) webhookLog(ctx context.Context, args []string) error {
	fs := e.flags("confer admin webhook log")
	org := fs.String("org", "", "only this organisation's endpoints")
	limit := fs.Int("limit", 50, "how many deliveries, newest first")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseLeaf(fs, args); err != nil {
		return err
	}
	return e.withUsage(ctx, func(st store.Store, us *usagesql.Store) error {
		f, _, err := orgFilter(ctx, st, *org)
		if err != nil {
			return err
		}
		f.Limit = *limit
		ds, err := us.Deliveries(ctx, f)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(e.stdout, ds)
		}
		tw := newTable(e.stdout)
		fmt.Fprintln(tw, "ID\tENDPOINT\tEVENT\tSTATUS\tATTEMPTS\tLAST\tERROR")
		for _, d := range ds {
			last := "-"
			if !d.LastAt.IsZero() {
				last = d.LastAt.Local().Format("2006-01-02 15:04:05") + " " + strconv.Itoa(d.LastStatus)
			}
			fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%d\t%s\t%s\n", d.ID, d.EndpointID, d.Kind, d.Status, d.Attempts, last, cell(d.LastError))
		}
		return tw.Flush()
	})
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
