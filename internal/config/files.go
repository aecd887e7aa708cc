package config

import (
	"fmt"
	"strconv"
	"strings"
)

// Files are the limits on documents shared in meetings.
type Files struct {
	MaxUploadMB   int // per file
	OrgStorageMB  int // per organisation, all its rooms together
	RetentionDays int // documents older than this are deleted; 0 keeps them
}

// DefaultFiles are the limits when nothing is set.
func DefaultFiles() Files { return Files{MaxUploadMB: 50, OrgStorageMB: 2048, RetentionDays: 30} }

var fileOptions = []struct {
	option
	min int
	get func(*Files) *int
}{
	{option{"max-upload-mb", "CONFER_MAX_UPLOAD_MB", "largest document a participant may upload, in MB"}, 1,
		func(f *Files) *int { return &f.MaxUploadMB }},
	{option{"org-storage-mb", "CONFER_ORG_STORAGE_MB", "documents an organisation may keep in all its rooms, in MB"}, 1,
		func(f *Files) *int { return &f.OrgStorageMB }},
	{option{"file-retention-days", "CONFER_FILE_RETENTION_DAYS", "days a room keeps its documents; 0 keeps them until a host deletes them"}, 0,
		func(f *Files) *int { return &f.RetentionDays }},
}

func init() {
	for _, o := range fileOptions {
		options = append(options, o.option)
	}
}

// applyFiles reads the document limits; unset options keep the defaults.
func (c *Config) applyFiles(raw map[string]*string, src func(string) string) error {
	c.Files = DefaultFiles()
	for _, o := range fileOptions {
		p := raw[o.flag]
		if p == nil || strings.TrimSpace(*p) == "" {
			continue
		}
		s := strings.TrimSpace(*p)
		n, err := strconv.Atoi(s)
		if err != nil || n < o.min || n > 1<<20 {
			return fmt.Errorf("%s %q: want a whole number from %d", src(o.flag), s, o.min)
		}
		*o.get(&c.Files) = n
	}
	return nil
}
