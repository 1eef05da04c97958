package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// The ways the Client authenticates as the app registration (Options.Credential).
const (
	CredentialSecret           = "secret"
	CredentialCertificate      = "certificate"
	CredentialManagedIdentity  = "managed-identity"
	CredentialWorkloadIdentity = "workload-identity"
)

// DatabaseScope is Azure Database for PostgreSQL's Entra resource: a token for it is the password of an
// Entra database role.
const DatabaseScope = "https://ossrdbms-aad.database.windows.net/.default"

// tokenExchangeScope is what a federated credential's assertion must be issued for: the audience an app
// registration's federated identity credential expects, which differs per cloud.
func tokenExchangeScope(authority string) string {
	host := authority
	if u, err := url.Parse(authority); err == nil && u.Host != "" {
		host = u.Hostname()
	}
	switch strings.ToLower(host) {
	case "login.microsoftonline.us":
		return "api://AzureADTokenExchangeUSGov/.default"
	case "login.chinacloudapi.cn", "login.partner.microsoftonline.cn":
		return "api://AzureADTokenExchangeChina/.default"
	default:
		return "api://AzureADTokenExchange/.default"
	}
}

// identity is the service's own Azure identity: a user-assigned managed identity, or a Kubernetes service
// account federated with an Entra identity (workload identity). Its tokens replace the app
// registration's secret: the app registration has a federated identity credential that trusts it.
type identity struct {
	kind string
	// cred is the identity's own credential: it gives the token that is the app's client assertion, and
	// tokens for other resources such as the database.
	cred azcore.TokenCredential
	// direct is set for a service account federated with the app registration itself (AZURE_CLIENT_ID is
	// the app's client id): the service account token is the assertion, without an exchange.
	direct   func() (string, error)
	exchange string // the scope of the assertion
	health   *identityHealth
}

// newIdentity builds the identity that opts choose, or nil for a secret or a certificate.
func newIdentity(opts Options, client azcore.ClientOptions, health *identityHealth) (*identity, error) {
	id := &identity{kind: opts.Credential, exchange: tokenExchangeScope(opts.Authority), health: health}
	switch opts.Credential {
	case CredentialManagedIdentity:
		if opts.ManagedIdentityClientID == "" {
			return nil, errors.New("graph: a managed identity needs ManagedIdentityClientID (only a user-assigned identity can be federated with an app)")
		}
		// The managed identity endpoint is found from the environment the platform sets (IDENTITY_ENDPOINT
		// and IDENTITY_HEADER on Container Apps and App Service, IMDS on virtual machines).
		cred, err := azidentity.NewManagedIdentityCredential(&azidentity.ManagedIdentityCredentialOptions{
			ClientOptions: client, ID: azidentity.ClientID(opts.ManagedIdentityClientID)})
		if err != nil {
			return nil, fmt.Errorf("graph: managed identity %s: %w", opts.ManagedIdentityClientID, err)
		}
		id.cred = cred
	case CredentialWorkloadIdentity:
		if opts.FederatedTokenFile == "" || opts.WorkloadClientID == "" || opts.WorkloadTenantID == "" {
			return nil, errors.New("graph: a workload identity needs FederatedTokenFile, WorkloadClientID and WorkloadTenantID")
		}
		// The file is read whenever Entra needs an assertion: Kubernetes replaces the token before it
		// expires, and the newest one must be sent.
		file := opts.FederatedTokenFile
		read := func() (string, error) {
			b, err := os.ReadFile(file)
			if err != nil {
				return "", fmt.Errorf("read the service account token (AZURE_FEDERATED_TOKEN_FILE): %w", err)
			}
			tok := strings.TrimSpace(string(b))
			if tok == "" {
				return "", fmt.Errorf("the service account token file %s is empty", file)
			}
			return tok, nil
		}
		cred, err := azidentity.NewClientAssertionCredential(opts.WorkloadTenantID, opts.WorkloadClientID,
			func(context.Context) (string, error) { return read() },
			&azidentity.ClientAssertionCredentialOptions{ClientOptions: client, DisableInstanceDiscovery: opts.DisableInstanceDiscovery})
		if err != nil {
			return nil, fmt.Errorf("graph: workload identity %s: %w", opts.WorkloadClientID, err)
		}
		id.cred = cred
		if strings.EqualFold(opts.WorkloadClientID, opts.ClientID) {
			id.direct = read
		}
	default:
		return nil, nil
	}
	return id, nil
}

// assertion returns the app registration's client assertion: the identity's token for the token
// exchange audience (or, for a service account federated with the app itself, its own token). It
// records the outcome for the health report and, on failure, in the slot that credentialToken put in
// ctx, because azidentity keeps only the text of a callback's error.
func (id *identity) assertion(ctx context.Context) (string, error) {
	var (
		tok string
		err error
	)
	if id.direct != nil {
		tok, err = id.direct()
	} else {
		var at azcore.AccessToken
		at, err = id.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{id.exchange}})
		tok = at.Token
	}
	if err != nil && ctx.Err() != nil {
		return "", ctx.Err() // a cancelled request says nothing about the identity
	}
	id.health.record(err)
	if err != nil {
		err = &IdentityError{Kind: id.kind, Err: err, RetryAfter: id.health.retryIn()}
		if slot, ok := ctx.Value(identitySlot{}).(*error); ok {
			*slot = err
		}
		return "", err
	}
	return tok, nil
}

// IdentityError is a failure of the service's own identity (its endpoint is down, its token file is
// missing): the service cannot reach Graph at all, whichever mailbox it works on, until it recovers.
// It is never the mailbox's fault: a job meeting it waits (RetryAfter, the watcher's current backoff)
// without spending an attempt, so that no click is given up however long the outage.
type IdentityError struct {
	Kind       string
	Err        error
	RetryAfter time.Duration
}

func (e *IdentityError) Error() string {
	what := "the managed identity gave no token"
	if e.Kind == CredentialWorkloadIdentity {
		what = "the workload identity gave no token"
	}
	msg := what + ": " + firstLine(e.Err.Error())
	// azidentity puts the answer's status on the lines that firstLine drops.
	var auth *azidentity.AuthenticationFailedError
	if errors.As(e.Err, &auth) && auth.RawResponse != nil && auth.RawResponse.Request != nil {
		msg += fmt.Sprintf(" (HTTP %d from %s)", auth.RawResponse.StatusCode, auth.RawResponse.Request.URL.Host)
	}
	return msg
}

func (e *IdentityError) Unwrap() error { return e.Err }

// identitySlot is the context key under which credentialToken collects an IdentityError.
type identitySlot struct{}

// firstLine keeps the first line of azidentity's messages, which go on with whole HTTP responses.
func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	return s
}

// DatabaseToken returns a function that gets the identity's Entra token for Azure Database for
// PostgreSQL, to use as the password of the identity's database role. It is for a managed or workload
// identity only; tokens are cached by azidentity until shortly before they expire.
func DatabaseToken(opts Options) (func(ctx context.Context) (string, error), error) {
	if opts.Authority == "" {
		opts.Authority = defaultAuthority
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: defaultTimeout, Transport: pooledTransport()}
	}
	id, err := newIdentity(opts, entraOptions(opts.Authority, hc), newIdentityHealth(opts.Credential, time.Now))
	if err != nil {
		return nil, err
	}
	if id == nil {
		return nil, errors.New("graph: a database token needs a managed or workload identity")
	}
	return func(ctx context.Context) (string, error) {
		tok, err := id.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{DatabaseScope}})
		if err != nil {
			return "", fmt.Errorf("get a database token from the %s: %s", strings.ReplaceAll(id.kind, "-", " "), firstLine(err.Error()))
		}
		return tok.Token, nil
	}, nil
}
