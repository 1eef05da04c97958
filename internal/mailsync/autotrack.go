package mailsync

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/tracking"
)

// policy applies one user's automatic tracking option to the messages of a pass.
type policy struct {
	store  *store.Store
	mb     MailReader
	user   crm.User
	option string
	never  *tracking.NeverTrack
	// neverValues are the never-track entries that apply, read once per pass.
	neverValues []string
	neverRead   bool
}

// picks reports whether the user's option tracks msg. Incoming mail is judged by its sender; sent mail
// (Sent Items) by its recipients, since the sender is the user. Whatever the option, mail whose
// counterparts are all on a never-track list is not picked.
func (p *policy) picks(ctx context.Context, folder string, msg outlook.Message) (bool, error) {
	if p.option == crm.AutoTrackNone {
		return false, nil
	}
	if never, err := p.neverTracked(ctx, folder, msg); err != nil || never {
		return false, err
	}
	switch p.option {
	case crm.AutoTrackAll:
		return true, nil
	case crm.AutoTrackResponses:
		return p.isResponse(ctx, msg)
	case crm.AutoTrackLeadsContactsAccounts:
		return p.fromRecord(ctx, folder, msg, crm.TypeLead, crm.TypeContact, crm.TypeAccount)
	case crm.AutoTrackEmailEnabledRecords:
		return p.fromRecord(ctx, folder, msg)
	default:
		return false, nil
	}
}

// isResponse reports whether msg answers a tracked email: In-Reply-To or References name one, or its
// conversation has one. Delta cannot select the headers, so the message is read in full, but only once
// the cheap conversation check has failed.
func (p *policy) isResponse(ctx context.Context, msg outlook.Message) (bool, error) {
	tracked, err := p.store.ThreadTracked(ctx, p.user.TenantID, nil, msg.ConversationID)
	if err != nil || tracked {
		return tracked, err
	}
	full, err := p.mb.Message(ctx, msg.ID)
	if err != nil {
		return false, fmt.Errorf("read message %s for its thread: %w", msg.ID, err)
	}
	var thread []string
	if full.InReplyTo != "" {
		thread = append(thread, full.InReplyTo)
	}
	thread = append(thread, full.References...)
	thread = slices.DeleteFunc(thread, func(id string) bool { return id == "" || id == full.InternetMessageID })
	if len(thread) == 0 {
		return false, nil
	}
	return p.store.ThreadTracked(ctx, p.user.TenantID, thread, "")
}

// neverTracked reports whether every counterpart of msg is on a never-track list.
func (p *policy) neverTracked(ctx context.Context, folder string, msg outlook.Message) (bool, error) {
	if !p.neverRead {
		values, err := p.never.Values(ctx, p.user.TenantID, p.user.ID, p.option)
		if err != nil {
			return false, err
		}
		p.neverValues, p.neverRead = values, true
	}
	if len(p.neverValues) == 0 {
		return false, nil
	}
	addrs := p.counterparts(folder, msg)
	if len(addrs) == 0 {
		return false, nil
	}
	for _, a := range addrs {
		if !crm.NeverTracked(p.neverValues, a) {
			return false, nil
		}
	}
	return true, nil
}

// counterparts are whom the user corresponds with in msg: its sender, or its recipients when the user
// sent it; never the user.
func (p *policy) counterparts(folder string, msg outlook.Message) []string {
	var addrs []string
	if folder == FolderSentItems || p.isUser(msg.From.Email) {
		for _, a := range slices.Concat(msg.To, msg.Cc) {
			addrs = append(addrs, a.Email)
		}
	} else {
		addrs = append(addrs, msg.From.Email)
	}
	return slices.DeleteFunc(addrs, func(a string) bool { return a == "" || p.isUser(a) })
}

// fromRecord reports whether the message's counterpart resolves to a record of one of types (any record
// type with an email field when none are given).
func (p *policy) fromRecord(ctx context.Context, folder string, msg outlook.Message, types ...string) (bool, error) {
	addrs := slices.DeleteFunc(p.counterparts(folder, msg), func(a string) bool { return crm.NeverTracked(p.neverValues, a) })
	if len(addrs) == 0 {
		return false, nil
	}
	found, err := p.store.ResolveAddresses(ctx, p.user.TenantID, addrs, "")
	if err != nil {
		return false, err
	}
	for _, ref := range found {
		if len(types) == 0 || slices.Contains(types, ref.Type) {
			return true, nil
		}
	}
	return false, nil
}

func (p *policy) isUser(addr string) bool {
	return strings.EqualFold(addr, p.user.Email) || strings.EqualFold(addr, p.user.UPN)
}
