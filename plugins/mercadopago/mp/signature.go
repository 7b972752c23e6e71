package mp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Why a notification's x-signature is refused.
var (
	ErrSignatureMissing   = errors.New("x-signature: missing")
	ErrSignatureMalformed = errors.New("x-signature: malformed (ts and v1 are required)")
	ErrSignatureMismatch  = errors.New("x-signature: does not match")
	ErrSignatureStale     = errors.New("x-signature: ts outside the tolerance")
)

// DefaultTolerance is how far ts may be from now, either way: generous, since the GET of
// the payment is the authority and processing is idempotent (providers.md 2.3.6).
const DefaultTolerance = 10 * time.Minute

// msThreshold: a ts at or above it is in milliseconds (13 digits), below it in seconds.
const msThreshold = 1_000_000_000_000

// SignatureInput is what a Mercado Pago webhook signs: the query's data.id, the
// x-request-id header and the ts of x-signature. Empty values are absent.
type SignatureInput struct {
	Header    string // x-signature as received
	DataID    string // data.id of the query
	RequestID string // x-request-id
}

// VerifySignature checks x-signature with secret at now: the manifest
// "id:<data.id>;request-id:<x-request-id>;ts:<ts>;" without the parts whose value is
// absent, HMAC-SHA256 in hex, compared in constant time, an alphanumeric data.id tried
// lowercased first and then as received. ts is read as milliseconds when ≥ 10^12.
func VerifySignature(secret []byte, in SignatureInput, now time.Time, tolerance time.Duration) error {
	if strings.TrimSpace(in.Header) == "" {
		return ErrSignatureMissing
	}
	var ts, v1 string
	for _, part := range strings.Split(in.Header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "ts":
			ts = strings.TrimSpace(v)
		case "v1":
			v1 = strings.TrimSpace(v)
		}
	}
	if ts == "" || v1 == "" || !digits(ts) || len(ts) > 18 {
		return ErrSignatureMalformed
	}
	got, err := hex.DecodeString(v1)
	if err != nil {
		return ErrSignatureMismatch
	}
	ids := []string{strings.ToLower(in.DataID)}
	if ids[0] != in.DataID {
		ids = append(ids, in.DataID)
	}
	match := false
	for _, id := range ids {
		mac := hmac.New(sha256.New, secret)
		mac.Write([]byte(manifest(id, in.RequestID, ts)))
		if hmac.Equal(mac.Sum(nil), got) {
			match = true
		}
	}
	if !match {
		return ErrSignatureMismatch
	}
	n, _ := strconv.ParseInt(ts, 10, 64) // digits, at most 18: fits
	signed := time.Unix(n, 0)
	if n >= msThreshold {
		signed = time.UnixMilli(n)
	}
	if d := now.Sub(signed); d > tolerance || d < -tolerance {
		return ErrSignatureStale
	}
	return nil
}

// manifest is the signed template with every absent part left out (the docs say remove
// it; sdk-go does).
func manifest(id, requestID, ts string) string {
	var b strings.Builder
	if id != "" {
		b.WriteString("id:" + id + ";")
	}
	if requestID != "" {
		b.WriteString("request-id:" + requestID + ";")
	}
	if ts != "" {
		b.WriteString("ts:" + ts + ";")
	}
	return b.String()
}
