package mp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// HMACHex signs a manifest as Mercado Pago does (tests build their own notifications).
func HMACHex(secret []byte, manifest string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(manifest))
	return hex.EncodeToString(m.Sum(nil))
}
