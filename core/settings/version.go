package settings

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/uptrace/bun"
)

// KeyVersion is the app_settings row every change rewrites with a new random value. A
// replica that read another value than the one it last saw knows something changed
// (the fallback of the settings broadcast when a pub/sub message was missed).
const KeyVersion = "settings.version"

// BumpVersion writes a new settings version on db (the change's transaction) and returns
// it. Writers outside Service (the CLI) call it after their change, then announce it.
func BumpVersion(ctx context.Context, db bun.IDB, at time.Time) (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("settings version: %w", err)
	}
	// The time first, so a person reading the row sees when the last change was made.
	version := strconv.FormatInt(at.UnixMicro(), 36) + "-" + hex.EncodeToString(b)
	row := appSetting{Key: KeyVersion, Value: version, UpdatedBy: "settings", UpdatedAt: at.UTC().Truncate(time.Microsecond)}
	if _, err := db.NewInsert().Model(&row).On("CONFLICT (key) DO UPDATE").
		Set("value = EXCLUDED.value, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at").Exec(ctx); err != nil {
		return "", fmt.Errorf("save settings version: %w", err)
	}
	return version, nil
}

// Version is the settings version stored now ("" before the first change).
func (s *Service) Version(ctx context.Context) (string, error) {
	return StoredVersion(ctx, s.db.DB)
}

// StoredVersion is the settings version stored in db ("" before the first change).
func StoredVersion(ctx context.Context, db bun.IDB) (string, error) {
	var v string
	err := db.NewSelect().Model((*appSetting)(nil)).Column("value").Where("key = ?", KeyVersion).Limit(1).Scan(ctx, &v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read settings version: %w", err)
	}
	return v, nil
}
