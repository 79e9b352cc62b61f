package memstore_test

import (
	"testing"

	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/bot/bottest"
	"github.com/ytxbot/ytxbot/bot/memstore"
)

func TestStoreSuite(t *testing.T) {
	bottest.StoreSuite(t, func(*testing.T) bot.Store { return memstore.New() })
}
