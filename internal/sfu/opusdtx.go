package sfu

import "strings"

// withOpusDTX adds usedtx=1 to the Opus formats of an answer to a
// publisher: the browser then sends a packet every 400 ms or so while its
// microphone hears silence, instead of 50 a second. In a big meeting most
// microphones are open and silent, so this saves the uplink of people on
// phones and hospital networks, and the server's receive work for streams
// top-N audio would not forward anyway. Pion's answer repeats the offer's
// Opus parameters, so the preference is added here.
func withOpusDTX(sdp string) string {
	nl := "\r\n"
	if !strings.Contains(sdp, nl) {
		nl = "\n"
	}
	lines := strings.Split(sdp, nl)
	opus := map[string]bool{} // payload type → has an fmtp line
	for _, l := range lines {
		if rest, ok := strings.CutPrefix(l, "a=rtpmap:"); ok {
			pt, enc, _ := strings.Cut(rest, " ")
			if strings.HasPrefix(strings.ToLower(enc), "opus/") {
				opus[pt] = false
			}
		}
	}
	if len(opus) == 0 {
		return sdp
	}
	for _, l := range lines {
		if rest, ok := strings.CutPrefix(l, "a=fmtp:"); ok {
			pt, _, _ := strings.Cut(rest, " ")
			if _, ok := opus[pt]; ok {
				opus[pt] = true
			}
		}
	}
	out := make([]string, 0, len(lines)+len(opus))
	for _, l := range lines {
		if rest, ok := strings.CutPrefix(l, "a=fmtp:"); ok {
			pt, params, _ := strings.Cut(rest, " ")
			if _, ok := opus[pt]; ok && !strings.Contains(params, "usedtx=") {
				l += ";usedtx=1"
			}
		}
		out = append(out, l)
		if rest, ok := strings.CutPrefix(l, "a=rtpmap:"); ok {
			pt, _, _ := strings.Cut(rest, " ")
			if has, ok := opus[pt]; ok && !has {
				out = append(out, "a=fmtp:"+pt+" usedtx=1")
			}
		}
	}
	return strings.Join(out, nl)
}
