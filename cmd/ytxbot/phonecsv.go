package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/ytxbot/ytxbot/bot"
)

// csvHeader is the phone CSV's header (SPEC §11).
var csvHeader = []string{"identity", "phone", "name", "admin"}

// lineError is one refused CSV line.
type lineError struct {
	Line int
	Msg  string
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// readPhoneCSV reads and validates every line. It returns the users only
// when all lines are valid: an import applies all or nothing.
func readPhoneCSV(r io.Reader, o bot.PhoneOptions) ([]*bot.User, []error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	head, err := cr.Read()
	if err != nil {
		return nil, []error{&lineError{1, "no header: want " + strings.Join(csvHeader, ",")}}
	}
	for i := range head {
		head[i] = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(head[i], "\ufeff")))
	}
	if !slices.Equal(head, csvHeader) {
		return nil, []error{&lineError{1, fmt.Sprintf("header %q: want %s", strings.Join(head, ","), strings.Join(csvHeader, ","))}}
	}
	var (
		users []*bot.User
		errs  []error
		seen  = map[string]int{}
	)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			errs = append(errs, &lineError{line, "not CSV: " + err.Error()})
			if len(errs) > 100 {
				break
			}
			continue
		}
		u, msg := phoneRow(rec, o)
		switch {
		case msg != "":
			errs = append(errs, &lineError{line, msg})
		case seen[u.Identity] != 0:
			errs = append(errs, &lineError{line, fmt.Sprintf("%s is also on line %d", u.Identity, seen[u.Identity])})
		default:
			seen[u.Identity] = line
			users = append(users, u)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return users, nil
}

func phoneRow(rec []string, o bot.PhoneOptions) (*bot.User, string) {
	if len(rec) != len(csvHeader) {
		return nil, fmt.Sprintf("%d fields, want %d (%s)", len(rec), len(csvHeader), strings.Join(csvHeader, ","))
	}
	id, phone, name, admin := strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1]), strings.TrimSpace(rec[2]), strings.TrimSpace(rec[3])
	if !bot.ValidIdentity(id) {
		return nil, fmt.Sprintf("identity %q: want slack:T0001:U0001, telegram:12345 or console:name", id)
	}
	u := &bot.User{Identity: id, Name: name}
	if phone != "" {
		n, err := bot.NormalizePhone(phone, o)
		if err != nil {
			var pe *bot.PhoneError
			if errors.As(err, &pe) {
				return nil, pe.Message("en")
			}
			return nil, "phone " + bot.MaskPhone(phone) + " is not a number"
		}
		u.Phone = n
	}
	switch strings.ToLower(admin) {
	case "", "false", "no", "0":
	case "true", "yes", "1":
		u.Admin = true
	default:
		return nil, fmt.Sprintf("admin %q: want true or false", admin)
	}
	if u.Phone == "" && !u.Admin {
		return nil, "neither a phone nor admin: nothing to import"
	}
	return u, ""
}

// writePhoneCSV writes the mappings in the import format.
func writePhoneCSV(w io.Writer, users []*bot.User) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, u := range users {
		if u.Phone == "" && !u.Admin {
			continue
		}
		if err := cw.Write([]string{u.Identity, u.Phone, u.Name, strconv.FormatBool(u.Admin)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
