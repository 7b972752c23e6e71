package store

import (
	"database/sql/driver"
	"fmt"
	"strings"

	"modernc.org/sqlite"
)

// searchFolds maps the accented letters the search_key columns fold (migration 0014) to
// their base letter. The columns are folded by the database (a PostgreSQL translate, on
// SQLite this very function); this table is the same one, so what staff type folds the same
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

// SearchFoldFunction is the SQL function the SQLite search_key triggers call (migration
// 0014): the folding is SearchFold itself, so the stored keys and what staff type fold by
// one table. A function keeps the triggers small: SQLite compiles a table's triggers into
// every INSERT or UPDATE statement it prepares, and a chain of fifty replace() calls there
// cost each inbound message's conversation upsert about 2 ms.
const SearchFoldFunction = "conserje_search_fold"

func init() {
	// Registered before any connection opens (the function is per connection); an
	// error here means the name is taken, which only a programming error does.
	if err := sqlite.RegisterDeterministicScalarFunction(SearchFoldFunction, 1, searchFoldSQL); err != nil {
		panic(fmt.Sprintf("register %s: %v", SearchFoldFunction, err))
	}
}

// searchFoldSQL folds one text argument; NULL stays NULL.
func searchFoldSQL(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	switch v := args[0].(type) {
	case nil:
		return nil, nil
	case string:
		return SearchFold(v), nil
	case []byte:
		return SearchFold(string(v)), nil
	default:
		return SearchFold(fmt.Sprint(v)), nil
	}
}
