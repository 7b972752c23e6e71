package settings

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Keys of the settings stored in the database over config.yaml.
const (
	// KeyPaymentPlugin overrides payments.plugin: the payment plugin that takes the seña,
	// "bank_transfer" for the property's alias and CBU.
	KeyPaymentPlugin = "payments.plugin"
)

// BankTransfer is the value of KeyPaymentPlugin that means "no plugin: bank transfer".
const BankTransfer = "bank_transfer"

type appSetting struct {
	bun.BaseModel `bun:"table:app_settings"`

	Key       string    `bun:"key,pk"`
	Value     string    `bun:"value,notnull"`
	UpdatedBy string    `bun:"updated_by,notnull"`
	UpdatedAt time.Time `bun:"updated_at,notnull"`
}

// Value returns the stored value of key, and whether one is stored.
func (s *Service) Value(ctx context.Context, key string) (string, bool, error) {
	var row appSetting
	err := s.db.NewSelect().Model(&row).Where("key = ?", key).Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read setting %s: %w", key, err)
	}
	return row.Value, true, nil
}

// PaymentPlugin is the payment plugin that takes the seña: the stored choice when there
// is one, else fromConfig (payments.plugin). "" means bank transfer.
func (s *Service) PaymentPlugin(ctx context.Context, fromConfig string) (string, error) {
	v, ok, err := s.Value(ctx, KeyPaymentPlugin)
	if err != nil || !ok {
		return fromConfig, err
	}
	if v == BankTransfer {
		return "", nil
	}
	return v, nil
}

// PaymentChoices are the values SetPaymentPlugin accepts.
func (s *Service) PaymentChoices() []string {
	return append([]string{BankTransfer}, s.opts.PaymentPlugins...)
}

// SetPaymentPlugin chooses how guests pay the seña: one of the configured payment
// plugins, or BankTransfer.
func (s *Service) SetPaymentPlugin(ctx context.Context, actor, choice string) error {
	choice = strings.TrimSpace(choice)
	if !contains(s.PaymentChoices(), choice) {
		return &ValidationError{Fields: map[string]string{"payment_plugin": "one of " + strings.Join(s.PaymentChoices(), ", ")}}
	}
	return s.change(ctx, func(ctx context.Context, tx bun.Tx) error {
		now := s.now()
		var old appSetting
		err := tx.NewSelect().Model(&old).Where("key = ?", KeyPaymentPlugin).Limit(1).Scan(ctx)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read setting: %w", err)
		}
		row := appSetting{Key: KeyPaymentPlugin, Value: choice, UpdatedBy: actor, UpdatedAt: now}
		if _, err := tx.NewInsert().Model(&row).On("CONFLICT (key) DO UPDATE").
			Set("value = EXCLUDED.value, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at").Exec(ctx); err != nil {
			return fmt.Errorf("save setting %s: %w", KeyPaymentPlugin, err)
		}
		return Record(ctx, tx, now, actor, "set", "setting", KeyPaymentPlugin, map[string]Change{"value": {From: old.Value, To: choice}})
	})
}
