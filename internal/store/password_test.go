package store_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

// TestPasswordHookOnPostgres: with a password hook the store works on PostgreSQL, and each new
// connection asks the hook (the test server trusts local connections, so it does not check it).
func TestPasswordHookOnPostgres(t *testing.T) {
	var asked atomic.Int32
	s := storetest.Postgres(t, store.WithPassword(func(ctx context.Context) (string, error) {
		asked.Add(1)
		return "entra-token", nil
	}))
	if err := s.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	f := storetest.NewTenant(t, s, "ada@contoso.test")
	if f.User.ID == "" || asked.Load() == 0 {
		t.Fatalf("user %+v, hook asked %d times", f.User, asked.Load())
	}
}

// TestPasswordHookOnTheListenerPool: River's LISTEN connections (ListenerPool) sign in through the hook
// as the store's own do.
func TestPasswordHookOnTheListenerPool(t *testing.T) {
	var asked atomic.Int32
	s := storetest.Postgres(t, store.WithPassword(func(ctx context.Context) (string, error) {
		asked.Add(1)
		return "entra-token", nil
	}))
	pool, err := s.ListenerPool()
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	before := asked.Load()
	if err := pool.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	if asked.Load() == before {
		t.Fatal("the listener pool's connection did not ask the hook for its password")
	}
}

// TestPasswordHookFailure: a connection the hook cannot give a password for is not made, and the
// error says why.
func TestPasswordHookFailure(t *testing.T) {
	url := storetest.PostgresURL(t)
	_, err := store.Open(context.Background(), url, "", store.WithPassword(func(context.Context) (string, error) {
		return "", errors.New("the managed identity gave no token")
	}))
	if err == nil || !strings.Contains(err.Error(), "database password: the managed identity gave no token") {
		t.Fatalf("Open error = %v", err)
	}
}

// TestPasswordHookReachesTheServer: the hook's token is the password a server asking for one receives,
// as Azure Database for PostgreSQL asks of an Entra role. A stand-in server asks for a cleartext
// password, records it, and refuses the connection.
func TestPasswordHookReachesTheServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var (
		mu       sync.Mutex
		received []string
		users    []string
	)
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				be := pgproto3.NewBackend(conn, conn)
				for {
					msg, err := be.ReceiveStartupMessage()
					if err != nil {
						return
					}
					switch m := msg.(type) {
					case *pgproto3.SSLRequest, *pgproto3.GSSEncRequest:
						if _, err := conn.Write([]byte("N")); err != nil {
							return
						}
						continue
					case *pgproto3.StartupMessage:
						mu.Lock()
						users = append(users, m.Parameters["user"])
						mu.Unlock()
					}
					break
				}
				be.Send(&pgproto3.AuthenticationCleartextPassword{})
				if err := be.Flush(); err != nil {
					return
				}
				if err := be.SetAuthType(pgproto3.AuthTypeCleartextPassword); err != nil {
					return
				}
				msg, err := be.Receive()
				if err != nil {
					return
				}
				if pw, ok := msg.(*pgproto3.PasswordMessage); ok {
					mu.Lock()
					received = append(received, pw.Password)
					mu.Unlock()
				}
				be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", Code: "28P01", Message: "the stand-in stops here"})
				_ = be.Flush()
			}()
		}
	}()
	url := "postgres://crmsync-identity@" + l.Addr().String() + "/crmsync?sslmode=disable"
	_, err = store.Open(context.Background(), url, "", store.WithPassword(func(context.Context) (string, error) {
		return "eyJ0eXAiOiJKV1Qi.entra-token", nil
	}))
	if err == nil {
		t.Fatal("the stand-in refuses every connection, yet Open succeeded")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(received) == 0 || received[0] != "eyJ0eXAiOiJKV1Qi.entra-token" || users[0] != "crmsync-identity" {
		t.Fatalf("the server received passwords %q from users %q, want the hook's token from the URL's user", received, users)
	}
}
