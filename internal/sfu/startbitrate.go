package sfu

import (
	"slices"
	"strconv"
	"strings"
)

// startBitrateKbps is what the publisher's congestion control starts from.
// Chromium otherwise starts at ~300 kbit/s and needs ~10 s to send its
// 720p layer, so a stage tile would show 180p for the first seconds.
const startBitrateKbps = 1500

// withStartBitrate adds x-google-start-bitrate to every VP8 and H.264
// format of the video sections of an answer. Only the copy handed to the
// client changes: Pion's own description stays as negotiated, and other
// clients ignore unknown fmtp parameters.
func withStartBitrate(sdp string) string {
	if strings.Contains(sdp, "x-google-start-bitrate") {
		return sdp
	}
	nl := "\r\n"
	if !strings.Contains(sdp, nl) {
		nl = "\n"
	}
	lines := strings.Split(sdp, nl)
	param := "x-google-start-bitrate=" + strconv.Itoa(startBitrateKbps)
	out := make([]string, 0, len(lines)+4)
	video := false
	var want []string // payload types of this section still without fmtp
	flush := func() {
		// Formats that had no fmtp line get one at the end of the section.
		for _, pt := range want {
			out = append(out, "a=fmtp:"+pt+" "+param)
		}
		want = want[:0]
	}
	for i, l := range lines {
		if strings.HasPrefix(l, "m=") {
			flush()
			video = strings.HasPrefix(l, "m=video")
		}
		if i == len(lines)-1 && l == "" {
			flush()
		}
		if video {
			if rest, ok := strings.CutPrefix(l, "a=rtpmap:"); ok {
				pt, enc, _ := strings.Cut(rest, " ")
				enc = strings.ToUpper(enc)
				if strings.HasPrefix(enc, "VP8/") || strings.HasPrefix(enc, "H264/") {
					want = append(want, pt)
				}
			} else if rest, ok := strings.CutPrefix(l, "a=fmtp:"); ok {
				pt, _, _ := strings.Cut(rest, " ")
				if i := slices.Index(want, pt); i >= 0 {
					want = slices.Delete(want, i, i+1)
					l += ";" + param
				}
			}
		}
		out = append(out, l)
	}
	if len(want) > 0 {
		flush()
	}
	return strings.Join(out, nl)
}
