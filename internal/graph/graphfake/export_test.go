package graphfake

import (
	"fmt"
	"time"

	"github.com/crmsync/crmsync/internal/outlook"
)

// SeedSubscriptions adds n subscriptions to the messages of n new folders of user's mailbox, expiring
// in an hour by the server's clock, without validating notifyURL: for tests of the quota and of paging,
// which need more subscriptions than are worth creating one request at a time.
func (s *Server) SeedSubscriptions(user string, n int, notifyURL string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.mustMailbox(user)
	now := s.now()
	for i := range n {
		f := mb.folder(fmt.Sprintf("seeded-%d-%d", len(s.subs), i))
		sub := &subscription{id: newGUID(), resource: "users/" + mb.objectID + "/mailFolders/" + f.id + "/messages",
			mb: mb, itemKind: outlook.KindMessage, coll: "messages:" + f.id, changeType: "created",
			notifyURL: notifyURL, expires: now.Add(time.Hour), created: now}
		sub.key = mb.objectID + "/" + string(sub.itemKind) + "/" + sub.coll + "|created"
		s.addSubscription(sub)
	}
}
