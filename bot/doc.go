// Package bot is the platform-neutral core of ytxbot: the command grammar and
// its parser, the phone-number rules, policy, the handlers that turn a
// command into YTX requests, status tracking, and the reply and card model.
//
// Adapters (Slack, Telegram, the console) translate platform events into a
// bot.Request, call the core, and render the bot.Reply it returns; the core
// never imports an adapter, a chat SDK or the storage engine. It declares the
// small interfaces it consumes (Store, Telephony, Notifier, a clock) and
// imports only package ytx and the standard library.
//
// # Commands
//
// Parse reads the same grammar on every platform (SPEC §3): /meet, /call and
// /phone, their subcommands, parties (mentions, @names, user groups, phone
// numbers), meeting refs, flags, TIME and DURATION. It checks syntax only and
// returns a *Command, or a *UsageError whose Message explains the problem in
// English or Simplified Chinese with the usage of the command. Usage,
// UsageLine, Subcommands and Roots give the help text and the command lists
// (for Telegram's setMyCommands).
//
// # Phone numbers
//
// NormalizePhone is the one place where a typed number becomes a number that
// can be rung, and MaskPhone and MaskText the one place where numbers are
// hidden from everyone but their owner and admins. No error of this package
// contains a full phone number.
//
// # Records changed by many hands
//
// A meeting or call record is changed by commands, YTX pushes and the
// poller at once. Each reads the record as stored and writes it back under
// the record's lock (striped, fixed memory): pushes and polls for the time
// of one change, a command from reading its meeting until the command ends,
// YTX request and card post included. A push that arrives meanwhile waits
// for the command and is then applied to what the command stored, never
// overwritten by the command's copy. A second command waits at most twice
// the YTX timeout and is then told the meeting is busy; a poll round
// passes a held meeting by; a chat migration moves a held record once it
// is let go.
package bot
