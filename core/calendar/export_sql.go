package calendar

import "database/sql"

var errNoRows = sql.ErrNoRows
