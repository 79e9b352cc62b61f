// Package console is the terminal adapter: it reads one command per line
// from standard input (a terminal or a pipe), hands each to the bot as a
// console request, and prints replies and cards as text. It powers
// `ytxbot console`, the zero-account demo.
package console

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/ytxbot/ytxbot/bot"
)

// Handler is the core as the adapter sees it; *bot.Bot satisfies it.
type Handler interface {
	Handle(ctx context.Context, req *bot.Request) bot.Reply
}

// Config configures the adapter.
type Config struct {
	User    string // the local user's name: identity console:<User>
	Channel string // the one channel the console talks in
	Prompt  bool   // print a prompt (stdin is a terminal)
}

// Adapter is the console chat platform. It is also the bot's Notifier for
// the console: cards are printed when posted and each time they change.
type Adapter struct {
	cfg Config
	h   Handler
	in  io.Reader

	mu    sync.Mutex
	out   io.Writer
	seq   int
	cards map[string]string // message id → last text printed
	user  string
}

var (
	_ bot.Notifier                            = (*Adapter)(nil)
	_ interface{ Run(context.Context) error } = (*Adapter)(nil)
)

// New returns a console adapter reading in and writing out.
func New(cfg Config, h Handler, in io.Reader, out io.Writer) (*Adapter, error) {
	if h == nil || in == nil || out == nil {
		return nil, errors.New("console: handler, input and output are required")
	}
	if cfg.User == "" {
		cfg.User = "me"
	}
	if cfg.Channel == "" {
		cfg.Channel = "console"
	}
	return &Adapter{cfg: cfg, h: h, in: in, out: out, cards: map[string]string{}, user: cfg.User}, nil
}

// Run reads lines until the input ends or ctx is done. Lines starting with
// "/as NAME" switch the local user, so one terminal can play several people.
func (a *Adapter) Run(ctx context.Context) error {
	lines := make(chan string)
	errc := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(a.in)
		sc.Buffer(make([]byte, 64*1024), 64*1024)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		errc <- sc.Err()
		close(lines)
	}()
	n := 0
	a.prompt()
	for {
		select {
		case <-ctx.Done():
			return nil
		case line, ok := <-lines:
			if !ok {
				return <-errc
			}
			n++
			a.line(ctx, n, strings.TrimSpace(line))
			a.prompt()
		}
	}
}

func (a *Adapter) prompt() {
	if a.cfg.Prompt {
		a.printf("%s> ", a.user)
	}
}

func (a *Adapter) line(ctx context.Context, n int, line string) {
	switch {
	case line == "" || strings.HasPrefix(line, "#"):
		return
	case strings.HasPrefix(line, "/as "):
		a.user = strings.TrimPrefix(strings.TrimSpace(strings.TrimPrefix(line, "/as ")), "@")
		a.printf("(you are now @%s)\n", a.user)
		return
	case line == "/quit" || line == "/exit":
		return
	}
	req := &bot.Request{ID: "line-" + strconv.Itoa(n), Platform: bot.Console, Channel: a.cfg.Channel,
		ChannelName: a.cfg.Channel, ChatType: bot.ChatPrivate, UserID: a.user, UserName: a.user, Text: line}
	if strings.HasPrefix(line, "!") { // "!m:1:end": click a button by id
		req.Text, req.Action = "", &bot.Action{ID: strings.TrimPrefix(line, "!")}
	}
	rep := a.h.Handle(ctx, req)
	if rep.Silent || rep.Text == "" {
		return
	}
	for _, l := range strings.Split(rep.Text, "\n") {
		a.printf("  %s\n", l)
	}
	for _, b := range rep.Buttons {
		a.printf("  [%s] (type !%s)\n", b.Label, b.ID)
	}
}

func (a *Adapter) printf(format string, args ...any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	fmt.Fprintf(a.out, format, args...)
}

// PostCard prints a new card.
func (a *Adapter) PostCard(_ context.Context, to bot.Destination, c *bot.Card) (*bot.CardRef, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.seq++
	id := strconv.Itoa(a.seq)
	text := c.Text()
	a.cards[id] = text
	fmt.Fprintf(a.out, "%s\n", box(text))
	return &bot.CardRef{Platform: bot.Console, Channel: to.Channel, MessageID: id}, nil
}

// EditCard prints the card again when its text changed.
func (a *Adapter) EditCard(_ context.Context, ref *bot.CardRef, c *bot.Card) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	text := c.Text()
	if a.cards[ref.MessageID] == text {
		return nil
	}
	a.cards[ref.MessageID] = text
	fmt.Fprintf(a.out, "%s\n", box(text))
	return nil
}

// box frames a card so it stands out from replies.
func box(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = "│ " + l
	}
	return "┌─ card\n" + strings.Join(lines, "\n") + "\n└─"
}
