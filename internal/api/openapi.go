package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
)

// docOnly are routes served by other packages (sign-in, the public room
// lookup of httpapi) or by Register itself, described here so the
// document covers all of /api/v1.
func docOnly() []route {
	return []route{
		{method: "POST", path: "/api/v1/auth/login", tag: "auth", summary: "Sign in with email and password (sets the confer_session cookie)", body: "Login", resp: "Me"},
		{method: "POST", path: "/api/v1/auth/logout", tag: "auth", summary: "Sign out this browser"},
		{method: "POST", path: "/api/v1/auth/reset", tag: "auth", summary: "Set a new password with a reset link's token", body: "Reset"},
		{method: "POST", path: "/api/v1/auth/signup", tag: "auth", summary: "Self-service sign-up: emails a confirmation link", body: "Signup", resp: "Accepted", status: 202},
		{method: "POST", path: "/api/v1/auth/signup/confirm", tag: "auth", summary: "Confirm a sign-up: creates the personal room and signs in", body: "Confirm", resp: "Me"},
		{method: "GET", path: "/api/v1/public/rooms/{slug}", tag: "public", summary: "A room's public facts for its join page", resp: "PublicRoom"},
		{method: "GET", path: "/api/v1/openapi.json", tag: "public", summary: "This document", resp: "OpenAPI"},
	}
}

var pathParam = regexp.MustCompile(`\{(\w+)\}`)

// OpenAPI returns the OpenAPI 3.1 document of the API.
func (s *Server) OpenAPI() map[string]any {
	paths := map[string]any{}
	for _, rt := range append(s.routes(), docOnly()...) {
		item, _ := paths[rt.path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.path] = item
		}
		item[strings.ToLower(rt.method)] = operation(rt)
	}
	schemas := map[string]any{"OpenAPI": map[string]any{"type": "object"}}
	for name, v := range schemaTypes {
		schemas[name] = schemaOf(reflect.TypeOf(v))
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "confer API", "version": "1",
			"description": "Organisations, accounts, rooms and tokens of a confer service. Sign in with the " +
				"session cookie (writes need the X-CSRF-Token header from GET /api/v1/me) or send " +
				"`Authorization: Bearer cft_…`. Errors are application/problem+json. Writes to existing " +
				"objects need If-Match (or a version field) with the version read; a stale one gets 409."},
		"servers": []any{map[string]any{"url": "/"}},
		"paths":   paths,
		"components": map[string]any{
			"schemas": schemas,
			"securitySchemes": map[string]any{
				"cookie": map[string]any{"type": "apiKey", "in": "cookie", "name": "confer_session"},
				"bearer": map[string]any{"type": "http", "scheme": "bearer", "description": "personal API token cft_…; scopes read, write, admin"},
			},
		},
	}
}

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

func content(schema string) map[string]any {
	switch schema {
	case "CSV":
		return map[string]any{"text/csv": map[string]any{"schema": map[string]any{"type": "string"}}}
	case "ICS":
		return map[string]any{"text/calendar": map[string]any{"schema": map[string]any{"type": "string"}}}
	}
	return map[string]any{"application/json": map[string]any{"schema": ref(schema)}}
}

func operation(rt route) map[string]any {
	op := map[string]any{
		"operationId": strings.ToLower(rt.method) + strings.NewReplacer("/api/v1", "", "/", "_", "{", "", "}", "", ".", "_", "-", "_").Replace(rt.path),
		"summary":     rt.summary, "tags": []string{rt.tag},
	}
	var params []any
	for _, m := range pathParam.FindAllStringSubmatch(rt.path, -1) {
		typ := "string"
		if m[1] == "id" {
			typ = "integer"
		}
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": typ}})
	}
	for _, q := range rt.query {
		typ := "string"
		if q == "limit" || q == "offset" || q == "duration" {
			typ = "integer"
		}
		params = append(params, map[string]any{"name": q, "in": "query", "schema": map[string]any{"type": typ}})
	}
	if params != nil {
		op["parameters"] = params
	}
	if rt.body != "" {
		op["requestBody"] = map[string]any{"required": true, "content": content(rt.body)}
	}
	status := rt.status
	if status == 0 {
		status = http.StatusOK
		if rt.resp == "" {
			status = http.StatusNoContent
		}
	}
	ok := map[string]any{"description": http.StatusText(status)}
	if rt.resp != "" {
		ok["content"] = content(rt.resp)
	}
	op["responses"] = map[string]any{
		strconv.Itoa(status): ok,
		"default": map[string]any{"description": "a problem",
			"content": map[string]any{"application/problem+json": map[string]any{"schema": ref("Problem")}}},
	}
	if rt.scope != "" {
		op["security"] = []any{map[string]any{"cookie": []string{}}, map[string]any{"bearer": []string{rt.scope}}}
	} else {
		op["security"] = []any{}
	}
	return op
}

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	_ = enc.Encode(s.OpenAPI())
}
