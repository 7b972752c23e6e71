package admin

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/crypto/bcrypt"

	"github.com/conserje/conserje/core/settings"
	"github.com/conserje/conserje/core/store"
)

// accountShow is the logged-in user's own page: change the password (after an invite or
// a reset, the temporary one).
func (h *Handler) accountShow(c *fiber.Ctx) error {
	return h.render(c, fiber.StatusOK, "account", page{Title: "Mi cuenta", Data: map[string]string{}})
}

// accountPassword changes the user's own password after checking the current one; every
// session of the user ends, this one too.
func (h *Handler) accountPassword(c *fiber.Ctx) error {
	me := currentStaff(c)
	current, next, again := c.FormValue("current"), c.FormValue("new"), c.FormValue("again")
	fail := func(field, msg string) error {
		return h.render(c, fiber.StatusUnprocessableEntity, "account", page{Title: "Mi cuenta", Error: "No se cambió la contraseña.",
			Data: map[string]string{field: msg}})
	}
	var u store.StaffUser
	err := h.db.NewSelect().Model(&u).Where("id = ?", me.ID).Limit(1).Scan(c.UserContext())
	if errors.Is(err, sql.ErrNoRows) {
		return fiber.NewError(fiber.StatusNotFound, "no such user")
	}
	if err != nil {
		return fmt.Errorf("admin account: %w", err)
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(current)) != nil {
		return fail("current", "no es tu contraseña actual")
	}
	if next != again {
		return fail("again", "no coincide con la nueva")
	}
	if next == current {
		return fail("new", "tiene que ser distinta de la actual")
	}
	if err := SetPassword(c.UserContext(), h.db, u.Username, next); err != nil {
		if errors.Is(err, ErrUserNotFound) {
			return fiber.NewError(fiber.StatusNotFound, "no such user")
		}
		return fail("new", fmt.Sprintf("al menos %d caracteres", MinPasswordLength))
	}
	if err := settings.Record(c.UserContext(), h.db.DB, h.opts.Now().UTC(), actor(c), "change_password", "staff_user", u.Username, nil); err != nil {
		return err
	}
	c.ClearCookie(sessionCookie)
	return redirectWith(c, "/admin/login", "Contraseña cambiada: ingresá con la nueva")
}
