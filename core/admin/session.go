package admin

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/crypto/bcrypt"

	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/web/clientip"
)

const (
	sessionCookie   = "conserje_admin"
	loginCSRFCookie = "conserje_login_csrf"
	staffKey        = "admin.staff"
)

// staff is the logged-in user of a request.
type staff struct {
	ID       int64
	Username string
	Name     string
	Role     string
	csrf     string
	// mustChange: the user is still on a temporary password (see gateTemporary).
	mustChange bool
}

type staffSession struct {
	store.StaffUser `bun:",extend"`
	CSRFToken       string    `bun:"csrf_token"`
	ExpiresAt       time.Time `bun:"expires_at"`
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("admin: crypto/rand: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// hashToken stores only a digest of session tokens, so a database leak does not hand out
// live sessions.
func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

func equalConstantTime(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 && a != ""
}

func (h *Handler) cookie(name, value string, expires time.Time) *fiber.Cookie {
	return &fiber.Cookie{
		Name: name, Value: value, Path: "/admin", Expires: expires,
		HTTPOnly: true, Secure: h.opts.Secure, SameSite: fiber.CookieSameSiteStrictMode,
	}
}

func (h *Handler) loginShow(c *fiber.Ctx) error {
	token, err := randomToken()
	if err != nil {
		return err
	}
	c.Cookie(h.cookie(loginCSRFCookie, token, h.opts.Now().Add(time.Hour)))
	return h.render(c, fiber.StatusOK, "login", page{Title: "Ingresar", CSRF: token})
}

func (h *Handler) loginSubmit(c *fiber.Ctx) error {
	if !equalConstantTime(c.Cookies(loginCSRFCookie), c.FormValue("csrf")) {
		return fiber.NewError(fiber.StatusForbidden, "the form expired: reload the login page and try again")
	}
	ip := clientip.From(c)
	username, password := c.FormValue("username"), c.FormValue("password")
	if ok, wait := h.limits.admit(ip, username); !ok {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(wait.Seconds())+1))
		h.log.WarnContext(c.UserContext(), "admin login refused: too many attempts", "user_hash", usernameDigest(username), "ip", ip)
		return h.loginFailed(c, fiber.StatusTooManyRequests, "Demasiados intentos. Esperá un minuto y probá de nuevo.")
	}
	release, ok := h.limits.hashSlot()
	if !ok {
		c.Set(fiber.HeaderRetryAfter, "2")
		return h.loginFailed(c, fiber.StatusTooManyRequests, "Hay demasiados ingresos a la vez. Probá de nuevo en unos segundos.")
	}
	defer release()
	var user store.StaffUser
	err := h.db.NewSelect().Model(&user).Where("username = ? AND active", username).Scan(c.UserContext())
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("admin login: %w", err)
	}
	hash := user.PasswordHash
	if hash == "" {
		// Compare against a dummy hash so unknown users take as long as wrong passwords.
		hash = "$2a$10$7EqJtq98hPqEX7fNZaFWoOhi5BWX4Z3nVhyT6n4r1Wq3X1cFv5g3a"
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil || user.ID == 0 {
		// The typed username is logged as a digest: people type passwords there.
		h.log.WarnContext(c.UserContext(), "admin login failed", "user_hash", usernameDigest(username), "ip", ip)
		return h.loginFailed(c, fiber.StatusUnauthorized, "Usuario o contraseña incorrectos.")
	}
	// Told only after the right password: the message reveals nothing to a guesser.
	if temporaryExpired(&user, h.opts.Now()) {
		h.log.WarnContext(c.UserContext(), "admin login refused: temporary password expired", "username", user.Username, "ip", ip)
		return h.loginFailed(c, fiber.StatusUnauthorized, expiredMessage)
	}
	if err := h.startSession(c, user.ID); err != nil {
		return err
	}
	h.log.InfoContext(c.UserContext(), "admin login", "username", user.Username, "must_change_password", user.MustChangePassword)
	c.ClearCookie(loginCSRFCookie)
	if user.MustChangePassword {
		return c.Redirect(choosePasswordPath, fiber.StatusSeeOther)
	}
	return c.Redirect("/admin/", fiber.StatusSeeOther)
}

// expiredMessage is what a user whose temporary password is too old reads at the login.
var expiredMessage = fmt.Sprintf("Tu contraseña temporal venció (dura %d horas). Pedile a un administrador que te dé una nueva.", int(TemporaryPasswordTTL.Hours()))

// startSession opens a session for the user and sets its cookie.
func (h *Handler) startSession(c *fiber.Ctx, userID int64) error {
	token, err := randomToken()
	if err != nil {
		return err
	}
	csrf, err := randomToken()
	if err != nil {
		return err
	}
	now := h.opts.Now().UTC()
	expires := now.Add(h.opts.SessionTTL)
	_, err = h.db.NewInsert().Model(&store.StaffSession{
		TokenHash: hashToken(token), UserID: userID, CSRFToken: csrf, ExpiresAt: expires, CreatedAt: now,
	}).Exec(c.UserContext())
	if err != nil {
		return fmt.Errorf("admin login: save session: %w", err)
	}
	_, _ = h.db.NewUpdate().Model((*store.StaffUser)(nil)).Set("last_login_at = ?", now).Where("id = ?", userID).Exec(c.UserContext())
	c.Cookie(h.cookie(sessionCookie, token, expires))
	return nil
}

func (h *Handler) loginFailed(c *fiber.Ctx, status int, msg string) error {
	token, err := randomToken()
	if err != nil {
		return err
	}
	c.Cookie(h.cookie(loginCSRFCookie, token, h.opts.Now().Add(time.Hour)))
	return h.render(c, status, "login", page{Title: "Ingresar", CSRF: token, Error: msg})
}

func (h *Handler) logout(c *fiber.Ctx) error {
	_, err := h.db.NewDelete().Model((*store.StaffSession)(nil)).Where("token_hash = ?", hashToken(c.Cookies(sessionCookie))).Exec(c.UserContext())
	if err != nil {
		return fmt.Errorf("admin logout: %w", err)
	}
	c.ClearCookie(sessionCookie)
	return c.Redirect("/admin/login", fiber.StatusSeeOther)
}

// requireSession loads the staff user of the session cookie, or sends the browser to the
// login page; state-changing requests must also carry the session's CSRF token.
func (h *Handler) requireSession(c *fiber.Ctx) error {
	token := c.Cookies(sessionCookie)
	if token == "" {
		return c.Redirect("/admin/login", fiber.StatusSeeOther)
	}
	var s staffSession
	err := h.db.NewSelect().
		ColumnExpr("u.*, s.csrf_token, s.expires_at").
		TableExpr("staff_sessions AS s").
		Join("JOIN staff_users AS u ON u.id = s.user_id").
		Where("s.token_hash = ? AND u.active", hashToken(token)).
		Scan(c.UserContext(), &s)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !s.ExpiresAt.After(h.opts.Now())) {
		c.ClearCookie(sessionCookie)
		return c.Redirect("/admin/login", fiber.StatusSeeOther)
	}
	if err != nil {
		return fmt.Errorf("admin session: %w", err)
	}
	if c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead {
		sent := c.FormValue("csrf")
		if sent == "" {
			sent = c.Get("X-CSRF-Token")
		}
		if !equalConstantTime(sent, s.CSRFToken) {
			return fiber.NewError(fiber.StatusForbidden, "invalid CSRF token: reload the page and try again")
		}
	}
	c.Locals(staffKey, &staff{ID: s.ID, Username: s.Username, Name: s.DisplayName, Role: s.Role, csrf: s.CSRFToken, mustChange: s.MustChangePassword})
	if s.MustChangePassword {
		return h.gateTemporary(c, &s.StaffUser)
	}
	return c.Next()
}

// gateTemporary lets a user still on a temporary password reach only the page to choose
// their own and the logout: pages redirect there, anything else (forms, the live stream,
// scripts) is refused, so nothing is done in their name with a password someone else saw.
func (h *Handler) gateTemporary(c *fiber.Ctx, u *store.StaffUser) error {
	if temporaryExpired(u, h.opts.Now()) {
		// A session opened in time does not outlive the temporary password either.
		if _, err := h.db.NewDelete().Model((*store.StaffSession)(nil)).Where("user_id = ?", u.ID).Exec(c.UserContext()); err != nil {
			return fmt.Errorf("admin session: end expired temporary session: %w", err)
		}
		c.ClearCookie(sessionCookie)
		return redirectWith(c, "/admin/login", expiredMessage)
	}
	path := c.Path()
	if path == choosePasswordPath || (path == "/admin/logout" && c.Method() == fiber.MethodPost) {
		return c.Next()
	}
	if (c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead) && path != "/admin/live" {
		return c.Redirect(choosePasswordPath, fiber.StatusSeeOther)
	}
	return fiber.NewError(fiber.StatusForbidden, "choose your own password first (the temporary one only opens "+choosePasswordPath+")")
}

// MustChange tells the templates the user is still on a temporary password: the menu and
// the live stream are left out, as the server refuses them.
func (s *staff) MustChange() bool { return s.mustChange }

func currentStaff(c *fiber.Ctx) *staff {
	s, _ := c.Locals(staffKey).(*staff)
	if s == nil {
		return &staff{Username: "unknown"}
	}
	return s
}
