package graph

import (
	"context"
	"fmt"
	"net/http"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	abs "github.com/microsoft/kiota-abstractions-go"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
)

// entraOptions is the pipeline of every token request: the authority, our transport, and no retries —
// like Graph calls, token requests are not retried here: the job queue decides when to try again.
func entraOptions(authority string, hc *http.Client) azcore.ClientOptions {
	return azcore.ClientOptions{
		Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: authority + "/"},
		Transport: hc,
		Retry:     policy.RetryOptions{MaxRetries: -1},
	}
}

// credential builds the azidentity credential for u: on-behalf-of when u carries an assertion,
// client credentials otherwise; with the app's secret, its certificate, or the assertion of the
// service's managed or workload identity.
func (c *Client) credential(u User) (azcore.TokenCredential, error) {
	client := entraOptions(c.authority, c.entraHTTP)
	obo := &azidentity.OnBehalfOfCredentialOptions{ClientOptions: client, DisableInstanceDiscovery: c.noDiscovery}
	var (
		cred azcore.TokenCredential
		err  error
	)
	switch {
	case u.Assertion != "" && c.identity != nil:
		cred, err = azidentity.NewOnBehalfOfCredentialWithClientAssertions(u.TenantID, c.clientID, u.Assertion, c.identity.assertion, obo)
	case u.Assertion != "" && c.certs != nil:
		cred, err = azidentity.NewOnBehalfOfCredentialWithCertificate(u.TenantID, c.clientID, u.Assertion, c.certs, c.key, obo)
	case u.Assertion != "":
		cred, err = azidentity.NewOnBehalfOfCredentialWithSecret(u.TenantID, c.clientID, u.Assertion, c.secret, obo)
	case c.identity != nil:
		cred, err = azidentity.NewClientAssertionCredential(u.TenantID, c.clientID, c.identity.assertion,
			&azidentity.ClientAssertionCredentialOptions{ClientOptions: client, DisableInstanceDiscovery: c.noDiscovery})
	case c.certs != nil:
		cred, err = azidentity.NewClientCertificateCredential(u.TenantID, c.clientID, c.certs, c.key,
			&azidentity.ClientCertificateCredentialOptions{ClientOptions: client, DisableInstanceDiscovery: c.noDiscovery})
	default:
		cred, err = azidentity.NewClientSecretCredential(u.TenantID, c.clientID, c.secret,
			&azidentity.ClientSecretCredentialOptions{ClientOptions: client, DisableInstanceDiscovery: c.noDiscovery})
	}
	if err != nil {
		return nil, fmt.Errorf("create credential for tenant %s: %w", u.TenantID, err)
	}
	return cred, nil
}

// newGraphClient builds a Graph client that authenticates with auth and sends through c's pipeline.
// The base URL is set before the client is built: the SDK copies it into every request builder.
func (c *Client) newGraphClient(auth tokenSource) (*msgraphsdk.GraphServiceClient, error) {
	adapter, err := msgraphsdk.NewGraphRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(
		bearer{auth}, nil, nil, c.graphHTTP)
	if err != nil {
		return nil, fmt.Errorf("create graph request adapter: %w", err)
	}
	adapter.SetBaseUrl(c.baseURL)
	return msgraphsdk.NewGraphServiceClient(adapter), nil
}

// tokenSource yields the bearer token for a Graph request.
type tokenSource interface {
	token(ctx context.Context) (string, error)
}

// staticToken is the DevToken of local mode.
type staticToken string

func (t staticToken) token(context.Context) (string, error) { return string(t), nil }

// credentialToken asks an azidentity credential, which caches tokens until they near expiry.
type credentialToken struct {
	cred azcore.TokenCredential
}

func (t credentialToken) token(ctx context.Context) (string, error) {
	// The identity's failure, if it is one, lands here: azidentity passes on only its text.
	var identityErr error
	tok, err := t.cred.GetToken(context.WithValue(ctx, identitySlot{}, &identityErr), policy.TokenRequestOptions{Scopes: []string{graphScope}})
	if err != nil {
		if identityErr != nil {
			err = identityErr
		}
		return "", &credentialError{err: err}
	}
	return tok.Token, nil
}

// credentialError marks a failure to obtain a token, so classify can tell it from a Graph failure.
type credentialError struct {
	err error
}

func (e *credentialError) Error() string { return "get token: " + e.err.Error() }
func (e *credentialError) Unwrap() error { return e.err }

// bearer is the kiota authentication provider: it sets the Authorization header from a tokenSource.
// Ours rather than kiota's azure provider, which insists on https and a list of Graph hosts; graphfake
// is neither.
type bearer struct {
	src tokenSource
}

func (b bearer) AuthenticateRequest(ctx context.Context, req *abs.RequestInformation, _ map[string]any) error {
	tok, err := b.src.token(ctx)
	if err != nil {
		return err
	}
	req.Headers.Add("Authorization", "Bearer "+tok)
	return nil
}
