package host

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"time"

	goplugin "github.com/hashicorp/go-plugin"

	"github.com/conserje/conserje/sdk/calendar"
	"github.com/conserje/conserje/sdk/channel"
	"github.com/conserje/conserje/sdk/internal/transport"
	"github.com/conserje/conserje/sdk/payment"
	"github.com/conserje/conserje/sdk/plugin"
	"github.com/conserje/conserje/sdk/speech"
)

// Errors of starting and using a plugin process.
var (
	// ErrChecksumMismatch: the binary's SHA-256 is not the configured one.
	ErrChecksumMismatch = errors.New("plugin binary checksum mismatch")
	// ErrWrongKind: the plugin is not of the kind asked for.
	ErrWrongKind = errors.New("plugin is of another kind")
	// ErrProtocolVersion: the plugin speaks another protocol version.
	ErrProtocolVersion = errors.New("plugin protocol version mismatch")
	// ErrTransport: a call did not reach the plugin or its answer was lost (the process
	// died, the connection broke).
	ErrTransport = transport.ErrTransport
)

// DefaultStartTimeout bounds the handshake of a plugin that does not say otherwise.
const DefaultStartTimeout = 15 * time.Second

// pluginEnvNames are the variables of the core's environment a plugin process gets: what
// a program needs to run (PATH, HOME, the temporary folder, language and time zone), to
// reach providers (CA bundles, proxies) and nothing else.
var pluginEnvNames = []string{
	"PATH", "HOME", "USER", "TMPDIR", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TZ",
	"SSL_CERT_FILE", "SSL_CERT_DIR",
	"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
	"SYSTEMROOT", // Windows needs it for networking
}

// PluginEnv is the environment a plugin process starts with, read through lookup
// (os.LookupEnv): only pluginEnvNames. No CONSERJE_* variable, database URL or secret.
func PluginEnv(lookup func(string) (string, bool)) []string {
	env := make([]string, 0, len(pluginEnvNames)+2)
	for _, name := range pluginEnvNames {
		if v, ok := lookup(name); ok {
			env = append(env, name+"="+v)
		}
	}
	return env
}

// Config says how to start one plugin process.
type Config struct {
	// Name is the instance name, put on every log line as plugin=<Name>.
	Name string
	// Path of the plugin binary.
	Path string
	Args []string
	// Env is added to the minimal environment the process starts with (PluginEnv): a
	// plugin never inherits the core's environment, whose database URL, API token and
	// other plugins' secrets are not its business. Its settings arrive at Configure.
	Env []string
	// SHA256 is the expected hex digest of the binary; empty skips the check.
	SHA256 string
	// Logger receives the plugin's logs and go-plugin's own; nil means slog.Default().
	Logger *slog.Logger
	// LogLevel is passed to the plugin as the level to log at.
	LogLevel slog.Level
	// StartTimeout bounds process start and handshake; 0 means DefaultStartTimeout.
	StartTimeout time.Duration
}

// Channel is the host's client of a channel plugin: the channel contract plus Receive,
// which fails with plugin.ErrUnsupported on push-only channels.
type Channel interface {
	channel.Plugin
	channel.Puller
}

// Process is one running plugin process.
type Process struct {
	name   string
	client *goplugin.Client
	rpc    goplugin.ClientProtocol
	life   transport.LifecycleClient
	desc   plugin.Description
	kinded any
	pid    int
}

// Start runs the plugin binary, completes the handshake and Describes it. ctx bounds the
// Describe call; StartTimeout bounds the handshake.
func Start(ctx context.Context, cfg Config) (*Process, error) {
	if cfg.Path == "" {
		return nil, fmt.Errorf("start plugin %s: no path", cfg.Name)
	}
	if cfg.SHA256 != "" {
		if err := VerifySHA256(cfg.Path, cfg.SHA256); err != nil {
			return nil, fmt.Errorf("start plugin %s: %w", cfg.Name, err)
		}
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger = logger.With("plugin", cfg.Name)
	timeout := cfg.StartTimeout
	if timeout <= 0 {
		timeout = DefaultStartTimeout
	}
	// The binary and its arguments come from the operator's configuration (never from a
	// guest), and the binary was checked against cfg.SHA256 above when one is pinned.
	cmd := exec.Command(cfg.Path, cfg.Args...) //nolint:gosec // G204: configured plugin path, sha256-checked when pinned
	cmd.Env = append(append(PluginEnv(os.LookupEnv), cfg.Env...), transport.EnvLogLevel+"="+levelName(cfg.LogLevel))
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig:  transport.Handshake(),
		Plugins:          transport.ClientPluginSet(),
		Cmd:              cmd,
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		Logger:           newHCLogger(logger),
		GRPCDialOptions:  transport.DialOptions(),
		StartTimeout:     timeout,
		Stderr:           io.Discard,
		// go-plugin would append the whole os.Environ(); cmd.Env is all it gets, plus
		// go-plugin's own handshake variables.
		SkipHostEnv: true,
	})
	rpc, err := client.Client()
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("start plugin %s (%s): %w", cfg.Name, cfg.Path, err)
	}
	p, err := attach(ctx, cfg.Name, client, rpc)
	if err != nil {
		client.Kill()
		return nil, err
	}
	if rc := client.ReattachConfig(); rc != nil {
		p.pid = rc.Pid
	}
	return p, nil
}

// attach describes the plugin on an established go-plugin connection and dispenses the
// client of its kind.
func attach(ctx context.Context, name string, client *goplugin.Client, rpc goplugin.ClientProtocol) (*Process, error) {
	gc, ok := rpc.(*goplugin.GRPCClient)
	if !ok {
		return nil, fmt.Errorf("plugin %s: not a gRPC plugin", name)
	}
	life := transport.NewLifecycleClient(gc.Conn)
	desc, err := life.Describe(ctx)
	if err != nil {
		return nil, fmt.Errorf("describe plugin %s: %w", name, err)
	}
	if desc.ProtocolVersion != plugin.ProtocolVersion {
		return nil, fmt.Errorf("plugin %s speaks protocol %d, the host %d: %w", name, desc.ProtocolVersion, plugin.ProtocolVersion, ErrProtocolVersion)
	}
	if !desc.Kind.Valid() {
		return nil, fmt.Errorf("plugin %s describes itself with unknown kind %q", name, desc.Kind)
	}
	kinded, err := rpc.Dispense(string(desc.Kind))
	if err != nil {
		return nil, fmt.Errorf("dispense %s plugin %s: %w", desc.Kind, name, err)
	}
	return &Process{name: name, client: client, rpc: rpc, life: life, desc: desc, kinded: kinded}, nil
}

// Name is the instance name the process was started under.
func (p *Process) Name() string { return p.name }

// Description is what the plugin said at Describe.
func (p *Process) Description() plugin.Description { return p.desc }

// Pid is the plugin's process id (0 when unknown).
func (p *Process) Pid() int { return p.pid }

// Exited reports whether the process has ended.
func (p *Process) Exited() bool { return p.client.Exited() }

// Configure checks the settings against the plugin's settings schema (every problem at
// once, wrapping plugin.ErrInvalidSettings) and hands them to the plugin.
func (p *Process) Configure(ctx context.Context, req plugin.ConfigureRequest) error {
	if err := ValidateSettings(p.desc, req.Settings); err != nil {
		return fmt.Errorf("configure plugin %s: %w", p.name, err)
	}
	if err := p.life.Configure(ctx, req); err != nil {
		return fmt.Errorf("configure plugin %s: %w", p.name, err)
	}
	return nil
}

// Ping fails at once when the process has exited; otherwise it calls the plugin's Ping
// over the connection, which runs the plugin's Health when it has one.
func (p *Process) Ping(ctx context.Context) error {
	if p.client.Exited() {
		return fmt.Errorf("ping plugin %s: process exited: %w", p.name, ErrTransport)
	}
	if err := p.life.Health(ctx); err != nil {
		return fmt.Errorf("ping plugin %s: %w", p.name, err)
	}
	return nil
}

// Stop asks the plugin to stop (bounded by ctx), then ends the process: gracefully
// through go-plugin, killed if it lingers. It returns the plugin's Stop error, if any.
func (p *Process) Stop(ctx context.Context) error {
	var err error
	if !p.client.Exited() {
		err = p.life.Stop(ctx)
	}
	p.client.Kill()
	if err != nil {
		return fmt.Errorf("stop plugin %s: %w", p.name, err)
	}
	return nil
}

// Kill ends the process without asking the plugin to stop.
func (p *Process) Kill() { p.client.Kill() }

// Calendar is the plugin's calendar client; ErrWrongKind if it is not a calendar plugin.
func (p *Process) Calendar() (calendar.Plugin, error) {
	c, ok := p.kinded.(calendar.Plugin)
	if !ok {
		return nil, p.wrongKind(plugin.KindCalendar)
	}
	return c, nil
}

// Channel is the plugin's channel client; ErrWrongKind if it is not a channel plugin.
func (p *Process) Channel() (Channel, error) {
	c, ok := p.kinded.(Channel)
	if !ok {
		return nil, p.wrongKind(plugin.KindChannel)
	}
	return c, nil
}

// Payment is the plugin's payment client; ErrWrongKind if it is not a payment plugin.
func (p *Process) Payment() (payment.Plugin, error) {
	c, ok := p.kinded.(payment.Plugin)
	if !ok {
		return nil, p.wrongKind(plugin.KindPayment)
	}
	return c, nil
}

// STT is the plugin's speech-to-text client; ErrWrongKind if it is not an stt plugin.
func (p *Process) STT() (speech.STTPlugin, error) {
	c, ok := p.kinded.(speech.STTPlugin)
	if !ok {
		return nil, p.wrongKind(plugin.KindSTT)
	}
	return c, nil
}

// TTS is the plugin's text-to-speech client; ErrWrongKind if it is not a tts plugin.
func (p *Process) TTS() (speech.TTSPlugin, error) {
	c, ok := p.kinded.(speech.TTSPlugin)
	if !ok {
		return nil, p.wrongKind(plugin.KindTTS)
	}
	return c, nil
}

func (p *Process) wrongKind(want plugin.Kind) error {
	return fmt.Errorf("plugin %s is a %s plugin, not %s: %w", p.name, p.desc.Kind, want, ErrWrongKind)
}

// ValidateSettings checks settings against the settings schema of desc; the error wraps
// plugin.ErrInvalidSettings and lists every problem.
func ValidateSettings(desc plugin.Description, settings map[string]any) error {
	return transport.ValidateSettings(desc.SettingsSchema, settings)
}

// SettingsProblem is one setting failing its plugin's schema (key path and message).
type SettingsProblem = transport.SettingsProblem

// SettingsProblems lists every way settings fail the settings schema of desc, one per
// setting, by key path (e.g. {access_token required}); nil when they pass.
func SettingsProblems(desc plugin.Description, settings map[string]any) ([]SettingsProblem, error) {
	return transport.SettingsProblems(desc.SettingsSchema, settings)
}

// VerifySHA256 checks the file at path against the hex digest want.
func VerifySHA256(path, want string) error {
	got, err := FileSHA256(path)
	if err != nil {
		return err
	}
	if !strings.EqualFold(got, strings.TrimSpace(want)) {
		return fmt.Errorf("%s has sha256 %s, expected %s: %w", path, got, want, ErrChecksumMismatch)
	}
	return nil
}

// FileSHA256 is the hex SHA-256 digest of the file at path.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("checksum plugin binary: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("checksum plugin binary %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func levelName(l slog.Level) string {
	switch {
	case l < slog.LevelDebug:
		return "trace"
	case l < slog.LevelInfo:
		return "debug"
	case l < slog.LevelWarn:
		return "info"
	case l < slog.LevelError:
		return "warn"
	}
	return "error"
}
