package api

import (
	"reflect"
	"strings"
	"time"

	"github.com/confer-dev/confer/internal/login"
	"github.com/confer-dev/confer/internal/problem"
)

// Request bodies with no other home, named so the document can show them.
type (
	mePatchIn struct {
		DisplayName string `json:"displayName"`
	}
	passwordIn struct {
		Current string `json:"current"`
		New     string `json:"new"`
	}
	tokenIn struct {
		Name      string `json:"name"`
		Scopes    string `json:"scopes"`    // space-separated: read, write, admin
		ExpiresAt string `json:"expiresAt"` // YYYY-MM-DD, "" = never
	}
	hostIn struct {
		Email string `json:"email"`
		Role  string `json:"role"` // host or moderator
	}
	loginIn struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	resetIn struct {
		Token    string `json:"token"`
		Password string `json:"password"`
	}
	signupIn struct {
		Email       string `json:"email"`
		DisplayName string `json:"displayName"`
		Password    string `json:"password"`
	}
	confirmIn struct {
		Token string `json:"token"`
	}
	publicRoomOut struct {
		Slug         string `json:"slug"`
		Title        string `json:"title"`
		PINRequired  bool   `json:"pinRequired"`
		Capacity     int    `json:"capacity"`
		Participants int    `json:"participants"`
	}
	authConfigOut struct {
		Signup  bool   `json:"signup"`
		SSO     bool   `json:"sso"`
		SSOName string `json:"ssoName"`
	}
	countOut struct {
		Count int `json:"count"`
	}
	linkOut struct {
		Link      string    `json:"link"`
		ExpiresAt time.Time `json:"expiresAt"`
	}
	statusOut struct {
		Status string `json:"status"`
	}
	items[T any] struct {
		Items []T `json:"items"`
	}
)

// schemaTypes names the Go type behind each schema of the document.
var schemaTypes = map[string]any{
	"AuthConfig": authConfigOut{}, "Me": login.Me{}, "MePatch": mePatchIn{}, "PasswordChange": passwordIn{},
	"SessionList": items[sessionView]{}, "RoomList": page[roomView]{}, "TokenList": items[tokenView]{},
	"TokenCreate": tokenIn{}, "Token": tokenView{}, "OrgList": page[orgView]{}, "OrgCreate": orgIn{},
	"OrgPatch": orgIn{}, "Org": orgView{}, "AccountList": page[accountView]{}, "AccountCreate": accountIn{},
	"AccountPatch": accountIn{}, "Account": accountView{}, "ValidityChange": validityIn{}, "Count": countOut{},
	"Link": linkOut{}, "RoomCreate": roomIn{}, "RoomPatch": roomIn{}, "Room": roomView{},
	"HostList": items[hostView]{}, "HostSet": hostIn{}, "Invitation": invitationView{},
	"Login": loginIn{}, "Reset": resetIn{}, "Signup": signupIn{}, "Confirm": confirmIn{},
	"Accepted": statusOut{}, "PublicRoom": publicRoomOut{}, "Problem": problem.Problem{},
}

var timeType = reflect.TypeOf(time.Time{})

// schemaOf is a JSON Schema for a Go value as encoding/json writes it.
func schemaOf(t reflect.Type) map[string]any {
	if t == timeType {
		return map[string]any{"type": "string", "format": "date-time"}
	}
	switch t.Kind() {
	case reflect.Pointer:
		s := schemaOf(t.Elem())
		return s
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64, reflect.Int32:
		return map[string]any{"type": "integer"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object"}
	case reflect.Struct:
		props := map[string]any{}
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = strings.ToLower(f.Name[:1]) + f.Name[1:]
			}
			props[name] = schemaOf(f.Type)
		}
		return map[string]any{"type": "object", "properties": props}
	}
	return map[string]any{}
}
