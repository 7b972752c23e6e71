package admin

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/crypto/bcrypt"

	"github.com/conserje/conserje/core/secret"
	"github.com/conserje/conserje/core/settings"
	"github.com/conserje/conserje/core/store"
)

// choosePasswordPath is the one page a user on a temporary password can open ("Elegí tu
// contraseña"); requireSession sends them there from everywhere else.
const choosePasswordPath = "/admin/password"

// choosePasswordShow asks a user logged in with a temporary password for their own.
func (h *Handler) choosePasswordShow(c *fiber.Ctx) error {
	if !currentStaff(c).mustChange {
		// Someone who already chose theirs changes it from "Mi cuenta", with the current one.
		return c.Redirect("/admin/account", fiber.StatusSeeOther)
	}
	return h.renderChoosePassword(c, fiber.StatusOK, "", "")
}

type choosePasswordData struct {
	Errors map[string]string
	Min    int
}

func (h *Handler) renderChoosePassword(c *fiber.Ctx, status int, field, msg string) error {
	d := choosePasswordData{Errors: map[string]string{}, Min: MinPasswordLength}
	p := page{Title: "Elegí tu contraseña", Data: d}
	if field != "" {
		p.Error = "No se cambió la contraseña."
		d.Errors[field] = msg
	}
	return h.render(c, status, "password_choose", p)
}

// choosePasswordSubmit sets the password the user chose instead of the temporary one: it
// follows core/secret's rule and differs from the temporary one. The temporary sessions
// end and this browser gets a fresh one, so the user lands on the home page.
func (h *Handler) choosePasswordSubmit(c *fiber.Ctx) error {
	me := currentStaff(c)
	if !me.mustChange {
		return c.Redirect("/admin/account", fiber.StatusSeeOther)
	}
	next, again := c.FormValue("new"), c.FormValue("again")
	var u store.StaffUser
	err := h.db.NewSelect().Model(&u).Where("id = ?", me.ID).Limit(1).Scan(c.UserContext())
	if errors.Is(err, sql.ErrNoRows) {
		return fiber.NewError(fiber.StatusNotFound, "no such user")
	}
	if err != nil {
		return fmt.Errorf("admin choose password: %w", err)
	}
	if err := secret.CheckPassword(next); err != nil {
		return h.renderChoosePassword(c, fiber.StatusUnprocessableEntity, "new", fmt.Sprintf("al menos %d caracteres", MinPasswordLength))
	}
	if next != again {
		return h.renderChoosePassword(c, fiber.StatusUnprocessableEntity, "again", "no coincide con la nueva")
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(next)) == nil {
		return h.renderChoosePassword(c, fiber.StatusUnprocessableEntity, "new", "tiene que ser distinta de la temporal que te dieron")
	}
	if err := SetPassword(c.UserContext(), h.db, u.Username, next); err != nil {
		if errors.Is(err, ErrUserNotFound) {
			return fiber.NewError(fiber.StatusNotFound, "no such user")
		}
		return err
	}
	// Who and when; never the password.
	if err := settings.Record(c.UserContext(), h.db.DB, h.opts.Now().UTC(), actor(c), "change_password", "staff_user", u.Username,
		map[string]settings.Change{"must_change_password": {From: true, To: false}}); err != nil {
		return err
	}
	h.log.InfoContext(c.UserContext(), "admin user chose their password", "username", u.Username)
	if err := h.startSession(c, u.ID); err != nil {
		return err
	}
	return redirectWith(c, "/admin/", "Listo: desde ahora entrás con tu contraseña")
}
