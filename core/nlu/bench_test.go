package nlu

import (
	"strings"
	"testing"
	"time"
)

// typicalMessages are what guests send most: a greeting with a stay, a price question,
// an amenity question.
var typicalMessages = []string{
	"Hola, para 4 del 5 al 8/1",
	"cuanto sale la cabaña el finde largo? somos 2 adultos y 2 chicos",
	"tiene wifi y pileta?",
	"hay lugar este finde para 2?",
	"quiero reservar del 12 al 15 de febrero, somos 3",
	"a que hora es el check in?",
	"holaaa buenas tardes 😀",
	"necesito cambiar la fecha de mi reserva",
}

// BenchmarkParse: go test -bench Parse -benchmem -cpu 1 ./core/nlu (ns/op is per message).
func BenchmarkParse(b *testing.B) {
	p := defaultParser(b)
	ref := time.Date(2026, 11, 28, 10, 0, 0, 0, buenosAires)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.Parse(typicalMessages[i%len(typicalMessages)], ref)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkParseMaxInput: a 4 KiB message, the most Parse ever reads.
func BenchmarkParseMaxInput(b *testing.B) {
	p := defaultParser(b)
	ref := time.Date(2026, 11, 28, 10, 0, 0, 0, buenosAires)
	text := strings.Repeat("hola del 5 al 8/1 para 4 😀 ", 200)[:MaxInputBytes]
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.Parse(text, ref)
	}
}

// BenchmarkTrain: training the classifier from the default dialog's examples.
func BenchmarkTrain(b *testing.B) {
	ex := defaultExamples(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Train(ex, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
