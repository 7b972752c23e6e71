package admin

import "github.com/uptrace/bun"

// bunSelect shortens signatures of query-building helpers.
type bunSelect = bun.SelectQuery
