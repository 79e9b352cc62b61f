package ytx

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func seedFixtures(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{"", "null", "[]", `{"statusCode":1e400}`, `{"statusCode":"0","statusMsg":{"meid":[1]}}`, `{"cdr":"[{\"duration\":1e308}]"}`, `{"data":"\"[{}]\""}`} {
		f.Add([]byte(s))
	}
}

// FuzzDecodeEnvelope: any body decodes or fails with ErrMalformed, never
// panics; what decodes has a status code and a JSON-safe message.
func FuzzDecodeEnvelope(f *testing.F) {
	seedFixtures(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		env, err := decodeEnvelope(body)
		if err != nil {
			return
		}
		if env.StatusCode == "" {
			t.Fatalf("decoded without a status code: %q", body)
		}
		_ = env.Message()
		for _, m := range decodeMeetings(env.Data) {
			if _, err := json.Marshal(m); err != nil {
				t.Fatalf("meeting view not encodable: %v", err)
			}
		}
		_ = decodeRecords(env.CDR)
	})
}

// FuzzParsePush: any body parses or fails with ErrMalformed; a parsed push
// keeps the body and has the typed part its kind promises.
func FuzzParsePush(f *testing.F) {
	seedFixtures(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := ParsePush(body)
		if err != nil {
			if json.Valid(body) {
				var obj map[string]json.RawMessage
				if json.Unmarshal(body, &obj) == nil && obj != nil {
					t.Fatalf("a JSON object was refused: %q: %v", body, err)
				}
			}
			return
		}
		if string(p.Raw) != string(body) {
			t.Fatal("Raw differs from the body")
		}
		switch p.Kind {
		case PushCallState:
			if p.State == nil || p.State.RequestID == "" {
				t.Fatalf("call-state push without state: %q", body)
			}
		case PushMeeting:
			if p.Meeting == nil {
				t.Fatalf("meeting push without event: %q", body)
			}
		}
	})
}
