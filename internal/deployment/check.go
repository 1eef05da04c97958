package deployment

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
)

// MailboxOpener opens a user's mailbox through Microsoft Graph, to prove the credentials: on behalf of
// the user with their token when assertion is set, with the app's own credentials otherwise.
type MailboxOpener func(ctx context.Context, tenantID, objectID, assertion string) error

// Check is the outcome of one check, for a person to read.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// Admin is who asks for the check: their mailbox is the one opened.
type Admin struct {
	TenantID string
	ObjectID string
	// Token is their access token to crmsync, which client mode exchanges on their behalf.
	Token    string
	SyncMode string
}

// checkTimeout bounds each check.
const checkTimeout = 10 * time.Second

// Service describes and checks one deployment.
type Service struct {
	cfg  Config
	http *http.Client
	open MailboxOpener
}

// New builds the service. client reads the public URL (nil: a client of its own); open proves the Graph
// credentials (nil: that check says it cannot be made here).
func New(cfg Config, client *http.Client, open MailboxOpener) *Service {
	if client == nil {
		client = &http.Client{Timeout: checkTimeout}
	}
	return &Service{cfg: cfg, http: client, open: open}
}

// Describe is Config.Describe of the service's configuration.
func (s *Service) Describe(syncMode string) Description { return s.cfg.Describe(syncMode) }

// Check makes the checks: the public URL answers /healthz, and Graph opens the admin's mailbox with the
// credentials the tenant's mode uses.
func (s *Service) Check(ctx context.Context, who Admin) []Check {
	return []Check{s.checkPublicURL(ctx), s.checkGraph(ctx, who)}
}

// checkPublicURL reads /healthz at the public URL: over https in production, from this server (so
// through DNS and the proxy in front of it; Outlook's own view may still differ). Local mode reads it on
// loopback, where only this process can be reached.
func (s *Service) checkPublicURL(ctx context.Context) Check {
	c := Check{Name: "Public URL"}
	target := strings.TrimRight(s.cfg.PublicURL, "/") + "/healthz"
	if s.cfg.Local {
		target = strings.TrimRight(s.cfg.SelfURL, "/") + "/healthz"
	} else if !strings.HasPrefix(target, "https://") {
		c.Detail = s.cfg.PublicURL + " is not https: Outlook loads add-ins only over https"
		return c
	}
	if err := s.healthz(ctx, target); err != nil {
		c.Detail = err.Error()
		return c
	}
	c.OK = true
	c.Detail = target + " answered from this server."
	if s.cfg.Local {
		c.Detail = "local mode: " + target + " answered on loopback. Outlook loads the local add-in from " + s.cfg.PublicURL +
			" (trust the development certificate); an https URL reachable from outside is checked only in production."
	}
	return c
}

func (s *Service) healthz(ctx context.Context, target string) error {
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return fmt.Errorf("%s is not a URL: %w", target, err)
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s did not answer: %w", target, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"ok"`) {
		return fmt.Errorf("%s answered %s, not crmsync's health: is the URL this service's?", target, resp.Status)
	}
	return nil
}

// checkGraph opens the admin's mailbox as the tenant's synchronization does: on their behalf in client
// mode, with the app's credentials in server mode, with the development token of a fake Graph in local
// mode.
func (s *Service) checkGraph(ctx context.Context, who Admin) Check {
	c := Check{Name: "Microsoft Graph"}
	if s.open == nil {
		c.Detail = "this server cannot reach Microsoft Graph"
		return c
	}
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	assertion, how := "", "with the app's own credentials (server mode)"
	switch {
	case s.cfg.Local:
		how = "local mode: the demo mailbox (a fake Microsoft Graph) with the development token; no Entra credentials are used"
	case who.SyncMode != crm.SyncModeServer:
		assertion, how = who.Token, "on your behalf (client mode: your token exchanged with the app's credentials)"
	}
	if err := s.open(ctx, who.TenantID, who.ObjectID, assertion); err != nil {
		c.Detail = "your mailbox could not be opened " + how + ": " + err.Error()
		return c
	}
	c.OK = true
	c.Detail = "your mailbox opened " + how + "."
	if s.cfg.Local {
		c.Detail = how + ": your mailbox opened."
	}
	return c
}
