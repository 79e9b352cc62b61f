package slack

import (
	"os"
	"strings"
	"testing"
)

// TestManifest checks the app manifest against what the adapter serves:
// the default command names with escaped mentions, the HTTP paths, and the
// scopes the adapter's API calls need.
func TestManifest(t *testing.T) {
	b, err := os.ReadFile("../../configs/slack-app-manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := string(b)
	for _, want := range []string{
		"command: /meet", "command: /call", "command: /phone",
		"url: https://YOUR-HOST/slack/commands", "request_url: https://YOUR-HOST/slack/interactions",
		"- commands", "- chat:write ", "- chat:write.public", "- users:read ", "- usergroups:read",
		"socket_mode_enabled: false", "connections:write",
	} {
		if !strings.Contains(m, want) {
			t.Errorf("manifest lacks %q", want)
		}
	}
	if n := strings.Count(m, "should_escape: true"); n != 3 {
		t.Errorf("%d commands escape mentions, want 3", n)
	}
	if strings.Contains(m, "should_escape: false") || strings.Contains(m, "\t") {
		t.Error("manifest has an unescaped command or a tab")
	}
}
