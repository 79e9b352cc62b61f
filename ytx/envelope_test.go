package ytx

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// Fixtures are the seeds' samples (repaired where they were not JSON) and
// answers recorded by public integrations, quoted in ytx-protocol.md.
func TestDecodeEnvelopeFixtures(t *testing.T) {
	tests := []struct {
		file      string
		code, msg string
		requestID string
		data      bool
	}{
		{"create_ok.json", "0", `{"meid":"002","mepwd":"896433","meetcallerid":"01053189900"}`, "", false},
		{"missing_param.json", "-2", "缺少必要参数", "", false},
		{"dialback_ok.json", "0", "提交成功", "2016010000000205", false},
		{"dialback_real.json", "0", "提交成功", "20200428145137113750610411601", false},
		{"query_ok.json", "0", "提交成功", "", true},
		{"numeric_code.json", "-104", "请求频率过高", "12345", false},
		{"cdr_bare.json", "0", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			env, err := decodeEnvelope(body)
			if err != nil {
				t.Fatalf("decodeEnvelope: %v", err)
			}
			if env.StatusCode != tc.code || env.Message() != tc.msg || env.RequestID != tc.requestID || (len(env.Data) > 0) != tc.data {
				t.Errorf("got code %q msg %q requestId %q data %s", env.StatusCode, env.Message(), env.RequestID, env.Data)
			}
		})
	}
}

func TestDecodeEnvelopeRejects(t *testing.T) {
	for _, body := range []string{"", "<html>502</html>", "[]", "null", `"0"`, `{"statusMsg":"ok"}`, `{"statusCode":null}`, `{"statusCode":{}}`} {
		if _, err := decodeEnvelope([]byte(body)); !errors.Is(err, ErrMalformed) {
			t.Errorf("decodeEnvelope(%q) = %v, want ErrMalformed", body, err)
		}
	}
}

func TestDecodeEnvelopeCaseInsensitive(t *testing.T) {
	env, err := decodeEnvelope([]byte(`{"StatusCode":"-205","STATUSMSG":"应用验证失败","requestid":7}`))
	if err != nil {
		t.Fatal(err)
	}
	if env.StatusCode != "-205" || env.Message() != "应用验证失败" || env.RequestID != "7" {
		t.Errorf("got %+v", env)
	}
}
