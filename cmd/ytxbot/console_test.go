package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestMain lets the test binary run as ytxbot itself, so end-to-end tests
// drive the real program as a subprocess without a separate build.
func TestMain(m *testing.M) {
	if os.Getenv("YTXBOTTEST_RUN_MAIN") == "1" {
		os.Args = append([]string{"ytxbot"}, os.Args[1:]...)
		main()
		return
	}
	os.Exit(m.Run())
}

// proc is ytxbot running as a subprocess, its output collected line by line.
type proc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	mu    sync.Mutex
	out   strings.Builder
	more  chan struct{}
	done  chan error
}

func startYtxbot(t *testing.T, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "YTXBOTTEST_RUN_MAIN=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	p := &proc{cmd: cmd, stdin: stdin, more: make(chan struct{}, 1), done: make(chan error, 1)}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.mu.Lock()
			p.out.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			select {
			case p.more <- struct{}{}:
			default:
			}
		}
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	return p
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// send types a line and waits until the output, from mark on, contains want.
func (p *proc) send(t *testing.T, line, want string) {
	t.Helper()
	mark := len(p.output())
	if _, err := io.WriteString(p.stdin, line+"\n"); err != nil {
		t.Fatal(err)
	}
	p.expect(t, mark, want)
}

func (p *proc) expect(t *testing.T, mark int, want string) {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for !strings.Contains(p.output()[mark:], want) {
		select {
		case <-p.more:
		case <-deadline:
			t.Fatalf("waited 15s for %q; output:\n%s", want, p.output())
		}
	}
}

// TestConsoleEndToEnd drives `ytxbot console` through stdin/stdout as a
// newcomer would: map a number, create a meeting with two parties, watch
// them answer, invite, hang up, end; dial back.
func TestConsoleEndToEnd(t *testing.T) {
	p := startYtxbot(t, "console")
	p.expect(t, 0, "You are @me")
	p.send(t, "/meet create standup @alice @bob", "You have no phone number yet")
	p.send(t, "/phone set 136-0000-0000", "Saved: your number is 13600000000")
	p.send(t, "/meet create standup @alice @bob", "[#1] standup · in progress")
	p.expect(t, 0, "alice 138****0001: joined") // the poller edits the card as people answer
	p.send(t, "/meet invite @carol", "Ringing 1 more into meeting #1")
	p.expect(t, 0, "carol 137****0003: joined")
	p.send(t, "/meet hangup @bob", "Hung up bob")
	p.send(t, "/meet end", "Meeting #1 ended")
	p.send(t, "/call dialback @alice", "[c1]")
	p.expect(t, 0, "[c1] Call me → alice · connected") // the simulator's pushes move the call card
	if strings.Contains(p.output(), "13800000001:") {
		t.Error("a card shows a full number")
	}
	p.stdin.Close()
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, p.output())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("console did not exit after end of input:\n%s", p.output())
	}
}

// TestConsolePipe: a script piped in runs and exits 0 (SPEC §8).
func TestConsolePipe(t *testing.T) {
	cmd := exec.CommandContext(context.Background(), os.Args[0], "console")
	cmd.Env = append(os.Environ(), "YTXBOTTEST_RUN_MAIN=1")
	cmd.Stdin = strings.NewReader("/meet help\n/call\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(string(out), "/meet create") {
		t.Errorf("no usage in output:\n%s", out)
	}
}
