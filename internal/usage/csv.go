package usage

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// CSV groupings of a report.
const (
	ByDetail = "detail" // month × organisation × room
	ByOrg    = "org"
	ByRoom   = "room"
	ByMonth  = "month"
	ByYear   = "year"
)

// CSVOptions shape the file for the spreadsheet that opens it.
type CSVOptions struct {
	By string
	// Italian writes ";" between fields and "," before decimals, what
	// Excel set to Italian expects; otherwise "," and ".".
	Italian bool
}

// WriteCSV writes one grouping of r as UTF-8 CSV with a byte order mark
// (so Excel detects UTF-8) and a header row. Hours have two decimals;
// the seconds columns are exact.
func WriteCSV(w io.Writer, r Report, o CSVOptions) error {
	var rows []Row
	switch o.By {
	case ByDetail, "":
		rows = r.Detail
	case ByOrg:
		rows = r.Orgs
	case ByRoom:
		rows = r.Rooms
	case ByMonth:
		rows = r.Months
	case ByYear:
		rows = r.Years
	default:
		return fmt.Errorf("csv: unknown grouping %q (detail, org, room, month or year)", o.By)
	}
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true // what Excel writes; LibreOffice reads both
	if o.Italian {
		cw.Comma = ';'
	}
	hours := func(h float64) string {
		s := strconv.FormatFloat(h, 'f', 2, 64)
		if o.Italian {
			s = strings.Replace(s, ".", ",", 1)
		}
		return s
	}
	_ = cw.Write([]string{"period", "org", "room", "meetings", "meeting_hours", "participant_hours",
		"participant_sessions", "meeting_seconds", "participant_seconds",
		"media_sent_hours", "media_received_hours", "media_sent_seconds", "media_received_seconds"})
	for _, x := range rows {
		period := x.Month
		switch {
		case x.Year != 0:
			period = strconv.Itoa(x.Year)
		case period == "":
			period = r.From + ".." + r.To
		}
		_ = cw.Write([]string{period, safeCell(x.Org), safeCell(x.Room), strconv.Itoa(x.Meetings), hours(x.MeetingHours),
			hours(x.ParticipantHours), strconv.Itoa(x.Sessions), strconv.FormatInt(x.MeetingSeconds, 10),
			strconv.FormatInt(x.ParticipantSeconds, 10), hours(x.MediaSentHours), hours(x.MediaReceivedHours),
			strconv.FormatInt(x.MediaSentSeconds, 10), strconv.FormatInt(x.MediaReceivedSeconds, 10)})
	}
	cw.Flush()
	return cw.Error()
}

// safeCell defuses formula injection: a cell starting with = + - @ would
// run as a formula in a spreadsheet. Slugs never do, but be sure.
func safeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
