package signal

// CodeOverBudget refuses a new meeting: the organisation used up its
// yearly conference-hours and chose to refuse meetings past the budget.
// Meetings already in progress are never cut, and joining them works.
const CodeOverBudget = "over_budget"

// overBudgetMessage is shown to the person who tried to start a meeting.
const overBudgetMessage = "this organisation has used its conference hours for the year; " +
	"new meetings cannot start until its administrator extends the budget"

// ErrOverBudget is what a Directory returns when a room's organisation
// refuses new meetings past its budget. It also matches ErrRoomUnavailable
// (errors.Is), so callers that only know that error still refuse.
var ErrOverBudget error = overBudget{}

type overBudget struct{}

func (overBudget) Error() string { return "organisation over its yearly budget" }
func (overBudget) Unwrap() error { return ErrRoomUnavailable }
