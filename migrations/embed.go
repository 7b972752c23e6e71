// Package migrations holds the SQL schema of conserje, one folder per dialect
// (postgres/, sqlite/), embedded into the binary. core/store applies them in order.
//
// Files are named NNNN_name.up.sql and NNNN_name.down.sql; both dialects carry the same
// list (a test in core/store checks it).
package migrations

import "embed"

// FS holds postgres/*.sql and sqlite/*.sql.
//
//go:embed postgres/*.sql sqlite/*.sql
var FS embed.FS
