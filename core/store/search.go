package store

import "strings"

// searchFolds maps the accented letters the search_key columns fold (migration 0014) to
// their base letter. The columns are folded by the database (a PostgreSQL translate, a
// chain of SQLite replaces); this table is the same one, so what staff type folds the same
// way. Letters outside it and ASCII are kept as they are, upper-case ones included.
var searchFolds = strings.NewReplacer(
	"á", "a", "à", "a", "â", "a", "ä", "a", "ã", "a", "å", "a", "Á", "a", "À", "a", "Â", "a", "Ä", "a", "Ã", "a", "Å", "a",
	"é", "e", "è", "e", "ê", "e", "ë", "e", "É", "e", "È", "e", "Ê", "e", "Ë", "e",
	"í", "i", "ì", "i", "î", "i", "ï", "i", "Í", "i", "Ì", "i", "Î", "i", "Ï", "i",
	"ó", "o", "ò", "o", "ô", "o", "ö", "o", "õ", "o", "Ó", "o", "Ò", "o", "Ô", "o", "Ö", "o", "Õ", "o",
	"ú", "u", "ù", "u", "û", "u", "ü", "u", "Ú", "u", "Ù", "u", "Û", "u", "Ü", "u",
	"ñ", "n", "Ñ", "n", "ç", "c", "Ç", "c",
)

// SearchFold is s as the search_key columns hold text: ASCII lower-cased, Spanish and
// Portuguese accents folded ("Agustína" → "agustina").
func SearchFold(s string) string {
	lower := []byte(searchFolds.Replace(s))
	for i, c := range lower {
		if 'A' <= c && c <= 'Z' {
			lower[i] = c + ('a' - 'A')
		}
	}
	return string(lower)
}
