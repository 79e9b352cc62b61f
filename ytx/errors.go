package ytx

import (
	"errors"
	"fmt"
)

// Status codes of the vendor's error table (ytx-protocol §4).
const (
	CodeOK               = "0"
	CodeInvalidNumber    = "-1"
	CodeMissingParam     = "-2"
	CodeUnknownAction    = "-3"
	CodeBadJSON          = "-4"
	CodeInternal         = "-100"
	CodeInvalidParam     = "-101"
	CodeInvalidPhone     = "-102"
	CodeRateLimited      = "-104"
	CodeNoSuchAccount    = "-200"
	CodeAccountDisabled  = "-201"
	CodeBadAuthorization = "-202"
	CodeBadAuthToken     = "-203"
	CodeLowBalance       = "-204"
	CodeAppCheckFailed   = "-205"
)

// Sentinel errors. Callers check them with errors.Is.
var (
	// ErrOutcomeUnknown: a ringing request may have reached YTX but no
	// usable answer came back. Phones may be ringing; do not resend blindly.
	ErrOutcomeUnknown = errors.New("ytx: outcome unknown")
	// ErrTransport: the request failed before a usable answer (connection,
	// timeout, HTTP error without a YTX envelope, a body that is not JSON).
	ErrTransport = errors.New("ytx: transport failure")
	// ErrInvalidParams: the client refused the input before sending.
	ErrInvalidParams = errors.New("ytx: invalid parameters")
	// ErrNotFound: the query succeeded but named no such meeting or record.
	ErrNotFound = errors.New("ytx: not found")
)

type codeInfo struct {
	zh, en, advice string
	retryable      bool
}

var codes = map[string]codeInfo{
	CodeInvalidNumber:    {"号码无效", "invalid number", "check the number: mobiles are 11 digits, landlines need their area code", false},
	CodeMissingParam:     {"缺少必要参数", "missing required parameter", "this is a ytxbot bug or an endpoint override pointing at the wrong action; report it", false},
	CodeUnknownAction:    {"无效action", "unknown action", "check ytx.endpoints: the action is routed to the wrong func_url or version", false},
	CodeBadJSON:          {"无效的JSON", "malformed JSON", "check ytx.parties_encoding (string or array)", false},
	CodeInternal:         {"异常错误", "provider internal error", "try again in a minute; if it persists, contact YTX support", true},
	CodeInvalidParam:     {"参数不合法", "invalid parameter", "a value was refused; for a meeting id it may have ended, refresh it", false},
	CodeInvalidPhone:     {"电话号码不合法", "invalid phone number", "check the number's format", false},
	CodeRateLimited:      {"请求频率过高", "rate limited by the provider", "YTX is rate limiting; try again in a minute", true},
	CodeNoSuchAccount:    {"无此用户", "no such account", "check ytx.account_sid", false},
	CodeAccountDisabled:  {"用户状态失效", "account disabled", "the YTX account is disabled; contact YTX", false},
	CodeBadAuthorization: {"包头验证信息错误", "Authorization header invalid or expired", "check the server clock (timestamps live 10 minutes) and ytx.account_sid", false},
	CodeBadAuthToken:     {"AuthToken验证失败", "wrong auth token", "check ytx.auth_token", false},
	CodeLowBalance:       {"账户余额不足", "account balance too low", "top up the YTX account", false},
	CodeAppCheckFailed:   {"应用验证失败", "app check failed", "check ytx.app_id matches the host (sandbox or production), the IP white list, and that the app is online with the feature enabled", false},
}

// StatusMessage returns the vendor's Chinese statusMsg for a known code, or "".
func StatusMessage(code string) string { return codes[code].zh }

// APIError is an answer from YTX whose statusCode is not "0". YTX sends these
// with HTTP 200, so the status code alone never tells success.
type APIError struct {
	Action     string // wire action, e.g. "callDailBack"
	Code       string // statusCode, e.g. "-104"
	Msg        string // the provider's statusMsg, as sent
	RequestID  string // requestId, when present
	HTTPStatus int
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("ytx: %s: status %s", e.Action, e.Code)
	if en := codes[e.Code].en; en != "" {
		s += " (" + en + ")"
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	return s
}

// Explain returns an English and a Chinese description of the code and what
// to do about it. Unknown codes pass the provider's message through.
func (e *APIError) Explain() (en, zh, advice string) {
	ci, ok := codes[e.Code]
	if !ok {
		return "YTX answered " + e.Code + ": " + e.Msg, e.Msg, "see the YTX console or contact YTX support"
	}
	return ci.en, ci.zh, ci.advice
}

// Retryable reports whether the same read may be sent again after a pause:
// -100 and -104. Ringing actions must not be retried whatever this says.
func (e *APIError) Retryable() bool { return codes[e.Code].retryable }

// Is lets errors.Is(err, &APIError{Code: "-104"}) match on the code alone.
func (e *APIError) Is(target error) bool {
	t, ok := target.(*APIError)
	return ok && t.Code != "" && t.Code == e.Code && (t.Action == "" || t.Action == e.Action)
}

// IsCode reports whether err is an *APIError with the given status code.
func IsCode(err error, code string) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Code == code
}

// Retryable reports whether a read that failed with err may be sent again:
// transport failures, HTTP 5xx, -100 and -104.
func Retryable(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Retryable()
	}
	var he *HTTPError
	if errors.As(err, &he) {
		return he.StatusCode >= 500
	}
	return errors.Is(err, ErrTransport)
}

// HTTPError is an HTTP status other than 200 without a YTX envelope in the body.
type HTTPError struct {
	StatusCode int
	Body       string // at most 256 bytes, for diagnosis
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("ytx: http %d", e.StatusCode)
}

// Unwrap makes every HTTPError an ErrTransport.
func (e *HTTPError) Unwrap() error { return ErrTransport }
