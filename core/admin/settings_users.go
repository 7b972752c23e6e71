package admin

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"github.com/conserje/conserje/core/settings"
	"github.com/conserje/conserje/core/store"
)

// ErrLastAdmin refuses to demote or deactivate the last active admin.
var ErrLastAdmin = errors.New("admin: at least one active admin must remain")

type userData struct {
	Users  []store.StaffUser
	Me     int64
	Errors map[string]string
	Form   map[string]string
	// Issued is a password just generated, shown this once.
	Issued, IssuedFor string
	// TTLHours is how long a temporary password works.
	TTLHours int
}

// temporaryState says, for the users list, whether a user still has to choose their
// password and until when the temporary one works ("" when they chose theirs).
func temporaryState(now time.Time, u store.StaffUser) string {
	switch {
	case !u.MustChangePassword:
		return ""
	case u.PasswordIssuedAt == nil:
		return "tiene que elegir su contraseña"
	case temporaryExpired(&u, now):
		return "contraseña temporal vencida: dale una nueva"
	}
	return "contraseña temporal sin cambiar: vence " + u.PasswordIssuedAt.Add(TemporaryPasswordTTL).In(argentina).Format("02/01 15:04")
}

// temporaryPassword is a fresh random password to hand to a new or locked-out user
// (20 characters of an unambiguous alphabet, ~100 bits).
func temporaryPassword() (string, error) {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("admin: crypto/rand: %w", err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b), nil
}

func (h *Handler) userList(c *fiber.Ctx) error {
	return h.renderUsers(c, fiber.StatusOK, userData{})
}

func (h *Handler) renderUsers(c *fiber.Ctx, status int, d userData) error {
	if err := h.db.NewSelect().Model(&d.Users).Order("username").Scan(c.UserContext()); err != nil {
		return fmt.Errorf("admin: list users: %w", err)
	}
	d.Me = currentStaff(c).ID
	d.TTLHours = int(TemporaryPasswordTTL.Hours())
	if d.Form == nil {
		d.Form = map[string]string{"role": "staff"}
	}
	p := page{Title: "Usuarios", Data: d}
	if len(d.Errors) > 0 {
		p.Error = "Revisá los campos marcados."
	}
	return h.render(c, status, "settings_users", p)
}

func (h *Handler) userInvite(c *fiber.Ctx) error {
	form := map[string]string{"username": strings.TrimSpace(c.FormValue("username")), "display_name": strings.TrimSpace(c.FormValue("display_name")), "role": c.FormValue("role")}
	pw, err := temporaryPassword()
	if err != nil {
		return err
	}
	now := h.opts.Now().UTC()
	err = CreateUserTemporary(c.UserContext(), h.db, form["username"], form["display_name"], pw, form["role"], now)
	switch {
	case errors.Is(err, ErrUserExists):
		return h.renderUsers(c, fiber.StatusUnprocessableEntity, userData{Errors: map[string]string{"username": "ya existe"}, Form: form})
	case err != nil && strings.HasPrefix(err.Error(), "username"):
		return h.renderUsers(c, fiber.StatusUnprocessableEntity, userData{Errors: map[string]string{"username": "2 a 32 minúsculas, dígitos, punto, guion"}, Form: form})
	case err != nil && strings.HasPrefix(err.Error(), "role"):
		return h.renderUsers(c, fiber.StatusUnprocessableEntity, userData{Errors: map[string]string{"role": "admin o staff"}, Form: form})
	case err != nil:
		return err
	}
	if err := settings.Record(c.UserContext(), h.db.DB, now, actor(c), "create", "staff_user", form["username"],
		map[string]settings.Change{"role": {To: form["role"]}, "display_name": {To: form["display_name"]}, "must_change_password": {To: true}}); err != nil {
		return err
	}
	// The password is shown in this response only: never in a URL or a log.
	return h.renderUsers(c, fiber.StatusOK, userData{Issued: pw, IssuedFor: form["username"]})
}

// userSave changes a user's role or active flag, keeping one active admin.
func (h *Handler) userSave(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	role, active := c.FormValue("role"), c.FormValue("active") == "on"
	if role != "admin" && role != "staff" {
		return fiber.NewError(fiber.StatusUnprocessableEntity, "role: admin or staff")
	}
	ctx := c.UserContext()
	var username string
	err = h.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var u store.StaffUser
		if err := tx.NewSelect().Model(&u).Where("id = ?", id).Limit(1).Scan(ctx); err != nil {
			return fiber.NewError(fiber.StatusNotFound, "no such user")
		}
		username = u.Username
		if u.Role == "admin" && u.Active && (role != "admin" || !active) {
			n, err := tx.NewSelect().Model((*store.StaffUser)(nil)).Where("role = 'admin' AND active AND id <> ?", id).Count(ctx)
			if err != nil {
				return fmt.Errorf("count admins: %w", err)
			}
			if n == 0 {
				return ErrLastAdmin
			}
		}
		now := h.opts.Now().UTC()
		if _, err := tx.NewUpdate().Model((*store.StaffUser)(nil)).Set("role = ?", role).Set("active = ?", active).
			Set("updated_at = ?", now).Where("id = ?", id).Exec(ctx); err != nil {
			return fmt.Errorf("update user %d: %w", id, err)
		}
		if !active {
			if _, err := tx.NewDelete().Model((*store.StaffSession)(nil)).Where("user_id = ?", id).Exec(ctx); err != nil {
				return fmt.Errorf("end sessions of user %d: %w", id, err)
			}
		}
		return settings.Record(ctx, tx, now, actor(c), "update", "staff_user", u.Username, map[string]settings.Change{
			"role": {From: u.Role, To: role}, "active": {From: u.Active, To: active}})
	})
	if errors.Is(err, ErrLastAdmin) {
		return h.renderUsers(c, fiber.StatusConflict, userData{Errors: map[string]string{"role": "Tiene que quedar al menos un administrador activo."}})
	}
	if err != nil {
		return err
	}
	return redirectWith(c, "/admin/settings/users", "Usuario "+username+" guardado")
}

// userReset gives a user a new temporary password, which they must replace at their next
// login (within TemporaryPasswordTTL), and ends their sessions.
func (h *Handler) userReset(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	var u store.StaffUser
	if err := h.db.NewSelect().Model(&u).Where("id = ?", id).Limit(1).Scan(c.UserContext()); err != nil {
		return fiber.NewError(fiber.StatusNotFound, "no such user")
	}
	pw, err := temporaryPassword()
	if err != nil {
		return err
	}
	now := h.opts.Now().UTC()
	if err := SetTemporaryPassword(c.UserContext(), h.db, u.Username, pw, now); err != nil {
		return err
	}
	if err := settings.Record(c.UserContext(), h.db.DB, now, actor(c), "reset_password", "staff_user", u.Username,
		map[string]settings.Change{"must_change_password": {From: u.MustChangePassword, To: true}}); err != nil {
		return err
	}
	return h.renderUsers(c, fiber.StatusOK, userData{Issued: pw, IssuedFor: u.Username})
}
