package cloudapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/conserje/conserje/sdk/channel"
	"github.com/conserje/conserje/sdk/plugin"
)

// Class is what a Graph API answer means for the sender (providers.md 1.6).
type Class string

// Classes of Graph answers; the names are those of the protocol corpus.
const (
	ClassOK              Class = "ok"
	ClassWindowClosed    Class = "window_closed_use_template"
	ClassBackoffGlobal   Class = "retry_backoff_global"
	ClassBackoffRecipent Class = "retry_backoff_recipient"
	ClassPermanent       Class = "permanent_failure"
	ClassAuth            Class = "auth_error"
)

// Graph error codes with a meaning of their own (providers.md 1.6).
const (
	CodeWindowClosed     = 131047
	CodeThroughput       = 130429
	CodePairRateLimit    = 131056
	CodeUpgrading        = 131057
	CodeSpam             = 131048
	CodeUndeliverable    = 131026
	CodeUnsupported      = 131051
	CodeUnavailable      = 131060
	CodeNotAllowed       = 131030
	CodeTokenInvalid     = 190
	CodeAuthUnknown      = 0
	CodeAPIUnknown       = 1
	CodeAPIService       = 2
	CodeTemporarilyBlock = 368
)

// Waits suggested to the core when Meta does not say (the core adds jitter and grows
// them on repeats).
const (
	throughputWait = 2 * time.Second
	pairWait       = 6 * time.Second // ~1 message every 6 s per (business, user)
	upgradeWait    = 30 * time.Second
	transientWait  = 5 * time.Second
)

// GraphError is an error answer of the Graph API.
type GraphError struct {
	HTTPStatus int
	Code       int
	Subcode    int
	Type       string
	Message    string
	Details    string
	TraceID    string
	// RetryAfter is the Retry-After header, when sent.
	RetryAfter time.Duration
}

func (e *GraphError) Error() string {
	msg := fmt.Sprintf("graph api %d: code %d: %s", e.HTTPStatus, e.Code, e.Message)
	if e.Details != "" {
		msg += " (" + e.Details + ")"
	}
	return msg
}

// Class classifies the error by its code, not by HTTP status or message text; the
// status only decides for answers without a code.
func (e *GraphError) Class() Class {
	switch e.Code {
	case CodeWindowClosed:
		return ClassWindowClosed
	case CodeThroughput, CodeUpgrading, CodeAPIUnknown, CodeAPIService:
		return ClassBackoffGlobal
	case CodePairRateLimit:
		return ClassBackoffRecipent
	case CodeTokenInvalid:
		return ClassAuth
	case CodeAuthUnknown:
		if e.HTTPStatus == http.StatusUnauthorized || e.HTTPStatus == http.StatusForbidden {
			return ClassAuth
		}
	case CodeUndeliverable, CodeNotAllowed, CodeSpam, CodeTemporarilyBlock:
		return ClassPermanent
	}
	switch {
	case e.HTTPStatus >= 500 || e.HTTPStatus == http.StatusTooManyRequests:
		return ClassBackoffGlobal
	case e.HTTPStatus == http.StatusUnauthorized:
		return ClassAuth
	}
	return ClassPermanent
}

// Err is the error the plugin returns for e: the SDK sentinel of its class with the code,
// the scope and a retry-after as details.
func (e *GraphError) Err() error {
	code := strconv.Itoa(e.Code)
	d := plugin.Detail{ProviderCode: code, Source: plugin.SourceDownstream, RetryAfter: e.RetryAfter}
	var sentinel error
	switch e.Class() {
	case ClassWindowClosed:
		sentinel = channel.ErrWindowClosed
	case ClassBackoffRecipent:
		sentinel, d.Scope = plugin.ErrRateLimited, plugin.ScopeRecipient
		d.RetryAfter = max(d.RetryAfter, pairWait)
	case ClassBackoffGlobal:
		switch e.Code {
		case CodeThroughput:
			sentinel, d.Scope = plugin.ErrRateLimited, plugin.ScopeSender
			d.RetryAfter = max(d.RetryAfter, throughputWait)
		case CodeUpgrading:
			sentinel, d.Scope = plugin.ErrUnavailable, plugin.ScopeSender
			d.RetryAfter = max(d.RetryAfter, upgradeWait)
		default:
			sentinel = plugin.ErrUnavailable
			d.RetryAfter = max(d.RetryAfter, transientWait)
		}
	case ClassAuth:
		sentinel = plugin.ErrPermissionDenied
	default:
		switch e.Code {
		case CodeUndeliverable, CodeNotAllowed:
			sentinel = channel.ErrRecipientInvalid
		case CodeSpam, CodeTemporarilyBlock:
			// Meta limits the number for quality: stop sending and tell staff.
			sentinel, d.Scope = plugin.ErrPermissionDenied, plugin.ScopeSender
		default:
			sentinel = plugin.ErrInvalidRequest
		}
	}
	return plugin.WithDetail(fmt.Errorf("%w: %w", sentinel, e), d)
}

// ClassOf is the class of any error Send returns: the Graph error's, else ok for nil and
// a global backoff for transport failures.
func ClassOf(err error) Class {
	if err == nil {
		return ClassOK
	}
	var ge *GraphError
	if errors.As(err, &ge) {
		return ge.Class()
	}
	return ClassBackoffGlobal
}

// decodeGraphError reads an error answer; a body that is not Graph's error object still
// gives an error with the HTTP status.
func decodeGraphError(status int, header http.Header, body []byte) *GraphError {
	var wire struct {
		Error struct {
			Message   string `json:"message"`
			Type      string `json:"type"`
			Code      int    `json:"code"`
			Subcode   int    `json:"error_subcode"`
			TraceID   string `json:"fbtrace_id"`
			ErrorData struct {
				Details string `json:"details"`
			} `json:"error_data"`
		} `json:"error"`
	}
	ge := &GraphError{HTTPStatus: status, Code: -1}
	if err := json.Unmarshal(body, &wire); err == nil && (wire.Error.Message != "" || wire.Error.Code != 0) {
		ge.Code, ge.Subcode, ge.Type, ge.Message = wire.Error.Code, wire.Error.Subcode, wire.Error.Type, wire.Error.Message
		ge.Details, ge.TraceID = wire.Error.ErrorData.Details, wire.Error.TraceID
	} else {
		ge.Message = http.StatusText(status)
	}
	if s := header.Get("Retry-After"); s != "" {
		if secs, err := strconv.Atoi(s); err == nil && secs > 0 {
			ge.RetryAfter = time.Duration(secs) * time.Second
		}
	}
	return ge
}
