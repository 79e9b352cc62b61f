package bot_test

import (
	"testing"

	"github.com/ytxbot/ytxbot/bot"
)

// TestTitleMarkupPerPlatform: <…> in a title is Slack markup to decode
// only in Slack's text; elsewhere (Telegram, console) it is what was typed.
func TestTitleMarkupPerPlatform(t *testing.T) {
	for _, c := range []struct {
		notSlack bool
		text     string
		want     string
	}{
		{false, "/meet create <#C1|ops> &lt;b&gt; sync @x", "#ops <b> sync"},
		{true, "/meet create <b>bold</b> &amp; sync @x", "<b>bold</b> &amp; sync"},
	} {
		cmd, err := bot.Parse(c.text, bot.ParseContext{NotSlack: c.notSlack})
		if err != nil {
			t.Fatalf("%q: %v", c.text, err)
		}
		if cmd.Title != c.want {
			t.Errorf("%q (not Slack: %v): title %q, want %q", c.text, c.notSlack, cmd.Title, c.want)
		}
	}
}
