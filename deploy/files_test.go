package deploy_test

import (
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// The Docker image cannot be built on the development machines (no Docker engine), and
// Prometheus and Compose are not part of the test run; these tests check what can be
// checked without them: that the files agree with each other and with the repository.

type alertRule struct {
	Alert       string            `yaml:"alert"`
	Expr        string            `yaml:"expr"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

func readAlertRules(t *testing.T) []alertRule {
	t.Helper()
	raw, err := os.ReadFile("alerts.yml")
	require.NoError(t, err)
	var doc struct {
		Groups []struct {
			Name  string      `yaml:"name"`
			Rules []alertRule `yaml:"rules"`
		} `yaml:"groups"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &doc))
	var rules []alertRule
	for _, g := range doc.Groups {
		rules = append(rules, g.Rules...)
	}
	require.NotEmpty(t, rules)
	return rules
}

// headingAnchors returns the anchors GitHub gives the headings of a Markdown file.
func headingAnchors(t *testing.T, path string) map[string]bool {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	anchors := map[string]bool{}
	inFence := false
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, "```") {
			inFence = !inFence
			continue
		}
		if inFence || !strings.HasPrefix(line, "#") {
			continue
		}
		title := strings.TrimSpace(strings.TrimLeft(line, "#"))
		var b strings.Builder
		for _, r := range strings.ToLower(title) {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				b.WriteRune(r)
			}
		}
		anchors[b.String()] = true
	}
	return anchors
}

func TestAlertsLinkRunbooksThatExist(t *testing.T) {
	anchors := headingAnchors(t, "../docs/operators.md")
	docs, err := os.ReadFile("../docs/operators.md")
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, r := range readAlertRules(t) {
		t.Run(r.Alert, func(t *testing.T) {
			assert.False(t, seen[r.Alert], "alert defined twice")
			seen[r.Alert] = true
			assert.Regexp(t, `^Conserje[A-Z][A-Za-z]+$`, r.Alert)
			assert.Contains(t, []string{"critical", "warning", "info"}, r.Labels["severity"])
			assert.NotEmpty(t, r.Annotations["summary"])
			runbook := r.Annotations["runbook"]
			require.True(t, strings.HasPrefix(runbook, "docs/operators.md#"), "runbook %q", runbook)
			anchor := strings.TrimPrefix(runbook, "docs/operators.md#")
			assert.True(t, anchors[anchor], "docs/operators.md has no heading for #%s", anchor)
			assert.Contains(t, string(docs), "`"+r.Alert+"`", "docs/operators.md does not list the alert")
		})
	}
}

func TestOperatorsGuideLinksResolve(t *testing.T) {
	anchors := headingAnchors(t, "../docs/operators.md")
	raw, err := os.ReadFile("../docs/operators.md")
	require.NoError(t, err)
	links := regexp.MustCompile(`\]\(#([^)]+)\)`).FindAllStringSubmatch(string(raw), -1)
	require.NotEmpty(t, links)
	for _, l := range links {
		assert.True(t, anchors[l[1]], "docs/operators.md links to #%s, which is no heading", l[1])
	}
}

func TestAlertRulesWithPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed (Debian package prometheus): rules only checked for structure")
	}
	for _, args := range [][]string{{"check", "rules", "alerts.yml"}, {"test", "rules", "alerts_test.yml"}} {
		out, err := exec.Command(promtool, args...).CombinedOutput()
		require.NoError(t, err, "promtool %s:\n%s", strings.Join(args, " "), out)
	}
}

func TestComposeWiring(t *testing.T) {
	raw, err := os.ReadFile("../compose.yaml")
	require.NoError(t, err)
	var compose struct {
		Services map[string]struct {
			Image       string         `yaml:"image"`
			Healthcheck map[string]any `yaml:"healthcheck"`
			DependsOn   map[string]struct {
				Condition string `yaml:"condition"`
			} `yaml:"depends_on"`
			Volumes []string `yaml:"volumes"`
		} `yaml:"services"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &compose))
	require.ElementsMatch(t, []string{"conserje", "db", "cache", "caddy", "prometheus", "grafana"}, keys(compose.Services))
	assert.Equal(t, "postgres:16", compose.Services["db"].Image)
	assert.Equal(t, "redis:7", compose.Services["cache"].Image)
	for name, svc := range compose.Services {
		assert.NotEmpty(t, svc.Healthcheck, "service %s has no healthcheck", name)
	}
	for _, dep := range []string{"db", "cache"} {
		assert.Equal(t, "service_healthy", compose.Services["conserje"].DependsOn[dep].Condition, "conserje waits for %s", dep)
	}
	for name, svc := range compose.Services {
		for _, v := range svc.Volumes {
			if src, _, ok := strings.Cut(v, ":"); ok && strings.HasPrefix(src, "./") {
				_, err := os.Stat(filepath.Join("..", src))
				assert.NoError(t, err, "%s mounts %s", name, src)
			}
		}
	}

	// conserje trusts X-Forwarded-For from Caddy, and only from Caddy: its pinned address
	// on a network whose subnet holds it.
	var net struct {
		Services map[string]struct {
			Environment map[string]string `yaml:"environment"`
			Networks    map[string]struct {
				IPv4 string `yaml:"ipv4_address"`
			} `yaml:"networks"`
		} `yaml:"services"`
		Networks map[string]struct {
			IPAM struct {
				Config []struct {
					Subnet string `yaml:"subnet"`
				} `yaml:"config"`
			} `yaml:"ipam"`
		} `yaml:"networks"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &net))
	caddyIP := net.Services["caddy"].Networks["default"].IPv4
	require.NotEmpty(t, caddyIP, "caddy has a fixed address")
	assert.Equal(t, caddyIP, net.Services["conserje"].Environment["CONSERJE_HTTP_TRUSTED_PROXIES"])
	require.Len(t, net.Networks["default"].IPAM.Config, 1)
	subnet := netip.MustParsePrefix(net.Networks["default"].IPAM.Config[0].Subnet)
	assert.True(t, subnet.Contains(netip.MustParseAddr(caddyIP)), "%s in %s", caddyIP, subnet)

	// Every variable compose.yaml reads from .env is explained in env.example.
	example, err := os.ReadFile("env.example")
	require.NoError(t, err)
	for _, m := range regexp.MustCompile(`\$\{([A-Z_][A-Z0-9_]*)`).FindAllStringSubmatch(string(raw), -1) {
		assert.Regexp(t, `(?m)^#?`+m[1]+`=`, string(example), "env.example does not mention %s", m[1])
	}
}

func TestDockerfileCopiesWhatExists(t *testing.T) {
	raw, err := os.ReadFile("../Dockerfile")
	require.NoError(t, err)
	dockerfile := string(raw)
	ignore, err := os.ReadFile("../.dockerignore")
	require.NoError(t, err)
	ignored := map[string]bool{}
	for _, line := range strings.Split(string(ignore), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			ignored[strings.TrimSuffix(line, "/")] = true
		}
	}

	copied := regexp.MustCompile(`(?m)^COPY --from=build (.+) \S+$`).FindAllStringSubmatch(dockerfile, -1)
	require.NotEmpty(t, copied)
	for _, c := range copied {
		for _, src := range strings.Fields(c[1]) {
			rel := strings.TrimSuffix(strings.TrimPrefix(src, "/src/"), "/")
			if rel == "bin" {
				continue // built by `make build` in the build stage
			}
			assert.True(t, exists(filepath.Join("..", rel)), "the image copies %s, which is not in the repository", rel)
			top, _, _ := strings.Cut(rel, "/")
			assert.False(t, ignored[top] || ignored[rel], ".dockerignore leaves %s out of the build context", rel)
		}
	}
	for _, want := range []string{"CGO_ENABLED=0", "make build", "USER conserje", "VOLUME [\"/data\"]", "HEALTHCHECK", "/healthz", "ffmpeg", "espeak-ng", "ca-certificates"} {
		assert.Contains(t, dockerfile, want)
	}
	for _, secret := range []string{".env", "config.yaml", ".git"} {
		assert.True(t, ignored[secret], ".dockerignore must keep %s out of the image", secret)
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// TestRedisNeedsThePasswordConserjeUses: Redis starts with requirepass from .env, its
// health check authenticates, and conserje's Redis URL carries the same variable.
func TestRedisNeedsThePasswordConserjeUses(t *testing.T) {
	raw, err := os.ReadFile("../compose.yaml")
	require.NoError(t, err)
	var compose struct {
		Services map[string]struct {
			Command     []string          `yaml:"command"`
			Environment map[string]string `yaml:"environment"`
			Healthcheck struct {
				Test []string `yaml:"test"`
			} `yaml:"healthcheck"`
		} `yaml:"services"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &compose))
	cache := compose.Services["cache"]
	assert.Contains(t, strings.Join(cache.Command, " "), `--requirepass "$$REDIS_PASSWORD"`)
	assert.Contains(t, strings.Join(cache.Command, " "), "--appendonly no", "the AOF decision is explicit (see the comment)")
	assert.Contains(t, cache.Environment["REDIS_PASSWORD"], "${REDIS_PASSWORD:?")
	assert.Contains(t, cache.Environment["REDISCLI_AUTH"], "${REDIS_PASSWORD:?", "the health check authenticates")
	assert.Contains(t, strings.Join(cache.Healthcheck.Test, " "), "PONG")
	url := compose.Services["conserje"].Environment["CONSERJE_REDIS_URL"]
	assert.Regexp(t, `^redis://:\$\{REDIS_PASSWORD:\?[^}]*\}@cache:6379/0$`, url)
}

// TestOnlyTheFirewallsPortsArePublished: Docker's published ports bypass UFW, so the ports
// compose.yaml publishes must be exactly the ones deploy/ufw.sh opens (besides SSH).
func TestOnlyTheFirewallsPortsArePublished(t *testing.T) {
	raw, err := os.ReadFile("../compose.yaml")
	require.NoError(t, err)
	var compose struct {
		Services map[string]struct {
			Ports []string `yaml:"ports"`
		} `yaml:"services"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &compose))
	var published []string
	for name, svc := range compose.Services {
		for _, p := range svc.Ports {
			parts := strings.Split(p, ":")
			require.GreaterOrEqual(t, len(parts), 2, "port %q", p)
			if len(parts) == 3 {
				// ip:host:container: a port bound to loopback is reachable from this
				// machine only (an SSH tunnel), never from the internet.
				assert.Equal(t, "127.0.0.1", parts[0], "%s publishes %s beyond loopback", name, p)
				continue
			}
			assert.Equal(t, "caddy", name, "only Caddy publishes ports to the world (%s publishes %s)", name, p)
			host, container := parts[0], parts[1]
			_, proto, _ := strings.Cut(container, "/")
			if proto == "" {
				proto = "tcp"
			}
			published = append(published, host+"/"+proto)
		}
	}

	out, err := exec.Command("sh", "ufw.sh", "--dry-run").Output()
	require.NoError(t, err)
	var opened []string
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == "ufw" && (f[1] == "allow" || f[1] == "limit") && f[2] != "22/tcp" {
			opened = append(opened, f[2])
		}
	}
	assert.ElementsMatch(t, opened, published)
	assert.Contains(t, string(out), "ufw default deny incoming")
	assert.Contains(t, string(out), "ufw limit 22/tcp")
}

// TestUnattendedUpgradesConfigParses reads the apt snippets with apt's own parser.
func TestUnattendedUpgradesConfigParses(t *testing.T) {
	aptConfig, err := exec.LookPath("apt-config")
	if err != nil {
		if os.Getenv("CI") == "true" { // CI installs and provides it: missing is a failure
			t.Fatal("apt-config not installed (not a Debian system)")
		}
		t.Skip("apt-config not installed (not a Debian system)")
	}
	for file, want := range map[string][]string{
		"apt/20auto-upgrades":                {`APT::Periodic::Unattended-Upgrade "1";`},
		"apt/52conserje-unattended-upgrades": {`Unattended-Upgrade::Automatic-Reboot-Time "05:30";`, `Unattended-Upgrade::Package-Blacklist:: "docker-ce";`},
	} {
		out, err := exec.Command(aptConfig, "-c", file, "dump").CombinedOutput()
		require.NoError(t, err, "apt-config %s:\n%s", file, out)
		for _, w := range want {
			assert.Contains(t, string(out), w, file)
		}
	}
}
