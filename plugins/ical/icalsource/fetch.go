package icalsource

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/conserje/conserje/sdk/calendar"
)

var errTooManyRedirects = errors.New("too many redirects")

// Fetch downloads one feed, conditionally when the request carries the previous
// validators, and normalizes it. Every outcome that must not replace the previous import
// is a *calendar.RejectedError.
func (s *Source) Fetch(ctx context.Context, req calendar.FetchRequest) (calendar.FetchResponse, error) {
	st := s.current()
	target, err := feedURL(req.URL)
	if err != nil {
		return calendar.FetchResponse{}, &calendar.RejectedError{Reason: calendar.RejectInvalidSource, Detail: err.Error()}
	}
	if _, err := normOptions(req.Options); err != nil {
		return calendar.FetchResponse{}, err
	}
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = st.timeout
	}
	maxBytes := req.MaxBytes
	if maxBytes <= 0 {
		maxBytes = st.maxBytes
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	httpReq, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return calendar.FetchResponse{}, &calendar.RejectedError{Reason: calendar.RejectInvalidSource, Detail: err.Error()}
	}
	httpReq.Header.Set("User-Agent", st.userAgent)
	httpReq.Header.Set("Accept", "text/calendar, text/plain;q=0.5, */*;q=0.1")
	if req.ETag != "" {
		httpReq.Header.Set("If-None-Match", req.ETag)
	}
	if req.LastModified != "" {
		httpReq.Header.Set("If-Modified-Since", req.LastModified)
	}
	client := &http.Client{
		Transport: s.transport,
		CheckRedirect: func(r *http.Request, via []*http.Request) error {
			if len(via) > st.maxRedirects {
				return fmt.Errorf("%w: more than %d", errTooManyRedirects, st.maxRedirects)
			}
			if r.URL.Scheme != "http" && r.URL.Scheme != "https" {
				return fmt.Errorf("redirect to unsupported scheme %q", r.URL.Scheme)
			}
			return nil
		},
	}
	resp, err := client.Do(httpReq)
	if err != nil {
		return calendar.FetchResponse{}, transportError(ctx, err, timeout)
	}
	defer resp.Body.Close()

	etag, lastModified := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	switch {
	case resp.StatusCode == http.StatusNotModified:
		if etag == "" {
			etag = req.ETag
		}
		if lastModified == "" {
			lastModified = req.LastModified
		}
		return calendar.FetchResponse{NotModified: true, ETag: etag, LastModified: lastModified}, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return calendar.FetchResponse{}, &calendar.RejectedError{
			Reason:     calendar.RejectHTTPStatus,
			HTTPStatus: resp.StatusCode,
			Detail:     statusDetail(resp.StatusCode),
		}
	}
	if resp.ContentLength > maxBytes {
		return calendar.FetchResponse{}, tooLarge(resp.ContentLength, maxBytes)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		return calendar.FetchResponse{}, transportError(ctx, err, timeout)
	}
	if int64(len(body)) > maxBytes {
		return calendar.FetchResponse{}, tooLarge(-1, maxBytes)
	}
	parsed, err := normalize(body, req.Options, maxBytes)
	if err != nil {
		return calendar.FetchResponse{}, err
	}
	return calendar.FetchResponse{
		Blocks:       parsed.Blocks,
		Warnings:     parsed.Warnings,
		Partial:      parsed.Partial,
		ETag:         etag,
		LastModified: lastModified,
		Bytes:        int64(len(body)),
	}, nil
}

// feedURL checks the feed's address; webcal:// (how portals often show their links) is
// fetched over https.
func feedURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("feed url %q: %w", raw, err)
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	case "webcal", "webcals":
		u.Scheme = "https"
	default:
		return "", fmt.Errorf("feed url %q: scheme must be http, https or webcal", raw)
	}
	if u.Host == "" {
		return "", fmt.Errorf("feed url %q: no host", raw)
	}
	return u.String(), nil
}

func tooLarge(length, limit int64) error {
	detail := fmt.Sprintf("body over the %d-byte limit", limit)
	if length > 0 {
		detail = fmt.Sprintf("body of %d bytes over the %d-byte limit", length, limit)
	}
	return &calendar.RejectedError{Reason: calendar.RejectTooLarge, Detail: detail}
}

// statusDetail says what an HTTP status usually means for a calendar link.
func statusDetail(code int) string {
	text := fmt.Sprintf("HTTP %d %s", code, http.StatusText(code))
	switch {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return text + ": the portal refused the link (expired, regenerated or private?)"
	case code == http.StatusNotFound || code == http.StatusGone:
		return text + ": the calendar no longer exists at this address (was the link regenerated?)"
	case code == http.StatusTooManyRequests:
		return text + ": the portal asks to fetch less often"
	case code >= 500:
		return text + ": the portal is failing; the previous import is kept"
	case code >= 300 && code < 400:
		return text + ": redirect without a usable Location"
	}
	return text
}

// transportError classifies a failure to get an answer. A cancelled call from the host
// is returned as the context's error, not as a feed problem.
func transportError(ctx context.Context, err error, timeout time.Duration) error {
	if errors.Is(err, errTooManyRedirects) {
		return &calendar.RejectedError{Reason: calendar.RejectTooManyHops, Detail: err.Error()}
	}
	if errors.Is(err, context.Canceled) && ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return err
	}
	var netErr net.Error
	detail := err.Error()
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()) {
		detail = fmt.Sprintf("no complete answer within %s", timeout)
	}
	return &calendar.RejectedError{Reason: calendar.RejectUnreachable, Detail: detail}
}
