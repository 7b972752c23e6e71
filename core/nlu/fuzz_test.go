package nlu

import (
	"slices"
	"testing"
	"time"
)

// FuzzParse: any input up to and beyond 4 KiB parses without panicking and with a
// well-formed result. Every step of Parse is linear in the (capped) input, so the work
// is bounded too.
func FuzzParse(f *testing.F) {
	p := defaultParser(f)
	for _, l := range readLabelledF(f, "testdata/dev.jsonl") {
		f.Add(l.Text, int64(0))
	}
	f.Add("del 31/12/2099 al 1/1/2100 para 99 personas", int64(1e9))
	f.Add("😂😂😂 ¿¿¿ 1.2.3.4.5 ::: --- ///", int64(-5e8))
	f.Add(string([]byte{0xff, 0xfe, 'h', 'o', 'l', 'a'}), int64(3))
	base := time.Date(2027, 1, 20, 10, 0, 0, 0, time.UTC)
	labels := p.Intents()
	f.Fuzz(func(t *testing.T, text string, offset int64) {
		ref := base.Add(time.Duration(offset%(3*365*24*3600)) * time.Second)
		r := p.Parse(text, ref)
		if r.Confidence < 0 || r.Confidence > 1 {
			t.Fatalf("confidence %v", r.Confidence)
		}
		if !slices.Contains(labels, r.Intent) && r.Intent != IntentFallback {
			t.Fatalf("unknown intent %q", r.Intent)
		}
		if r.CheckIn != nil && r.CheckOut != nil && !r.CheckOut.After(r.CheckIn.Time) {
			t.Fatalf("check-out %s not after check-in %s", r.CheckOut, r.CheckIn)
		}
		if r.Guests != nil && (*r.Guests < 1 || *r.Guests > 500) {
			t.Fatalf("guests %d", *r.Guests)
		}
		for i := 1; i < len(r.Amenities); i++ {
			if slices.Index(amenityOrder[:], r.Amenities[i-1]) >= slices.Index(amenityOrder[:], r.Amenities[i]) {
				t.Fatalf("amenities out of order: %v", r.Amenities)
			}
		}
		if r.Ambiguous == nil {
			t.Fatal("ambiguous must be [] not null")
		}
	})
}

func readLabelledF(f *testing.F, path string) []Line {
	lines, err := readLinesFile(path)
	if err != nil {
		f.Fatal(err)
	}
	return lines
}
