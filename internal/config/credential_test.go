package config_test

import (
	"io"
	"strings"
	"testing"

	"github.com/crmsync/crmsync/internal/config"
)

const (
	identityID = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
	homeTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
)

// secretless is production with no secret: prod without CRMSYNC_CLIENT_SECRET, plus extra.
func secretless(extra map[string]string) map[string]string {
	m := prod(extra)
	if _, keep := extra["CRMSYNC_CLIENT_SECRET"]; !keep {
		delete(m, "CRMSYNC_CLIENT_SECRET")
	}
	return m
}

func TestClientCredential(t *testing.T) {
	workload := map[string]string{"CRMSYNC_CLIENT_CREDENTIAL": "workload-identity",
		"AZURE_FEDERATED_TOKEN_FILE": "/var/run/secrets/azure/tokens/azure-identity-token", "AZURE_CLIENT_ID": identityID, "AZURE_TENANT_ID": homeTenant}
	with := func(base map[string]string, extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	cases := []struct {
		name    string
		env     map[string]string
		want    config.Credential
		wantErr []string
	}{
		{name: "a secret alone means secret", env: prod(nil), want: config.Credential{Kind: "secret"}},
		{name: "a certificate alone means certificate", env: secretless(map[string]string{"CRMSYNC_CLIENT_CERT": "/etc/crmsync/app.pem"}),
			want: config.Credential{Kind: "certificate"}},
		{name: "managed identity", env: secretless(map[string]string{"CRMSYNC_CLIENT_CREDENTIAL": "managed-identity", "CRMSYNC_MANAGED_IDENTITY_CLIENT_ID": identityID}),
			want: config.Credential{Kind: "managed-identity", ManagedIdentityClientID: identityID}},
		{name: "workload identity", env: secretless(workload),
			want: config.Credential{Kind: "workload-identity", FederatedTokenFile: workload["AZURE_FEDERATED_TOKEN_FILE"], WorkloadClientID: identityID, WorkloadTenantID: homeTenant}},
		{name: "nothing chosen", env: secretless(nil),
			wantErr: []string{"production needs CRMSYNC_CLIENT_CREDENTIAL", "managed-identity (with CRMSYNC_MANAGED_IDENTITY_CLIENT_ID)", "AZURE_FEDERATED_TOKEN_FILE"}},
		{name: "an unknown choice", env: prod(map[string]string{"CRMSYNC_CLIENT_CREDENTIAL": "password"}),
			wantErr: []string{`CRMSYNC_CLIENT_CREDENTIAL: "password" is not one of secret (with CRMSYNC_CLIENT_SECRET)`}},
		{name: "managed identity without its client id", env: secretless(map[string]string{"CRMSYNC_CLIENT_CREDENTIAL": "managed-identity"}),
			wantErr: []string{"CRMSYNC_CLIENT_CREDENTIAL=managed-identity needs CRMSYNC_MANAGED_IDENTITY_CLIENT_ID"}},
		{name: "managed identity client id not a guid", env: secretless(map[string]string{"CRMSYNC_CLIENT_CREDENTIAL": "managed-identity", "CRMSYNC_MANAGED_IDENTITY_CLIENT_ID": "crmsync-identity"}),
			wantErr: []string{`CRMSYNC_MANAGED_IDENTITY_CLIENT_ID: "crmsync-identity" is not a client or tenant id`}},
		{name: "managed identity with a secret left over", env: prod(map[string]string{"CRMSYNC_CLIENT_CREDENTIAL": "managed-identity", "CRMSYNC_MANAGED_IDENTITY_CLIENT_ID": identityID}),
			wantErr: []string{"CRMSYNC_CLIENT_SECRET is not used with CRMSYNC_CLIENT_CREDENTIAL=managed-identity: remove it"}},
		{name: "workload identity outside a configured pod", env: secretless(map[string]string{"CRMSYNC_CLIENT_CREDENTIAL": "workload-identity"}),
			wantErr: []string{"needs AZURE_FEDERATED_TOKEN_FILE", "needs AZURE_CLIENT_ID", "needs AZURE_TENANT_ID"}},
		{name: "workload identity with a managed identity id", env: secretless(with(workload, map[string]string{"CRMSYNC_MANAGED_IDENTITY_CLIENT_ID": identityID})),
			wantErr: []string{"CRMSYNC_MANAGED_IDENTITY_CLIENT_ID is not used with CRMSYNC_CLIENT_CREDENTIAL=workload-identity"}},
		{name: "secret chosen without one", env: secretless(map[string]string{"CRMSYNC_CLIENT_CREDENTIAL": "secret"}),
			wantErr: []string{"CRMSYNC_CLIENT_CREDENTIAL=secret needs CRMSYNC_CLIENT_SECRET"}},
		{name: "certificate chosen with a secret", env: prod(map[string]string{"CRMSYNC_CLIENT_CREDENTIAL": "certificate", "CRMSYNC_CLIENT_CERT": "/etc/app.pem"}),
			wantErr: []string{"CRMSYNC_CLIENT_SECRET is not used with CRMSYNC_CLIENT_CREDENTIAL=certificate"}},
		{name: "a credential in local mode", env: map[string]string{"CRMSYNC_CLIENT_CREDENTIAL": "managed-identity"},
			wantErr: []string{"need CRMSYNC_CLIENT_ID"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := config.Load("serve", nil, env(tc.env), io.Discard)
			if len(tc.wantErr) > 0 {
				if err == nil {
					t.Fatalf("accepted: %+v", c.Credential)
				}
				for _, want := range tc.wantErr {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not say %q", err, want)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Credential != tc.want {
				t.Fatalf("credential = %+v, want %+v", c.Credential, tc.want)
			}
		})
	}
}

func TestDatabaseAuth(t *testing.T) {
	mi := func(extra map[string]string) map[string]string {
		m := secretless(map[string]string{"CRMSYNC_CLIENT_CREDENTIAL": "managed-identity", "CRMSYNC_MANAGED_IDENTITY_CLIENT_ID": identityID})
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	cases := []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		{name: "entra with a managed identity", env: mi(map[string]string{"CRMSYNC_DATABASE_AUTH": "entra", "CRMSYNC_DATABASE_URL": "postgres://crmsync-identity@db.postgres.database.azure.com/crmsync?sslmode=require"})},
		{name: "entra with a secret", env: prod(map[string]string{"CRMSYNC_DATABASE_AUTH": "entra", "CRMSYNC_DATABASE_URL": "postgres://crmsync-identity@db/crmsync"}),
			wantErr: "CRMSYNC_DATABASE_AUTH=entra needs CRMSYNC_CLIENT_CREDENTIAL=managed-identity or workload-identity"},
		{name: "entra on SQLite", env: mi(map[string]string{"CRMSYNC_DATABASE_AUTH": "entra"}), wantErr: "needs a postgres:// CRMSYNC_DATABASE_URL"},
		{name: "entra with a password", env: mi(map[string]string{"CRMSYNC_DATABASE_AUTH": "entra", "CRMSYNC_DATABASE_URL": "postgres://crmsync:hunter2@db/crmsync"}),
			wantErr: "must not hold a password"},
		{name: "entra without a user", env: mi(map[string]string{"CRMSYNC_DATABASE_AUTH": "entra", "CRMSYNC_DATABASE_URL": "postgres://db/crmsync"}),
			wantErr: "needs a user"},
		{name: "an unknown way", env: mi(map[string]string{"CRMSYNC_DATABASE_AUTH": "kerberos"}), wantErr: `CRMSYNC_DATABASE_AUTH: "kerberos" is not password or entra`},
		{name: "entra in local mode", env: map[string]string{"CRMSYNC_DATABASE_AUTH": "entra"}, wantErr: "CRMSYNC_DATABASE_AUTH=entra needs CRMSYNC_CLIENT_ID"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := config.Load("serve", nil, env(tc.env), io.Discard)
			if tc.wantErr == "" {
				if err != nil || !c.DatabaseEntra {
					t.Fatalf("err = %v, DatabaseEntra = %v", err, c.DatabaseEntra)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want it to say %q", err, tc.wantErr)
			}
		})
	}
}

func TestEncryptionKeyList(t *testing.T) {
	const (
		k1 = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" // "0123456789abcdef0123456789abcdef"
		k2 = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=" // "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef"
	)
	t.Run("the first seals, the list keeps its order", func(t *testing.T) {
		c, err := config.Load("serve", nil, env(prod(map[string]string{"CRMSYNC_ENCRYPTION_KEY": k2 + ", " + k1})), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.EncryptionKeys) != 2 || string(c.EncryptionKeys[0]) != "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef" || string(c.EncryptionKeys[1]) != "0123456789abcdef0123456789abcdef" {
			t.Fatalf("keys = %q", c.EncryptionKeys)
		}
	})
	cases := []struct {
		name, keys, want string
	}{
		{"bad base64", k1 + ",not*base64", "key 2 of 2 is not base64"},
		{"wrong length", "c2hvcnQ=," + k1, "key 1 of 2 is 5 bytes, it must be 32"},
		{"duplicate", k1 + "," + k2 + "," + k1, "key 3 of 3 repeats key 1"},
		{"an empty place", k1 + ",,", "key 2 of 3 is empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Load("serve", nil, env(prod(map[string]string{"CRMSYNC_ENCRYPTION_KEY": tc.keys})), io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to say %q", err, tc.want)
			}
			if strings.Contains(err.Error(), k1) || strings.Contains(err.Error(), k2) {
				t.Fatal("the message shows a key")
			}
		})
	}
}
