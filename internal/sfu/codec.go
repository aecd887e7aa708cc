package sfu

// pktInfo is what the forwarding path needs to know about one packet's
// payload. The receiver parses each packet once; every downTrack reuses it.
type pktInfo struct {
	key bool // first packet of a keyframe: a layer switch may start here
	// VP8 payload descriptor fields that the munger rewrites per
	// subscriber. Offsets are into the payload; -1 when absent.
	picOff   int
	pic16    bool // 15-bit PictureID (M bit); 7-bit otherwise
	picID    uint16
	tl0Off   int
	tl0      uint8
	width    uint16 // keyframe dimensions, when known
	height   uint16
	hasAudio bool // the audio level extension was present
	level    uint8
}

// parseVP8 reads the VP8 payload descriptor (RFC 7741 §4.2). A keyframe
// starts where S=1, PID=0 and the first VP8 header byte has bit 0 clear.
func parseVP8(p []byte, pi *pktInfo) {
	pi.picOff, pi.tl0Off = -1, -1
	if len(p) < 1 {
		return
	}
	i := 1
	if p[0]&0x80 != 0 { // X: extension byte follows
		if len(p) < 2 {
			return
		}
		x := p[1]
		i = 2
		if x&0x80 != 0 { // I: PictureID
			if len(p) <= i {
				return
			}
			pi.picOff = i
			if p[i]&0x80 != 0 {
				if len(p) <= i+1 {
					pi.picOff = -1
					return
				}
				pi.pic16 = true
				pi.picID = uint16(p[i]&0x7f)<<8 | uint16(p[i+1])
				i += 2
			} else {
				pi.picID = uint16(p[i])
				i++
			}
		}
		if x&0x40 != 0 { // L: TL0PICIDX
			if len(p) <= i {
				return
			}
			pi.tl0Off = i
			pi.tl0 = p[i]
			i++
		}
		if x&0x30 != 0 { // T or K: TID/Y/KEYIDX byte
			i++
		}
	}
	if len(p) <= i {
		return
	}
	start := p[0]&0x10 != 0 && p[0]&0x0f == 0
	if start && p[i]&0x01 == 0 {
		pi.key = true
		// Frame tag (3 bytes), start code 9d 01 2a, then 14-bit width and
		// height, little-endian.
		f := p[i:]
		if len(f) >= 10 && f[3] == 0x9d && f[4] == 0x01 && f[5] == 0x2a {
			pi.width = (uint16(f[6]) | uint16(f[7])<<8) & 0x3fff
			pi.height = (uint16(f[8]) | uint16(f[9])<<8) & 0x3fff
		}
	}
}

// isH264Keyframe reports whether an H.264 packet carries an IDR slice or
// SPS (single NAL, STAP-A or the first fragment of a FU-A).
func isH264Keyframe(p []byte) bool {
	if len(p) < 1 {
		return false
	}
	switch n := p[0] & 0x1f; n {
	case 5, 7:
		return true
	case 24: // STAP-A
		for i := 1; i+2 < len(p); {
			size := int(p[i])<<8 | int(p[i+1])
			if i+2 < len(p) {
				if t := p[i+2] & 0x1f; t == 5 || t == 7 {
					return true
				}
			}
			i += 2 + size
		}
	case 28: // FU-A
		return len(p) > 1 && p[1]&0x80 != 0 && (p[1]&0x1f == 5 || p[1]&0x1f == 7)
	}
	return false
}
