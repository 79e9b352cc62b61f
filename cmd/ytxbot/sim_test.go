package main

import (
	"bufio"
	"context"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/ytx"
)

// TestSimCommand runs `ytxbot sim` as a user would and places a dial-back
// call through the real client against it.
func TestSimCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	outR, outW := io.Pipe()
	var stderr strings.Builder
	exited := make(chan int, 1)
	go func() {
		exited <- Run(ctx, []string{"sim", "--addr", "127.0.0.1:0", "--auth-token", "tok-never-printed", "--speed", "demo"}, strings.NewReader(""), outW, &stderr)
		outW.Close()
	}()
	line, err := bufio.NewReader(outR).ReadString('\n')
	if err != nil {
		t.Fatalf("no banner: %v (stderr %q)", err, stderr.String())
	}
	go io.Copy(io.Discard, outR)
	m := regexp.MustCompile(`on (http://\S+) \(account SID (\S+), app id (\S+),`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("banner %q lacks address, SID or app id", line)
	}
	if strings.Contains(line, "tok-never-printed") {
		t.Errorf("banner prints the auth token: %q", line)
	}
	c, err := ytx.New(ytx.Config{BaseURL: m[1], AccountSID: m[2], AuthToken: "tok-never-printed", AppID: m[3]})
	if err != nil {
		t.Fatal(err)
	}
	call, err := c.DialBack(ctx, &ytx.DialBackParams{From: "13800000001", To: "13900000002", MaxDuration: 5 * time.Minute})
	if err != nil || len(call.RequestID) != 29 {
		t.Fatalf("DialBack = %+v, %v", call, err)
	}
	bad, _ := ytx.New(ytx.Config{BaseURL: m[1], AccountSID: m[2], AuthToken: "wrong", AppID: m[3]})
	if _, err := bad.DialBack(ctx, &ytx.DialBackParams{From: "13800000001", To: "13900000002", MaxDuration: 5 * time.Minute}); !ytx.IsCode(err, ytx.CodeBadAuthToken) {
		t.Errorf("wrong token: %v, want -203", err)
	}
	cancel()
	select {
	case code := <-exited:
		if code != 0 {
			t.Errorf("exit code %d, stderr %q", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sim did not stop on cancel")
	}
	if strings.Contains(stderr.String(), "tok-never-printed") {
		t.Error("logs carry the auth token")
	}
}

func TestVersionCommand(t *testing.T) {
	var out strings.Builder
	if code := Run(context.Background(), []string{"version"}, nil, &out, io.Discard); code != 0 || !strings.HasPrefix(out.String(), "ytxbot ") {
		t.Errorf("version: code %d, output %q", code, out.String())
	}
	if code := Run(context.Background(), []string{"nosuch"}, nil, io.Discard, io.Discard); code == 0 {
		t.Error("an unknown command exits 0")
	}
}
