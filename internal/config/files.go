package config

import (
	"fmt"
	"strconv"
	"strings"
)

// Files are the limits on documents shared in meetings, read from the
// environment only (the serve flags are fixed by config.go):
//
//	CONFER_MAX_UPLOAD_MB        per file, default 50
//	CONFER_ORG_STORAGE_MB       per organisation, all rooms, default 2048
//	CONFER_FILE_RETENTION_DAYS  documents older than this are deleted, default 30; 0 keeps them
type Files struct {
	MaxUploadMB   int
	OrgStorageMB  int
	RetentionDays int
}

// DefaultFiles are the limits when nothing is set.
func DefaultFiles() Files { return Files{MaxUploadMB: 50, OrgStorageMB: 2048, RetentionDays: 30} }

// FilesFromEnv reads the document limits.
func FilesFromEnv(getenv func(string) string) (Files, error) {
	f := DefaultFiles()
	for _, v := range []struct {
		env string
		dst *int
		min int
	}{
		{"CONFER_MAX_UPLOAD_MB", &f.MaxUploadMB, 1},
		{"CONFER_ORG_STORAGE_MB", &f.OrgStorageMB, 1},
		{"CONFER_FILE_RETENTION_DAYS", &f.RetentionDays, 0},
	} {
		s := strings.TrimSpace(getenv(v.env))
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < v.min || n > 1<<20 {
			return Files{}, fmt.Errorf("%s %q: want a whole number from %d", v.env, s, v.min)
		}
		*v.dst = n
	}
	return f, nil
}
