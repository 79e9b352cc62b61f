// Command ytxbot is the chat-ops bot that starts YTX phone conferences and
// dial-back calls from Slack and Telegram, and its tools: the YTX simulator,
// configuration checks and administration commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
