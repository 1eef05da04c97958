package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/crmsync/crmsync/internal/outlook"
)

// deltaPageSize is the page size asked of message delta; Graph's maximum for messages is higher, but
// smaller pages keep a slow mailbox's round from timing out halfway.
const deltaPageSize = 50

// deltaMessageFields are the properties a delta round reads: what deciding to auto-track needs.
// internetMessageHeaders may not be selected in delta, so the thread headers come from a full read of
// the few candidates that need them.
func deltaMessageFields() []string {
	return []string{"id", "changeKey", "internetMessageId", "conversationId", "subject", "from", "isDraft",
		"categories", "parentFolderId", "receivedDateTime", "toRecipients", "ccRecipients", "lastModifiedDateTime"}
}

// DeltaPage is one page of a message delta round.
type DeltaPage struct {
	// Messages are the new or changed messages, without body, thread headers or stamp.
	Messages []outlook.Message
	// Removed are the immutable ids of messages deleted or moved out of the folder.
	Removed []string
	// NextLink continues the round; empty on its last page.
	NextLink string
	// DeltaLink, on the last page only, starts the next round: store the whole URL.
	DeltaLink string
}

// MessagesDelta reads one page of the changes to a folder's messages ("inbox", "sentitems" or a folder
// id). An empty link starts a new round that lists every message; otherwise link is a NextLink or
// DeltaLink from an earlier page, requested as it is. An expired link answers outlook.ErrSyncReset: start
// over with an empty link.
func (m *Mailbox) MessagesDelta(ctx context.Context, folder, link string) (DeltaPage, error) {
	builder := m.me().MailFolders().ByMailFolderId(folder).Messages().Delta()
	config := &users.ItemMailFoldersItemMessagesDeltaRequestBuilderGetRequestConfiguration{
		Headers: preferImmutable(fmt.Sprintf("odata.maxpagesize=%d", deltaPageSize)),
	}
	if link == "" {
		config.QueryParameters = &users.ItemMailFoldersItemMessagesDeltaRequestBuilderGetQueryParameters{
			Select: deltaMessageFields(),
		}
	} else {
		builder = builder.WithUrl(link)
	}
	var failure *apiFailure
	resp, err := fetch(ctx, m, func(ctx context.Context) (users.ItemMailFoldersItemMessagesDeltaGetResponseable, error) {
		resp, err := builder.GetAsDeltaGetResponse(ctx, config)
		if f := failureOf(err); f != nil {
			failure = f
		}
		return resp, err
	})
	if err != nil {
		if failure != nil && isSyncReset(failure) {
			err = fmt.Errorf("%w (%w)", outlook.ErrSyncReset, failure)
		}
		return DeltaPage{}, fmt.Errorf("read delta of folder %s: %w", folder, err)
	}
	page := DeltaPage{NextLink: deref(resp.GetOdataNextLink()), DeltaLink: deref(resp.GetOdataDeltaLink())}
	for _, g := range resp.GetValue() {
		if g == nil {
			continue
		}
		if _, gone := g.GetAdditionalData()["@removed"]; gone {
			page.Removed = append(page.Removed, deref(g.GetId()))
			continue
		}
		page.Messages = append(page.Messages, message(g))
	}
	if page.NextLink == "" && page.DeltaLink == "" {
		return DeltaPage{}, fmt.Errorf("read delta of folder %s: %w", folder, errors.New("Graph answered without a next or delta link")) //nolint:staticcheck // ST1005: it starts with a name
	}
	return page, nil
}

// resetCodes are the error codes that mean a delta round must start over: an expired token ("a 40X-series
// error with error codes such as syncStateNotFound", delta-query-overview.md), and the resync codes of
// errors.md, at the top level or in an innerError. syncStateInvalid is Exchange's own spelling of a
// token it cannot read.
var resetCodes = []string{"syncStateNotFound", "syncStateInvalid", "resyncRequired", "resyncApplyDifferences", "resyncUploadDifferences"}

// isSyncReset reports whether a delta failure means the sync state is gone: 410 Gone (the
// synchronization reset of delta-query-overview.md), or any 4xx carrying a reset code.
func isSyncReset(f *apiFailure) bool {
	if f.status == http.StatusGone {
		return true
	}
	return f.status >= 400 && f.status < 500 && f.has(resetCodes...)
}
