// Package web holds confer's browser client: plain HTML, CSS and JavaScript
// modules with no build step, embedded into the server binary.
package web

import "embed"

// Static is the client. The server serves static/ at /static/,
// static/index.html at / and static/room.html at /r/{slug}.
//
//go:embed static
var Static embed.FS
