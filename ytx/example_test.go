package ytx_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ytxbot/ytxbot/ytx"
)

func ExampleClient_DialBack() {
	c, err := ytx.New(ytx.Config{BaseURL: ytx.SandboxURL, AccountSID: "…", AuthToken: "…", AppID: "…"})
	if err != nil {
		panic(err)
	}
	call, err := c.DialBack(context.Background(), &ytx.DialBackParams{
		From: "13800000001", To: "13900000002", MaxDuration: 30 * time.Minute, CustomParm: "c42",
	})
	switch {
	case errors.Is(err, ytx.ErrOutcomeUnknown):
		fmt.Println("phones may be ringing: check again, do not resend")
	case err != nil:
		var ae *ytx.APIError
		if errors.As(err, &ae) {
			en, _, advice := ae.Explain()
			fmt.Println(en + ": " + advice)
		}
	default:
		fmt.Println("placed", call.RequestID)
	}
}
