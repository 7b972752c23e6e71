package doctor

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/crypto/bcrypt"

	"github.com/conserje/conserje/core/app"
	"github.com/conserje/conserje/core/calendar"
	"github.com/conserje/conserje/core/pluginhost"
	"github.com/conserje/conserje/core/secret"
	"github.com/conserje/conserje/core/store"
)

// redis checks the configured Redis: reachable with the URL's password, version 7 or newer.
func (d *doctor) redis(ctx context.Context) Line {
	l := Line{Title: "redis"}
	if d.cfg.Redis.URL == "" {
		l.OK = true
		l.Detail = "not configured: locks and turn order in process (one `serve` only)"
		return l
	}
	opts, err := redis.ParseURL(d.cfg.Redis.URL)
	if err != nil {
		l.Detail, l.Fix = fmt.Sprintf("redis.url: %v", err), "set CONSERJE_REDIS_URL to redis://:PASSWORD@host:6379/0"
		return l
	}
	opts.MaxRetries = 0
	client := redis.NewClient(opts)
	defer client.Close()
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	info, err := client.Info(cctx, "server").Result()
	if err != nil {
		l.Detail = fmt.Sprintf("%s: %v", opts.Addr, err)
		msg := strings.ToLower(err.Error())
		switch {
		case strings.Contains(msg, "noauth") || strings.Contains(msg, "wrongpass") || strings.Contains(msg, "auth"):
			l.Fix = "the password in CONSERJE_REDIS_URL (redis://:PASSWORD@...) must be Redis's requirepass (REDIS_PASSWORD in .env)"
		default:
			l.Fix = "start Redis (`docker compose ps cache`, or `systemctl status redis-server`) and check the host and port in CONSERJE_REDIS_URL"
		}
		return l
	}
	version := ""
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "redis_version:"); ok {
			version = v
		}
	}
	major, _ := strconv.Atoi(strings.SplitN(version, ".", 2)[0])
	if major < 7 {
		l.Detail = fmt.Sprintf("Redis %s at %s; conserje needs 7 or newer", version, opts.Addr)
		l.Fix = "run Redis 7 (compose.yaml: redis:7)"
		return l
	}
	if opts.Password == "" {
		l.Detail = fmt.Sprintf("Redis %s at %s answers without a password", version, opts.Addr)
		l.Fix = "set requirepass (REDIS_PASSWORD in .env with compose.yaml) and put it in CONSERJE_REDIS_URL"
		return l
	}
	l.OK = true
	l.Detail = fmt.Sprintf("Redis %s at %s, password required", version, opts.Addr)
	return l
}

// plugins starts every configured plugin once, outside supervision, the way `conserje
// plugins check` does: checksum, handshake, kind, settings against its schema, Configure.
func (d *doctor) plugins(ctx context.Context) []Line {
	if len(d.cfg.Plugins) == 0 {
		return []Line{{OK: true, Title: "plugins", Detail: "none configured"}}
	}
	var out []Line
	for i, spec := range app.PluginSpecs(d.cfg) {
		l := Line{Title: "plugin " + spec.Name}
		pctx, cancel := context.WithTimeout(ctx, d.opts.PluginTimeout)
		in, err := pluginhost.Inspect(pctx, spec, d.opts.Logger, d.opts.PluginTimeout)
		cancel()
		if err != nil {
			l.Detail = err.Error()
			l.Fix = fmt.Sprintf("check plugins[%d] (path %s, sha256, settings and their CONSERJE_PLUGINS_%d_SETTINGS_* secrets); `conserje plugins check %s -v` shows the plugin's own logs", i, spec.Path, i, spec.Name)
		} else {
			l.OK = true
			l.Detail = fmt.Sprintf("%s %s (%s): starts and accepts its settings", in.Description.Name, in.Description.Version, in.Description.Kind)
		}
		out = append(out, l)
	}
	return out
}

// publicHealth is what the running conserje answered on http.public_url + /healthz.
type publicHealth struct {
	Status  string                     `json:"status"`
	Version string                     `json:"version"`
	Checks  map[string]json.RawMessage `json:"checks"`
}

// publicBase returns http.public_url when it is an https URL the world can reach.
func (d *doctor) publicBase() (*url.URL, string) {
	u, err := url.Parse(d.cfg.HTTP.PublicURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Sprintf("http.public_url %q is not an absolute URL", d.cfg.HTTP.PublicURL)
	}
	if u.Scheme != "https" {
		return nil, fmt.Sprintf("http.public_url is %s: guests, Meta and Mercado Pago need https", d.cfg.HTTP.PublicURL)
	}
	host := u.Hostname()
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return nil, fmt.Sprintf("http.public_url is %s, which only this machine reaches", d.cfg.HTTP.PublicURL)
	}
	if ip := net.ParseIP(host); ip != nil && (ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified()) {
		return nil, fmt.Sprintf("http.public_url is %s, a private address", d.cfg.HTTP.PublicURL)
	}
	return u, ""
}

const publicURLFix = "set CONSERJE_HTTP_PUBLIC_URL to https://your.domain (compose.yaml builds it from CONSERJE_DOMAIN)"

// publicHealth asks /healthz through the public URL: DNS, the firewall, Caddy and its
// certificate, and conserje behind it, as a guest's browser or a webhook would.
func (d *doctor) publicHealth(ctx context.Context) (*publicHealth, Line) {
	l := Line{Title: "public URL"}
	base, problem := d.publicBase()
	if base == nil {
		l.Detail, l.Fix = problem, publicURLFix
		return nil, l
	}
	target := base.JoinPath("healthz").String()
	body, status, err := d.get(ctx, target, d.cfg.API.Token)
	if err != nil {
		l.Detail = fmt.Sprintf("GET %s: %v", target, err)
		l.Fix = "check that DNS points at this server, ports 80 and 443 are open (deploy/ufw.sh), Caddy runs and got its certificate (`docker compose logs caddy`)"
		return nil, l
	}
	var h publicHealth
	if jerr := json.Unmarshal(body, &h); jerr != nil || h.Status == "" {
		l.Detail = fmt.Sprintf("GET %s: %d, and not conserje's health report", target, status)
		l.Fix = "check that Caddy (deploy/Caddyfile) proxies this domain to conserje"
		return nil, l
	}
	if status != http.StatusOK || h.Status != "ok" {
		l.Detail = fmt.Sprintf("GET %s: %d %s: %s", target, status, h.Status, downChecks(h))
		l.Fix = "fix what /healthz reports down (database, Redis), then check again"
		return &h, l
	}
	l.OK = true
	l.Detail = fmt.Sprintf("%s answers 200 over HTTPS (conserje %s)", target, h.Version)
	return &h, l
}

func downChecks(h publicHealth) string {
	var down []string
	for name, raw := range h.Checks {
		var c struct {
			Status string `json:"status"`
			Error  string `json:"error"`
		}
		if json.Unmarshal(raw, &c) == nil && c.Status == "down" {
			down = append(down, name+" down ("+c.Error+")")
		}
	}
	sort.Strings(down)
	if len(down) == 0 {
		return "no check named"
	}
	return strings.Join(down, "; ")
}

// clientAddresses checks that conserje can tell guests apart behind the TLS proxy: with
// an https public URL something in front terminates TLS, and unless conserje trusts its
// X-Forwarded-For, every request comes from the proxy, so per-address limits and fail2ban
// (deploy/host.md) would hit every guest at once.
func (d *doctor) clientAddresses() Line {
	l := Line{Title: "client addresses"}
	if len(d.cfg.HTTP.TrustedProxies) == 0 {
		l.Detail = "http.trusted_proxies is empty: behind Caddy every request seems to come from Caddy, so the login and chat limits, the logs and fail2ban see one client"
		l.Fix = "set CONSERJE_HTTP_TRUSTED_PROXIES to the proxy's address (compose.yaml: 172.30.80.10; Caddy on the same host: 127.0.0.1,::1)"
		return l
	}
	l.OK = true
	l.Detail = "X-Forwarded-For trusted from " + strings.Join(d.cfg.HTTP.TrustedProxies, ", ")
	return l
}

// runningPlugins reads the plugins' state from the running conserje's /healthz.
func (d *doctor) runningPlugins(h *publicHealth) []Line {
	if h == nil || len(d.cfg.Plugins) == 0 {
		return nil
	}
	var states map[string]pluginhost.PluginStatus
	if raw, ok := h.Checks["plugins"]; !ok || json.Unmarshal(raw, &states) != nil {
		if d.cfg.API.Token == "" {
			return []Line{{Title: "plugins in the running conserje", Detail: "/healthz shows them only to the API token, and api.token is not set here",
				Fix: "run the doctor with the running conserje's CONSERJE_API_TOKEN"}}
		}
		return []Line{{Title: "plugins in the running conserje", Detail: "/healthz does not list them to this API token",
			Fix: "the running conserje is older than this binary, not the one behind the public URL, or has another api.token: deploy this release with the same CONSERJE_API_TOKEN"}}
	}
	var out []Line
	for _, p := range d.cfg.Plugins {
		l := Line{Title: "plugin " + p.Name + " in the running conserje"}
		st, ok := states[p.Name]
		switch {
		case !ok:
			l.Detail = "not running"
			l.Fix = "restart conserje after changing the plugins list (`docker compose up -d conserje`, or `systemctl restart conserje`)"
		case st.State != pluginhost.StateUp || !st.Healthy:
			l.Detail = fmt.Sprintf("%s, healthy=%t, %d restarts: %s", st.State, st.Healthy, st.Restarts, st.LastError)
			l.Fix = "read the plugin's lines in conserje's log (`journalctl -u conserje -g " + p.Name + "`, or `docker compose logs conserje`)"
		default:
			l.OK = true
			l.Detail = fmt.Sprintf("up since %s, %d restarts", st.Since.UTC().Format(time.RFC3339), st.Restarts)
		}
		out = append(out, l)
	}
	return out
}

// webhooks derives the URLs to paste into Meta's and Mercado Pago's dashboards, and tries
// Meta's verification handshake through the public URL.
func (d *doctor) webhooks(ctx context.Context) []Line {
	var out []Line
	for i, p := range d.cfg.Plugins {
		switch p.Name {
		case "whatsapp":
			out = append(out, d.whatsapp(ctx, i))
		case "mercadopago":
			out = append(out, d.mercadopago(i))
		}
	}
	return out
}

func settingString(settings map[string]any, key string) string {
	s, _ := settings[key].(string)
	return s
}

func (d *doctor) whatsapp(ctx context.Context, i int) Line {
	l := Line{Title: "WhatsApp webhook"}
	base, problem := d.publicBase()
	if base == nil {
		l.Detail, l.Fix = problem, publicURLFix
		return l
	}
	callback := base.JoinPath("webhooks", "whatsapp").String()
	token := settingString(d.cfg.Plugins[i].Settings, "verify_token")
	if token == "" {
		l.Detail = "no verify token configured"
		l.Fix = fmt.Sprintf("set CONSERJE_PLUGINS_%d_SETTINGS_VERIFY_TOKEN to a random string (openssl rand -hex 16) and restart conserje", i)
		return l
	}
	challenge := randomHex(8)
	q := url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {token}, "hub.challenge": {challenge}}
	body, status, err := d.get(ctx, callback+"?"+q.Encode(), "")
	switch {
	case err != nil:
		l.Detail = fmt.Sprintf("the verify handshake on %s failed: %v", callback, err)
		l.Fix = "fix the public URL first (see above)"
	case status != http.StatusOK || string(body) != challenge:
		l.Detail = fmt.Sprintf("the verify handshake on %s answered %d instead of echoing the challenge", callback, status)
		l.Fix = "check that the whatsapp plugin is up in the running conserje and was started with this verify token (restart conserje after changing it)"
	default:
		l.OK = true
		l.Detail = "Meta's verify handshake passes through the public URL; paste in Meta's App Dashboard, WhatsApp > Configuration:"
		l.Paste = []string{
			"Callback URL:  " + callback,
			fmt.Sprintf("Verify token:  the value of CONSERJE_PLUGINS_%d_SETTINGS_VERIFY_TOKEN (plugins[%d].settings.verify_token)", i, i),
			"Webhook fields: messages",
		}
	}
	return l
}

func (d *doctor) mercadopago(i int) Line {
	l := Line{Title: "Mercado Pago notifications"}
	base, problem := d.publicBase()
	if base == nil {
		l.Detail, l.Fix = problem, publicURLFix
		return l
	}
	u := base.JoinPath("webhooks", "mercadopago")
	u.RawQuery = "source_news=webhooks"
	if settingString(d.cfg.Plugins[i].Settings, "webhook_secret") == "" {
		l.Detail = "no webhook secret configured: notifications cannot be verified"
		l.Fix = fmt.Sprintf("copy the secret from Mercado Pago, Your integrations > Webhooks, into CONSERJE_PLUGINS_%d_SETTINGS_WEBHOOK_SECRET and restart conserje", i)
		return l
	}
	if d.cfg.Payments.Plugin != "mercadopago" {
		l.Detail = "the plugin is configured but payments.plugin is not mercadopago: guests are offered the bank transfer only"
		l.Fix = "set CONSERJE_PAYMENTS_PLUGIN=mercadopago"
		return l
	}
	l.OK = true
	l.Detail = "paste in Mercado Pago, Your integrations > Webhooks (event: Payments):"
	l.Paste = []string{"Notification URL:  " + u.String()}
	return l
}

// icalExports lists the export URL of every unit for every portal.
func (d *doctor) icalExports(ctx context.Context, db *store.DB) Line {
	l := Line{Title: "iCal export URLs"}
	salt, err := d.icsSalt()
	if err != nil {
		l.Detail, l.Fix = err.Error(), "set CONSERJE_ICS_SALT once (openssl rand -hex 24) and never change it"
		return l
	}
	exp, err := calendar.NewExporter(db, salt, calendar.ExportOptions{})
	if err != nil {
		l.Detail, l.Fix = err.Error(), "set CONSERJE_ICS_SALT to at least 16 random characters"
		return l
	}
	urls, err := exp.URLs(ctx, d.cfg.HTTP.PublicURL)
	if err != nil {
		l.Detail, l.Fix = err.Error(), "check the database (see above)"
		return l
	}
	if len(urls) == 0 {
		l.Detail = "no active unit"
		l.Fix = "create the property and its units in /admin (or `conserje seed demo` to try it out)"
		return l
	}
	l.OK = true
	l.Detail = fmt.Sprintf("%d units × %d portals; paste each into that portal's calendar import (the same list: `conserje calendar export-urls`):", len(urls)/len(calendar.ExportPortals()), len(calendar.ExportPortals()))
	for _, u := range urls {
		l.Paste = append(l.Paste, fmt.Sprintf("%-12s %-24s %s", u.Portal, u.UnitName, u.URL))
	}
	return l
}

// icsSalt is the salt conserje uses, read without generating one (app.ICSSalt would).
func (d *doctor) icsSalt() (string, error) {
	if d.cfg.ICSSalt != "" {
		return d.cfg.ICSSalt, nil
	}
	if _, ok := sqlitePath(d.cfg.Database.URL); !ok {
		return "", errors.New("ics_salt is not set; it is required with PostgreSQL")
	}
	path := filepath.Join(app.DataDir(d.cfg), "ics_salt")
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("ics_salt is not set and %s cannot be read (conserje writes it at its first start): %w", path, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// weakPasswords are passwords an attacker tries first on /admin; the username is added.
var weakPasswords = []string{"admin", "demo", "conserje", "password", "changeme", "123456", "12345678", "admin123", "secret", "reservas"}

// admin checks that an active admin exists and that no active staff user's password is
// one an attacker tries first.
func (d *doctor) admin(ctx context.Context, db *store.DB) Line {
	l := Line{Title: "admin password"}
	var users []store.StaffUser
	if err := db.NewSelect().Model(&users).Where("active").Order("id").Scan(ctx); err != nil {
		l.Detail, l.Fix = err.Error(), "check the database (see above)"
		return l
	}
	admins := 0
	var weak []string
	for _, u := range users {
		if u.Role == "admin" {
			admins++
		}
		for _, p := range append([]string{u.Username}, weakPasswords...) {
			if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(p)) == nil {
				weak = append(weak, u.Username)
				break
			}
		}
	}
	switch {
	case admins == 0:
		l.Detail = "no active admin user"
		l.Fix = "create one: `conserje admin add-user NAME --role admin` (or `conserje seed demo` with CONSERJE_ADMIN_PASSWORD set)"
	case len(weak) > 0:
		l.Detail = "a well-known password opens the account of: " + strings.Join(weak, ", ")
		l.Fix = "replace it: `conserje admin set-password NAME` (a random one is generated and printed once)"
	case d.cfg.Admin.Password != "" && secret.CheckPassword(d.cfg.Admin.Password) != nil:
		l.Detail = fmt.Sprintf("admin.password (CONSERJE_ADMIN_PASSWORD) has %d characters", len(d.cfg.Admin.Password))
		l.Fix = fmt.Sprintf("use at least %d random characters (openssl rand -base64 12), then `conserje seed demo` applies it", secret.MinPasswordLength)
	default:
		l.OK = true
		l.Detail = fmt.Sprintf("%d active staff users, none with a well-known password", len(users))
	}
	return l
}

// backupPatterns are the files deploy/backup.sh writes.
var backupPatterns = []string{"conserje-sqlite-*.tar.gz", "conserje-postgres-*.dump"}

// backups finds the newest backup deploy/backup.sh wrote and checks its age.
func (d *doctor) backups() Line {
	l := Line{Title: "backups"}
	const fix = "enable the daily backup: `systemctl enable --now conserje-backup.timer` (systemd) or the crontab lines of docs/operators.md (Compose); run one now with `backup.sh`"
	if d.opts.BackupDir == "" {
		l.Detail, l.Fix = "no backup folder known", "set CONSERJE_BACKUP_DIR (or --backup-dir) to where deploy/backup.sh writes"
		return l
	}
	var newest string
	var newestAt time.Time
	for _, pat := range backupPatterns {
		matches, err := filepath.Glob(filepath.Join(d.opts.BackupDir, pat))
		if err != nil {
			continue
		}
		for _, m := range matches {
			st, err := os.Stat(m)
			if err != nil || !st.Mode().IsRegular() {
				continue
			}
			if _, err := os.Stat(m + ".sha256"); err != nil {
				continue // backup.sh writes the checksum last: no checksum, no finished backup
			}
			if st.ModTime().After(newestAt) {
				newest, newestAt = m, st.ModTime()
			}
		}
	}
	if newest == "" {
		l.Detail, l.Fix = "no backup in "+d.opts.BackupDir, fix
		return l
	}
	age := d.opts.Now().Sub(newestAt)
	l.Detail = fmt.Sprintf("newest %s, %s old", filepath.Base(newest), age.Round(time.Minute))
	if age > d.opts.BackupMaxAge {
		l.Fix = fix + "; `journalctl -u conserje-backup` says why the last one did not run"
		return l
	}
	l.OK = true
	return l
}

// get fetches target without following redirects and reads at most 64 KiB.
// get fetches target; a non-empty bearer goes as the API token (/healthz shows its
// details only to it).
func (d *doctor) get(ctx context.Context, target, bearer string) ([]byte, int, error) {
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("User-Agent", "conserje-doctor")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	client := *d.opts.HTTPClient
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return nil, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return body, resp.StatusCode, err
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
