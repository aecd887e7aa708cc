package signal

import "crypto/subtle"

// checkPIN compares a room PIN and returns an error code and message, or
// "" when it is right. Only wrong PINs use up attempts, per address and
// per room, so that guessing stops while the right PIN keeps working
// for everyone else.
func (s *Server) checkPIN(addr, room, given, want string) (code, msg string) {
	addrKey := addr + "|" + room
	if s.opts.PINLimiter.Exhausted(addrKey) || s.opts.RoomPINLimiter.Exhausted(room) {
		return CodeTooManyAttempts, "too many attempts; wait a minute"
	}
	if subtle.ConstantTimeCompare([]byte(given), []byte(want)) == 1 {
		return "", ""
	}
	s.opts.PINLimiter.Allow(addrKey)
	s.opts.RoomPINLimiter.Allow(room)
	return CodeWrongPIN, "wrong PIN"
}
