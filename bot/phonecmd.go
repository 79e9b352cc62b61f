package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// subject resolves the person a /phone command is about: the caller, or a
// named party (admins only, except for themselves).
func (t *turn) subject(ctx context.Context, refs []PartyRef) (string, string, error) {
	refs = t.replyTarget(refs)
	if len(refs) == 0 {
		return t.identity, t.req.UserName, nil
	}
	if len(refs) > 1 || refs[0].Kind == PartyPhone || refs[0].Kind == PartyGroup {
		return "", "", t.refuse("bad_party", msgBadParty, refs[0].Label)
	}
	id, err := t.identityOf(ctx, refs[0])
	if err != nil {
		return "", "", err
	}
	if id != t.identity && !t.admin(ctx) {
		return "", "", t.refuse("forbidden", msgAdminsOnly)
	}
	return id, strings.TrimPrefix(refs[0].Label, "@"), nil
}

func (t *turn) user(ctx context.Context, id, name string) (*User, error) {
	u, err := t.b.store.User(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return &User{Identity: id, Name: name}, nil
	}
	if err == nil && u.Name == "" {
		u.Name = name
	}
	return u, err
}

func (t *turn) phoneSet(ctx context.Context, cmd *Command) (Reply, error) {
	id, name, err := t.subject(ctx, cmd.Parties)
	if err != nil {
		return Reply{}, err
	}
	admin := t.admin(ctx)
	if id == t.identity && !admin && !t.b.cfg.Policy.SelfService {
		return Reply{}, t.refuse("self_service_off", msgSelfServiceOff)
	}
	if err := t.allowed(cmd.Number); err != nil {
		return Reply{}, err
	}
	if !admin {
		// Self-service claims are unique: a number someone else has stays theirs.
		ids, err := t.b.store.IdentitiesByPhone(ctx, cmd.Number)
		if err != nil {
			return Reply{}, err
		}
		for _, other := range ids {
			if other != id {
				return Reply{}, t.refuse("number_taken", msgNumberTaken)
			}
		}
	}
	u, err := t.user(ctx, id, name)
	if err != nil {
		return Reply{}, err
	}
	u.Phone, u.Verified, u.Updated = cmd.Number, false, t.now()
	if err := t.b.store.PutUser(ctx, u); err != nil {
		return Reply{}, err
	}
	t.audit(ctx, "phone.set", id+" "+MaskPhone(cmd.Number), nil, "")
	if id == t.identity {
		return Reply{Text: tr(t.loc, msgPhoneSetSelf, cmd.Number)}, nil
	}
	return Reply{Text: tr(t.loc, msgPhoneSetOther, displayName(u), cmd.Number)}, nil
}

func (t *turn) phoneShow(ctx context.Context, cmd *Command) (Reply, error) {
	id, name, err := t.subject(ctx, cmd.Parties)
	if err != nil {
		return Reply{}, err
	}
	u, err := t.b.store.User(ctx, id)
	if errors.Is(err, ErrNotFound) || (err == nil && u.Phone == "") {
		if id == t.identity {
			return Reply{Text: tr(t.loc, msgYouNotMapped)}, nil
		}
		return Reply{Text: tr(t.loc, msgPartyNotMapped, "@"+name)}, nil
	}
	if err != nil {
		return Reply{}, err
	}
	return Reply{Text: t.describe(u)}, nil
}

func (t *turn) describe(u *User) string {
	var flags []string
	if u.Verified {
		flags = append(flags, tr(t.loc, msgFlagVerified))
	}
	if u.DND {
		flags = append(flags, tr(t.loc, msgFlagDND))
	}
	if u.Admin || t.b.admins[u.Identity] {
		flags = append(flags, tr(t.loc, msgFlagAdmin))
	}
	s := fmt.Sprintf("%s (%s): %s", displayName(u), u.Identity, u.Phone)
	if len(flags) > 0 {
		s += " · " + strings.Join(flags, ", ")
	}
	return s
}

func (t *turn) phoneRemove(ctx context.Context, cmd *Command) (Reply, error) {
	id, _, err := t.subject(ctx, cmd.Parties)
	if err != nil {
		return Reply{}, err
	}
	u, err := t.b.store.User(ctx, id)
	if errors.Is(err, ErrNotFound) || (err == nil && u.Phone == "") {
		return Reply{Text: tr(t.loc, msgNothingToRemove)}, nil
	}
	if err != nil {
		return Reply{}, err
	}
	old := u.Phone
	u.Phone, u.Verified, u.Updated = "", false, t.now()
	if err := t.b.store.PutUser(ctx, u); err != nil {
		return Reply{}, err
	}
	t.audit(ctx, "phone.remove", id+" "+MaskPhone(old), nil, "")
	return Reply{Text: tr(t.loc, msgRemoved, displayName(u))}, nil
}

func (t *turn) phoneList(ctx context.Context) (Reply, error) {
	if !t.admin(ctx) {
		return Reply{}, t.refuse("forbidden", msgAdminsOnly)
	}
	us, err := t.b.store.Users(ctx)
	if err != nil {
		return Reply{}, err
	}
	lines := []string{tr(t.loc, msgListHeader, len(us))}
	for _, u := range us {
		if u.Phone != "" || u.Admin {
			lines = append(lines, "- "+t.describe(u))
		}
	}
	return Reply{Text: strings.Join(lines, "\n")}, nil
}

func (t *turn) phoneDND(ctx context.Context, cmd *Command) (Reply, error) {
	u, err := t.user(ctx, t.identity, t.req.UserName)
	if err != nil {
		return Reply{}, err
	}
	u.DND, u.Updated = cmd.Toggle == "on", t.now()
	if err := t.b.store.PutUser(ctx, u); err != nil {
		return Reply{}, err
	}
	t.audit(ctx, "phone.dnd."+cmd.Toggle, t.identity, nil, "")
	if u.DND {
		return Reply{Text: tr(t.loc, msgDNDOn)}, nil
	}
	return Reply{Text: tr(t.loc, msgDNDOff)}, nil
}

func (t *turn) phoneAdmin(ctx context.Context, cmd *Command) (Reply, error) {
	if !t.admin(ctx) {
		return Reply{}, t.refuse("forbidden", msgAdminsOnly)
	}
	if len(cmd.Parties) != 1 {
		return Reply{Text: Usage(RootPhone, t.loc)}, nil
	}
	id, err := t.identityOf(ctx, cmd.Parties[0])
	if err != nil {
		return Reply{}, err
	}
	u, err := t.user(ctx, id, strings.TrimPrefix(cmd.Parties[0].Label, "@"))
	if err != nil {
		return Reply{}, err
	}
	if cmd.Toggle == "remove" {
		if t.b.admins[id] {
			return Reply{}, t.refuse("permanent_admin", msgPermanentAdmin)
		}
		if id == t.identity {
			n, err := t.adminCount(ctx)
			if err != nil {
				return Reply{}, err
			}
			if n <= 1 {
				return Reply{}, t.refuse("last_admin", msgLastAdmin)
			}
		}
	}
	u.Admin, u.Updated = cmd.Toggle == "add", t.now()
	if err := t.b.store.PutUser(ctx, u); err != nil {
		return Reply{}, err
	}
	t.audit(ctx, "phone.admin."+cmd.Toggle, id, nil, "")
	if u.Admin {
		return Reply{Text: tr(t.loc, msgAdminAdded, displayName(u))}, nil
	}
	return Reply{Text: tr(t.loc, msgAdminRemoved, displayName(u))}, nil
}

func (t *turn) adminCount(ctx context.Context) (int, error) {
	us, err := t.b.store.Users(ctx)
	if err != nil {
		return 0, err
	}
	n := len(t.b.admins)
	for _, u := range us {
		if u.Admin && !t.b.admins[u.Identity] {
			n++
		}
	}
	return n, nil
}

func (t *turn) phoneShare(ctx context.Context) (Reply, error) {
	if t.req.Platform != Telegram {
		return Reply{}, t.refuse("telegram_only", msgShareTelegramOnly)
	}
	if t.req.ChatType != ChatPrivate {
		return Reply{}, t.refuse("private_only", msgSharePrivateOnly)
	}
	return Reply{Text: tr(t.loc, msgSharePrompt), SharePhone: true}, nil
}

// contact maps a number the platform vouches for: only the sender's own.
func (t *turn) contact(ctx context.Context) (Reply, error) {
	c := t.req.Contact
	if c.UserID != t.req.UserID {
		return Reply{}, t.refuse("not_your_contact", msgNotYourContact)
	}
	phone, err := NormalizePhone(c.Phone, PhoneOptions{AllowInternational: t.b.cfg.Policy.AllowInternational})
	if err != nil {
		return Reply{}, t.refuse("bad_phone", msgContactBadPhone)
	}
	if err := t.allowed(phone); err != nil {
		return Reply{}, err
	}
	u, err := t.user(ctx, t.identity, t.req.UserName)
	if err != nil {
		return Reply{}, err
	}
	u.Phone, u.Verified, u.Updated = phone, true, t.now()
	if err := t.b.store.PutUser(ctx, u); err != nil {
		return Reply{}, err
	}
	t.audit(ctx, "phone.share", t.identity+" "+MaskPhone(phone), nil, "")
	return Reply{Text: tr(t.loc, msgPhoneSetSelf, phone)}, nil
}
