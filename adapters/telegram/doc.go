// Package telegram is ytxbot's Telegram adapter. It turns Bot API updates
// into bot.Requests for the core and renders the core's replies and cards
// back into Telegram messages, using github.com/go-telegram/bot as a thin
// HTTP client (imported as tgbot, because it collides with our package bot).
//
// # Intake
//
// Updates arrive by long polling (Config.Mode "polling", the default:
// deleteWebhook, then getUpdates) or by webhook ("webhook": setWebhook with a
// secret, and this package's own POST /telegram/webhook handler, which checks
// the X-Telegram-Bot-Api-Secret-Token header in constant time (401), bounds
// the body at 1 MiB (413), refuses bad JSON (400), and drops duplicates before
// queueing the update for Run).
//
// Every update is handled in two steps. First, synchronously and in update
// order, the adapter learns what the update tells about people: the @username
// of every user it names (SPEC §2: Telegram cannot resolve usernames, so the
// core learns them from what it sees, before any command that might name
// them runs), private chats users opened with the bot, and group migrations.
// Then the command, click or contact is dispatched on its own goroutine,
// behind a recover, so a slow YTX request or a panic never holds up or kills
// the intake.
//
// # Commands
//
// The library's MatchTypeCommand misses "/meet@OurBot" and slices UTF-16
// entity offsets as bytes, so the adapter matches bot_command entities
// itself: /meet, /call and /phone at any position of the text, with no
// suffix or "@OurBot" (handled) or "@OtherBot" (ignored). Text before the
// command is dropped and the entities are rebased to the command, counting
// UTF-16 code units as Telegram does. A command sent as a reply names the
// replied-to user (Request.ReplyTo).
//
// # Who may act
//
// A group command counts only in Config.AllowedChats; other groups get at
// most one "not enabled" note per chat per 24 hours. A person may act only
// if the core knows them (an admin or a mapped identity) or getChatMember
// finds them in an allowed chat (cached for 10 minutes). Refusals are
// private notes and never reach the core, and so never reach YTX.
//
// # Replies and cards
//
// A reply goes to the person's private chat with the bot when they have one
// (a 403 falls back), else it is posted as a reply in the group with every
// number masked by bot.MaskText. Group commands that contain a phone number
// are deleted when the bot has the right to, and the reply says so. Cards are
// HTML messages with inline keyboards whose callback_data are the core's
// opaque button ids; they are edited in place with editMessageText. A 429 is
// waited out once (bounded), a group upgraded to a supergroup is followed
// (core.MigrateChat, then the message goes to the new chat), and
// "message is not modified" counts as success. The Invite… button asks with
// a ForceReply prompt; the answer becomes "/meet invite #N <answer>".
package telegram
