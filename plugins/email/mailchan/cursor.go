package mailchan

import (
	"fmt"
	"strconv"
	"strings"
)

// cursor is a position in one mailbox: the last UID the core stored under a UIDVALIDITY.
type cursor struct {
	validity uint32
	uid      uint32
}

func (c cursor) String() string {
	return strconv.FormatUint(uint64(c.validity), 10) + ":" + strconv.FormatUint(uint64(c.uid), 10)
}

// parseCursor reads "UIDVALIDITY:UID"; "" is the zero cursor (start from unprocessed mail).
func parseCursor(s string) (cursor, error) {
	if s == "" {
		return cursor{}, nil
	}
	v, u, ok := strings.Cut(s, ":")
	validity, err1 := strconv.ParseUint(v, 10, 32)
	uid, err2 := strconv.ParseUint(u, 10, 32)
	if !ok || err1 != nil || err2 != nil {
		return cursor{}, fmt.Errorf("cursor %q: want UIDVALIDITY:UID", s)
	}
	return cursor{validity: uint32(validity), uid: uint32(uid)}, nil
}
