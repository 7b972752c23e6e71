package secret

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
)

// Mask replaces a secret in everything conserje prints.
const Mask = "xxxxx"

// sensitiveParams are query parameters that carry a secret in a database or Redis URL.
var sensitiveParams = map[string]bool{"password": true, "sslpassword": true, "pass": true, "passwd": true}

var (
	// userinfo in any URL-looking text: scheme://user:password@ (the password may hold
	// anything but white space, including an unescaped @ before the last one).
	userinfoRe = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)([^\s:@/"']*):([^\s"']*)@`)
	// key=value pairs of a query string or DSN whose key names a password.
	paramRe = regexp.MustCompile(`(?i)\b(password|sslpassword|pass|passwd)=([^&\s"']*)`)
)

// URL returns raw with the password of its userinfo and every password query parameter
// masked. It never fails: a URL that does not parse is masked as text.
func URL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return Text(raw)
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), Mask)
		}
	}
	if u.RawQuery != "" {
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			u.RawQuery = paramRe.ReplaceAllString(u.RawQuery, "${1}="+Mask)
		} else {
			changed := false
			for k := range q {
				if sensitiveParams[strings.ToLower(k)] {
					q[k] = []string{Mask}
					changed = true
				}
			}
			if changed {
				u.RawQuery = q.Encode()
			}
		}
	}
	return u.String()
}

// Text masks every URL password and password=... parameter found in s (an error message,
// a log line).
func Text(s string) string {
	s = userinfoRe.ReplaceAllString(s, "${1}${2}:"+Mask+"@")
	return paramRe.ReplaceAllString(s, "${1}="+Mask)
}

// ParseURL parses a URL holding credentials and explains a failure without repeating any
// part of it: url.Parse's own error quotes the URL, password included.
func ParseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err == nil {
		return u, nil
	}
	var esc url.EscapeError
	if errors.As(err, &esc) {
		return nil, errors.New("not a valid URL: a % must start a two-digit hex escape (write a % in a password as %25)")
	}
	var host url.InvalidHostError
	if errors.As(err, &host) {
		return nil, errors.New("not a valid URL: invalid character in the host or port")
	}
	// Other parse errors quote a piece of the URL (a port, the userinfo): say nothing of it.
	return nil, errors.New("not a valid URL: check the scheme, the user and password (percent-encode : @ / ? # % in them), the host and the port")
}
