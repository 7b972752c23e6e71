package mp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/conserje/conserje/sdk/plugin"
)

// maxResponseBytes bounds what is read of one answer of Mercado Pago.
const maxResponseBytes = 4 << 20

// apiError is Mercado Pago's error body: {"message","error","status","cause":[{"code",
// "description"}]}; cause codes are numbers or strings depending on the API.
type apiError struct {
	HTTPStatus int
	Message    string `json:"message"`
	Err        string `json:"error"`
	Cause      []struct {
		Code        json.RawMessage `json:"code"`
		Description string          `json:"description"`
	} `json:"cause"`
}

func (e *apiError) Error() string {
	var codes []string
	for _, c := range e.Cause {
		codes = append(codes, strings.Trim(string(c.Code), `"`))
	}
	msg := fmt.Sprintf("mercadopago: HTTP %d", e.HTTPStatus)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if len(codes) > 0 {
		msg += " (cause " + strings.Join(codes, ",") + ")"
	}
	return msg
}

// hasCause reports whether the error carries one of the cause codes.
func (e *apiError) hasCause(codes ...int) bool {
	for _, c := range e.Cause {
		n, err := strconv.Atoi(strings.Trim(string(c.Code), `"`))
		if err != nil {
			continue
		}
		for _, want := range codes {
			if n == want {
				return true
			}
		}
	}
	return false
}

// kind maps an HTTP status to the contract's sentinel errors.
func (e *apiError) kind() error {
	switch {
	case e.HTTPStatus == http.StatusNotFound:
		return plugin.ErrNotFound
	case e.HTTPStatus == http.StatusUnauthorized || e.HTTPStatus == http.StatusForbidden:
		return plugin.ErrPermissionDenied
	case e.HTTPStatus == http.StatusTooManyRequests:
		return plugin.ErrRateLimited
	case e.HTTPStatus >= 500:
		return plugin.ErrUnavailable
	}
	return plugin.ErrInvalidRequest
}

// do calls Mercado Pago and decodes a 2xx answer into out (numbers as json.Number). A
// non-2xx answer is an *apiError wrapped with its sentinel; a transport failure is
// plugin.ErrUnavailable.
func (p *Provider) do(ctx context.Context, st *settings, method, path, idempotencyKey string, body any, out any) error {
	ctx, cancel := context.WithTimeout(ctx, st.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, st.apiURL+path, rd)
	if err != nil {
		return fmt.Errorf("%w: %s %s: %w", plugin.ErrInvalidRequest, method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+st.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "conserje-mercadopago/"+Version)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if idempotencyKey != "" {
		req.Header.Set("X-Idempotency-Key", idempotencyKey)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("%w: %s %s: timed out", plugin.ErrUnavailable, method, path)
		}
		return fmt.Errorf("%w: %s %s: %w", plugin.ErrUnavailable, method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return fmt.Errorf("%w: %s %s: read answer: %w", plugin.ErrUnavailable, method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := &apiError{HTTPStatus: resp.StatusCode}
		_ = json.Unmarshal(raw, e) // a body that is not MP's error shape still has the status
		return fmt.Errorf("%s %s: %w: %w", method, path, e.kind(), e)
	}
	if out == nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("%w: %s %s: undecodable answer: %w", plugin.ErrUnavailable, method, path, err)
	}
	return nil
}

// mpTime parses Mercado Pago's timestamps ("2027-02-03T15:41:09.000-03:00"); zero when
// absent or unreadable.
func mpTime(s string) time.Time {
	for _, layout := range []string{"2006-01-02T15:04:05.000Z07:00", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
