package files

import (
	"net/http"
	"path/filepath"
	"strings"
)

// expected maps file name extensions to what their bytes must look like
// (a prefix of http.DetectContentType's answer). A file whose name claims
// one of these but whose content is something else is refused as
// disguised, e.g. an HTML page or a program named report.pdf.
var expected = map[string][]string{
	".pdf":  {"application/pdf"},
	".png":  {"image/png"},
	".jpg":  {"image/jpeg"},
	".jpeg": {"image/jpeg"},
	".gif":  {"image/gif"},
	".webp": {"image/webp"},
	".bmp":  {"image/bmp"},
	".zip":  {"application/zip"},
	".docx": {"application/zip"},
	".xlsx": {"application/zip"},
	".pptx": {"application/zip"},
	".odt":  {"application/zip"},
	".ods":  {"application/zip"},
	".odp":  {"application/zip"},
	".txt":  {"text/plain"},
	".csv":  {"text/plain"},
	".md":   {"text/plain"},
	".mp4":  {"video/mp4"},
	".webm": {"video/webm"},
	".mp3":  {"audio/mpeg"},
	".ogg":  {"application/ogg", "audio/ogg", "video/ogg"},
	".wav":  {"audio/wave"},
	".doc":  {"application/octet-stream"},
	".xls":  {"application/octet-stream"},
	".ppt":  {"application/octet-stream"},
}

// checkType detects the content type from the first bytes and refuses a
// name that lies about them.
func checkType(name string, head []byte) (string, error) {
	detected := http.DetectContentType(head)
	want, known := expected[strings.ToLower(filepath.Ext(name))]
	if !known {
		return detected, nil
	}
	for _, w := range want {
		if strings.HasPrefix(detected, w) {
			return detected, nil
		}
	}
	return "", ErrDisguised
}
