// Package ytx is a typed client for the YTX cloud-telephony API (api.ytx.net):
// phone conferences (createMeeting, inviteJoinMeeting, queryMeeting,
// hangupMeeting, destroyMeeting), two-way dial-back calls (callDailBack),
// the optional call-record query, and parsing of the status pushes YTX sends.
//
// The wire format follows docs/ytx-protocol.md of the project, which settles
// the contradictions of the vendor's pages. Everything goes through one
// request pipeline (Client.do): one Beijing-time timestamp per request, the
// upper-case MD5 Sign in the query and the base64 Authorization header, a
// bounded response body and a tolerant envelope decoder that turns any
// statusCode other than "0" into an *APIError, even on HTTP 200.
//
// Ringing actions (create, invite, dial back) are never retried: when the
// request may have reached YTX but no answer came back, the error wraps
// ErrOutcomeUnknown so the caller can reconcile instead of ringing people
// twice. Reads (queries) retry with capped back-off.
//
// The package imports the standard library only, and never puts the auth
// token, the Sign or the account SID into an error or a log line.
package ytx
