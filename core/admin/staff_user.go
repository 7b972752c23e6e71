package admin

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/uptrace/bun"
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

// TemporaryPasswordTTL is how long a temporary password (invite, reset) lets its user in
// to choose their own; after that an admin issues a new one. Long enough for a weekend,
// short enough that a password read over someone's shoulder does not stay useful.
const TemporaryPasswordTTL = 72 * time.Hour

// CreateUser adds a staff user who can log into the admin with the password the operator
// chose (nothing forces a change).
func CreateUser(ctx context.Context, db *store.DB, username, displayName, password, role string) error {
	return createUser(ctx, db, username, displayName, password, role, nil)
}

// CreateUserTemporary adds a staff user with a temporary password issued at issued: at
// the first login they must choose their own, and the temporary one stops working
// TemporaryPasswordTTL after issued.
func CreateUserTemporary(ctx context.Context, db *store.DB, username, displayName, password, role string, issued time.Time) error {
	issued = issued.UTC()
	return createUser(ctx, db, username, displayName, password, role, &issued)
}

func createUser(ctx context.Context, db *store.DB, username, displayName, password, role string, issued *time.Time) error {
	if err := validCredentials(username, password, role); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	_, err = db.NewInsert().Model(&store.StaffUser{
		Username: username, DisplayName: displayName, PasswordHash: string(hash), Role: role, Active: true,
		MustChangePassword: issued != nil, PasswordIssuedAt: issued,
	}).Exec(ctx)
	if errors.Is(store.Classify(err), store.ErrConflict) {
		return fmt.Errorf("create %s: %w", username, ErrUserExists)
	}
	if err != nil {
		return fmt.Errorf("create staff user %s: %w", username, err)
	}
	return nil
}

// SetPassword replaces a staff user's password with one they (or the operator) chose,
// clears any pending forced change and ends their open sessions.
func SetPassword(ctx context.Context, db *store.DB, username, password string) error {
	return setPassword(ctx, db, username, password, nil)
}

// SetTemporaryPassword replaces a staff user's password with a temporary one issued at
// issued (an admin's or the CLI's reset): they must choose their own at the next login,
// within TemporaryPasswordTTL. Their open sessions end.
func SetTemporaryPassword(ctx context.Context, db *store.DB, username, password string, issued time.Time) error {
	issued = issued.UTC()
	return setPassword(ctx, db, username, password, &issued)
}

func setPassword(ctx context.Context, db *store.DB, username, password string, issued *time.Time) error {
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
	// The new hash, the flag and the end of the sessions go together: a reset must not
	// leave a session open on the old password, nor a chosen password still flagged.
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewUpdate().Model((*store.StaffUser)(nil)).
			Set("password_hash = ?", string(hash)).
			Set("must_change_password = ?", issued != nil).
			Set("password_issued_at = ?", issued).
			Set("updated_at = ?", time.Now().UTC()).
			Where("id = ?", user.ID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("set password of %s: %w", username, err)
		}
		if _, err := tx.NewDelete().Model((*store.StaffSession)(nil)).Where("user_id = ?", user.ID).Exec(ctx); err != nil {
			return fmt.Errorf("end sessions of %s: %w", username, err)
		}
		return nil
	})
	return err
}

// temporaryExpired tells whether u's temporary password (if it has one) is too old to
// log in with.
func temporaryExpired(u *store.StaffUser, now time.Time) bool {
	return u.MustChangePassword && u.PasswordIssuedAt != nil && now.Sub(*u.PasswordIssuedAt) > TemporaryPasswordTTL
}
