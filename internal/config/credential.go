package config

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/google/uuid"
)

// The ways crmsync authenticates as its app registration when it asks Entra for Microsoft Graph tokens.
const (
	CredentialSecret           = "secret"
	CredentialCertificate      = "certificate"
	CredentialManagedIdentity  = "managed-identity"
	CredentialWorkloadIdentity = "workload-identity"
)

// Credential is the chosen way and what it needs. With a managed or a workload identity no secret
// exists: the identity's token is the client assertion of the app registration, which trusts the
// identity through a federated identity credential.
type Credential struct {
	// Kind is one of the Credential* constants ("" in local mode).
	Kind string
	// ManagedIdentityClientID is the client id of the user-assigned managed identity (managed-identity).
	ManagedIdentityClientID string
	// Workload identity, as the AKS workload identity webhook sets it up: the service account token's
	// file (AZURE_FEDERATED_TOKEN_FILE), the identity the service account is federated with
	// (AZURE_CLIENT_ID) and that identity's tenant (AZURE_TENANT_ID).
	FederatedTokenFile string
	WorkloadClientID   string
	WorkloadTenantID   string
}

// Federated reports whether the credential is an identity's token rather than a secret or certificate.
func (c Credential) Federated() bool {
	return c.Kind == CredentialManagedIdentity || c.Kind == CredentialWorkloadIdentity
}

// credentialChoices says what each choice needs, for the messages that refuse a configuration.
const credentialChoices = "secret (with CRMSYNC_CLIENT_SECRET), certificate (with CRMSYNC_CLIENT_CERT), " +
	"managed-identity (with CRMSYNC_MANAGED_IDENTITY_CLIENT_ID) or workload-identity (with AZURE_FEDERATED_TOKEN_FILE, " +
	"AZURE_CLIENT_ID and AZURE_TENANT_ID, which the AKS workload identity webhook sets)"

// loadCredential reads the credential settings. The AZURE_* variables are the ones Kubernetes' workload
// identity webhook injects into the pod; they have no flags.
func loadCredential(get, getenv func(string) string) (Credential, []error) {
	c := Credential{
		Kind:                    get("CRMSYNC_CLIENT_CREDENTIAL"),
		ManagedIdentityClientID: get("CRMSYNC_MANAGED_IDENTITY_CLIENT_ID"),
	}
	switch c.Kind {
	case "", CredentialSecret, CredentialCertificate, CredentialManagedIdentity:
	case CredentialWorkloadIdentity:
		c.FederatedTokenFile = strings.TrimSpace(getenv("AZURE_FEDERATED_TOKEN_FILE"))
		c.WorkloadClientID = strings.TrimSpace(getenv("AZURE_CLIENT_ID"))
		c.WorkloadTenantID = strings.TrimSpace(getenv("AZURE_TENANT_ID"))
	default:
		return c, []error{fmt.Errorf("CRMSYNC_CLIENT_CREDENTIAL: %q is not one of %s", c.Kind, credentialChoices)}
	}
	return c, nil
}

// validateCredential checks, in production, that the chosen credential has what it needs and nothing
// that belongs to another choice. An unset CRMSYNC_CLIENT_CREDENTIAL means what is set: a secret or a
// certificate, as before the choice existed.
func (c *Config) validateCredential() []error {
	var errs []error
	cred := &c.Credential
	if cred.Kind == "" {
		switch {
		case c.ClientSecret != "" && c.ClientCert != "":
			return []error{errors.New("CRMSYNC_CLIENT_SECRET and CRMSYNC_CLIENT_CERT are mutually exclusive: set CRMSYNC_CLIENT_CREDENTIAL to the one to use")}
		case c.ClientSecret != "":
			cred.Kind = CredentialSecret
		case c.ClientCert != "":
			cred.Kind = CredentialCertificate
		default:
			return []error{errors.New("production needs CRMSYNC_CLIENT_CREDENTIAL to call Microsoft Graph: " + credentialChoices)}
		}
	}
	// refuse names the settings of the other choices when they are set anyway: an admin who moved to a
	// managed identity should see that a secret is still lying around.
	refuse := func(env, value string) {
		if value != "" {
			errs = append(errs, fmt.Errorf("%s is not used with CRMSYNC_CLIENT_CREDENTIAL=%s: remove it", env, cred.Kind))
		}
	}
	need := func(env, value string) bool {
		if value == "" {
			errs = append(errs, fmt.Errorf("CRMSYNC_CLIENT_CREDENTIAL=%s needs %s", cred.Kind, env))
			return false
		}
		return true
	}
	guid := func(env, value string) {
		if need(env, value) {
			if _, err := uuid.Parse(value); err != nil {
				errs = append(errs, fmt.Errorf("%s: %q is not a client or tenant id (a GUID)", env, value))
			}
		}
	}
	switch cred.Kind {
	case CredentialSecret:
		need("CRMSYNC_CLIENT_SECRET", c.ClientSecret)
		refuse("CRMSYNC_CLIENT_CERT", c.ClientCert)
		refuse("CRMSYNC_MANAGED_IDENTITY_CLIENT_ID", cred.ManagedIdentityClientID)
	case CredentialCertificate:
		need("CRMSYNC_CLIENT_CERT", c.ClientCert)
		refuse("CRMSYNC_CLIENT_SECRET", c.ClientSecret)
		refuse("CRMSYNC_MANAGED_IDENTITY_CLIENT_ID", cred.ManagedIdentityClientID)
	case CredentialManagedIdentity:
		// Only a user-assigned identity can be the subject of an app registration's federated credential.
		guid("CRMSYNC_MANAGED_IDENTITY_CLIENT_ID", cred.ManagedIdentityClientID)
		refuse("CRMSYNC_CLIENT_SECRET", c.ClientSecret)
		refuse("CRMSYNC_CLIENT_CERT", c.ClientCert)
	case CredentialWorkloadIdentity:
		need("AZURE_FEDERATED_TOKEN_FILE", cred.FederatedTokenFile)
		guid("AZURE_CLIENT_ID", cred.WorkloadClientID)
		guid("AZURE_TENANT_ID", cred.WorkloadTenantID)
		refuse("CRMSYNC_CLIENT_SECRET", c.ClientSecret)
		refuse("CRMSYNC_CLIENT_CERT", c.ClientCert)
		refuse("CRMSYNC_MANAGED_IDENTITY_CLIENT_ID", cred.ManagedIdentityClientID)
	}
	if c.DatabaseEntra {
		errs = append(errs, c.validateDatabaseEntra()...)
	}
	return errs
}

// validateDatabaseEntra checks CRMSYNC_DATABASE_AUTH=entra: a PostgreSQL URL whose user is the
// identity's database role, no password (the token is the password), and an identity to get it from.
func (c *Config) validateDatabaseEntra() []error {
	var errs []error
	if !c.Credential.Federated() {
		errs = append(errs, errors.New("CRMSYNC_DATABASE_AUTH=entra needs CRMSYNC_CLIENT_CREDENTIAL=managed-identity or workload-identity: the identity's token is the password"))
	}
	u, err := url.Parse(c.DatabaseURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return append(errs, errors.New("CRMSYNC_DATABASE_AUTH=entra needs a postgres:// CRMSYNC_DATABASE_URL (Azure Database for PostgreSQL)"))
	}
	if u.User == nil || u.User.Username() == "" {
		errs = append(errs, errors.New("CRMSYNC_DATABASE_URL needs a user with CRMSYNC_DATABASE_AUTH=entra: the database role of the identity"))
	}
	if _, set := u.User.Password(); set {
		errs = append(errs, errors.New("CRMSYNC_DATABASE_URL must not hold a password with CRMSYNC_DATABASE_AUTH=entra: the identity's token is the password"))
	}
	return errs
}
