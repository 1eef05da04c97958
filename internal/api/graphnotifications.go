package api

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/crmsync/crmsync/internal/graph/notification"
	"github.com/crmsync/crmsync/internal/notifications"
)

// NotificationReceiver accepts what Microsoft Graph posts to the notification and lifecycle URLs
// (notifications.Receiver).
type NotificationReceiver interface {
	Receive(ctx context.Context, body io.Reader) (notifications.Receipt, error)
}

// postGraphNotifications serves POST /graph/notifications and /graph/lifecycle, which Microsoft Graph
// calls without an Entra token: the receiver checks each notification against the subscription crmsync
// holds. Graph's validation request (a validationToken query parameter) gets the token back as plain
// text; a batch of notifications gets 202 once it is durable, 503 when it could not be made durable
// (Graph sends it again), 400 when it is not a notification body and 413 when it is too large.
// Notifications that are not genuine are answered 202 too, so a sender learns nothing, and counted in
// crmsync_graph_notifications_total.
func (s *Server) postGraphNotifications(c *gin.Context) {
	if token, ok := c.GetQuery("validationToken"); ok {
		if token == "" {
			s.problem(c, http.StatusBadRequest, "invalid-validation-token", "Invalid validation request", "the validationToken is empty")
			return
		}
		// Query decoding has URL-decoded it; nosniff keeps a browser from reading it as anything but text.
		c.Header("X-Content-Type-Options", "nosniff")
		c.Data(http.StatusOK, "text/plain; charset=utf-8", []byte(token))
		return
	}
	receipt, err := s.deps.Notifications.Receive(c.Request.Context(), c.Request.Body)
	for outcome, n := range receipt.Outcomes {
		s.deps.Metrics.GraphNotifications.WithLabelValues(string(outcome)).Add(float64(n))
	}
	var tooBig *http.MaxBytesError
	switch {
	case err == nil:
		c.Status(http.StatusAccepted)
	case errors.As(err, &tooBig), errors.Is(err, notification.ErrTooLarge):
		s.problem(c, http.StatusRequestEntityTooLarge, "body-too-large", "Request body too large", err.Error())
	case errors.Is(err, notification.ErrMalformed):
		s.problem(c, http.StatusBadRequest, "invalid-notification", "Invalid notification", err.Error())
	case errors.Is(err, notifications.ErrUnavailable):
		s.deps.Logger.Error("change notifications not persisted; Graph will send them again", "error", err.Error())
		c.Header("Retry-After", "5")
		s.problem(c, http.StatusServiceUnavailable, "unavailable", "Service unavailable", "the notifications could not be stored; send them again")
	default:
		s.fail(c, err)
	}
}
