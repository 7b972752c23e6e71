package admin

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/conserje/conserje/core/secret"
	"github.com/conserje/conserje/core/store"
)

// ErrUserExists is returned when creating a staff user whose username is taken.
var ErrUserExists = errors.New("admin: staff user already exists")

// ErrUserNotFound is returned when changing a staff user that does not exist.
var ErrUserNotFound = errors.New("admin: no such staff user")

var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,31}$`)

// MinPasswordLength is the shortest staff password accepted (the rule of core/secret,
// shared with admin.password and the doctor).
const MinPasswordLength = secret.MinPasswordLength

func validCredentials(username, password, role string) error {
	if !usernamePattern.MatchString(username) {
		return fmt.Errorf("username %q: use 2-32 lower-case letters, digits, dot, dash or underscore", username)
	}
	if err := secret.CheckPassword(password); err != nil {
		return fmt.Errorf("password: %w", err)
	}
	if role != "admin" && role != "staff" {
		return fmt.Errorf("role %q: want admin or staff", role)
	}
	return nil
}

// CreateUser adds a staff user who can log into the admin.
func CreateUser(ctx context.Context, db *store.DB, username, displayName, password, role string) error {
	if err := validCredentials(username, password, role); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	_, err = db.NewInsert().Model(&store.StaffUser{
		Username: username, DisplayName: displayName, PasswordHash: string(hash), Role: role, Active: true,
	}).Exec(ctx)
	if errors.Is(store.Classify(err), store.ErrConflict) {
		return fmt.Errorf("create %s: %w", username, ErrUserExists)
	}
	if err != nil {
		return fmt.Errorf("create staff user %s: %w", username, err)
	}
	return nil
}

// SetPassword replaces a staff user's password and ends their open sessions.
func SetPassword(ctx context.Context, db *store.DB, username, password string) error {
	if err := secret.CheckPassword(password); err != nil {
		return fmt.Errorf("password: %w", err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	var user store.StaffUser
	if err := db.NewSelect().Model(&user).Where("username = ?", username).Scan(ctx); errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("set password of %s: %w", username, ErrUserNotFound)
	} else if err != nil {
		return fmt.Errorf("set password of %s: %w", username, err)
	}
	_, err = db.NewUpdate().Model((*store.StaffUser)(nil)).
		Set("password_hash = ?", string(hash)).Set("updated_at = ?", time.Now().UTC()).
		Where("id = ?", user.ID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("set password of %s: %w", username, err)
	}
	if _, err := db.NewDelete().Model((*store.StaffSession)(nil)).Where("user_id = ?", user.ID).Exec(ctx); err != nil {
		return fmt.Errorf("end sessions of %s: %w", username, err)
	}
	return nil
}
