package mp_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/plugins/mercadopago/mp"
)

type signatureCase struct {
	Name           string            `json:"name"`
	Secret         string            `json:"secret"`
	Now            int64             `json:"now"`
	ToleranceS     int64             `json:"tolerance_s"`
	Query          string            `json:"query"`
	Headers        map[string]string `json:"headers"`
	SignedManifest *string           `json:"signed_manifest"`
	Expect         struct {
		Valid  bool   `json:"valid"`
		Reason string `json:"reason"`
	} `json:"expect"`
}

var reasons = map[string]error{
	"missing_header":     mp.ErrSignatureMissing,
	"malformed_header":   mp.ErrSignatureMalformed,
	"signature_mismatch": mp.ErrSignatureMismatch,
	"stale_timestamp":    mp.ErrSignatureStale,
}

// TestSignatureCorpus runs every x-signature case of the protocol corpus.
func TestSignatureCorpus(t *testing.T) {
	t.Parallel()
	var corpus struct {
		Cases []signatureCase `json:"cases"`
	}
	readCorpusJSON(t, "signatures.json", &corpus)
	require.NotEmpty(t, corpus.Cases)
	for _, tc := range corpus.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			q := queryOf(t, tc.Query)
			err := mp.VerifySignature([]byte(tc.Secret), mp.SignatureInput{
				Header:    tc.Headers["x-signature"],
				DataID:    q.Get("data.id"),
				RequestID: tc.Headers["x-request-id"],
			}, time.Unix(tc.Now, 0), time.Duration(tc.ToleranceS)*time.Second)
			if tc.Expect.Valid {
				require.NoError(t, err)
				return
			}
			want, ok := reasons[tc.Expect.Reason]
			require.True(t, ok, "unknown reason %q in the corpus", tc.Expect.Reason)
			require.ErrorIs(t, err, want)
		})
	}
}

// TestSignatureToleranceIsBothWays: a ts just inside the tolerance passes on either side
// of now, just outside fails, in seconds and in milliseconds.
func TestSignatureToleranceIsBothWays(t *testing.T) {
	t.Parallel()
	secret := []byte("s3cret")
	now := time.Unix(1_801_680_120, 0)
	sign := func(ts string) string {
		return "ts=" + ts + ",v1=" + mp.HMACHex(secret, "id:42;ts:"+ts+";")
	}
	cases := []struct {
		name string
		ts   string
		ok   bool
	}{
		{"600 s before", "1801679520", true},
		{"601 s before", "1801679519", false},
		{"600 s after", "1801680720", true},
		{"601 s after", "1801680721", false},
		{"ms, 600 s before", "1801679520000", true},
		{"ms, 600.001 s before", "1801679519999", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := mp.VerifySignature(secret, mp.SignatureInput{Header: sign(tc.ts), DataID: "42"}, now, 10*time.Minute)
			if tc.ok {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, mp.ErrSignatureStale)
			}
		})
	}
}
