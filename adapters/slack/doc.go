// Package slack is ytxbot's Slack adapter. It turns slash commands
// (/meet, /call, /phone; the names are configurable) and interactions (card
// buttons, the Invite… form) into bot.Requests for the core, answers the
// person privately, and is the core's bot.Notifier and bot.Directory for
// Slack: it posts and edits the status cards in Block Kit and expands user
// groups (<!subteam^S…>).
//
// # Transport
//
// In HTTP mode Routes serves POST /slack/commands and POST
// /slack/interactions. With an app-level token (Config.AppToken) the adapter
// uses Socket Mode instead: Run connects with slack-go's socketmode client,
// which reconnects by itself, drains its events and acknowledges every
// envelope; no route is served. Both paths share the same code after the
// request is authenticated. Run first calls auth.test, which learns the
// workspace (when Config.TeamID is empty) and proves the bot token; Ready
// reports it (and, in Socket Mode, the connection).
//
// # The 3-second rule
//
// Slack wants an answer to a slash command within 3 s, whatever YTX does.
// The adapter runs the core in the background and waits up to
// Config.AckWithin (2 s by default): a reply ready by then is the answer;
// otherwise Slack gets an ephemeral "Working on it…" at once and the reply
// follows through the command's response_url when it is ready. Clicks are
// acknowledged with an empty 200 straight away and answered through
// response_url; the Invite… form is checked before its submission is
// acknowledged (a bad number is a validation error on the field and
// nothing is sent), then handed to the core. Cards are posted by the core
// through PostCard (chat.postMessage) and kept current through EditCard
// (chat.update); Block Kit text written by people is escaped so that a title
// or a name can neither mention anyone nor carry a link.
//
// # Privacy
//
// Every answer to a person is ephemeral: a slash command is never answered
// with response_type in_channel, because Slack would then show the typed
// command, numbers included, to everyone. Cards show masked numbers only
// (the core masks them). Button values are the core's opaque ids; the
// Invite… form carries its button id and channel, never a number.
//
// # Security
//
// In HTTP mode the body is read up to 64 KiB (413 beyond, without reading
// the rest) and Slack's v0 signature (HMAC-SHA256 of "v0:timestamp:body"
// with the signing secret, constant-time compare, 5-minute window) is checked
// on the raw bytes before anything parses them; a failure is a bare 401 and
// nothing else happens. Requests from another workspace than the one served
// are refused before they reach the core. Redelivered commands and clicks
// are recognised by the core through Request.ID (trigger_id; message ts,
// action id and action_ts; the view id of a form). Tokens, the signing
// secret and response URLs never appear in logs or errors.
package slack
