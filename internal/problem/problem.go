// Package problem writes RFC 9457 problem documents and JSON bodies, the
// one error format of confer's REST API and sign-in endpoints.
package problem

import (
	"encoding/json"
	"net/http"
)

// Problem is an RFC 9457 document; Code and Contact are extensions the web
// UI uses to pick a translated message and say whom to ask.
type Problem struct {
	Type    string     `json:"type"`
	Title   string     `json:"title"`
	Status  int        `json:"status"`
	Detail  string     `json:"detail,omitempty"`
	Code    string     `json:"code,omitempty"`
	Contact string     `json:"contact,omitempty"`
	Rows    []RowError `json:"rows,omitempty"`
}

// RowError is one refused row of a bulk request (Row counts from 1, as a
// spreadsheet does, header excluded).
type RowError struct {
	Row   int    `json:"row"`
	Error string `json:"error"`
}

// Write sends p with its status.
func Write(w http.ResponseWriter, p Problem) {
	if p.Type == "" {
		p.Type = "about:blank"
	}
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// Error sends a problem with a status, a code and a human detail.
func Error(w http.ResponseWriter, status int, code, detail string) {
	Write(w, Problem{Status: status, Code: code, Detail: detail})
}

// NotFound is the answer for anything the requester may not know exists:
// the same bytes whether the object is missing or belongs to someone else.
func NotFound(w http.ResponseWriter) {
	Error(w, http.StatusNotFound, "not-found", "no such object")
}

// JSON sends v as application/json.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
