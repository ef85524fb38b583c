package httpapi

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net"
	"net/http"
	"strconv"
	"time"

	"tsunagu"
)

// newSecret returns 256 random bits, URL-safe.
func newSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func constantEqual(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// clientIP is the remote address without port. Behind a reverse proxy this
// is the proxy; trusting X-Forwarded-For is a deployment choice left to it.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// Me is the logged-in user as the desk sees them.
type Me struct {
	User      tsunagu.User   `json:"user"`
	Agent     *tsunagu.Agent `json:"agent,omitempty"`
	CSRFToken string         `json:"csrf_token,omitempty"`
	ExpiresAt *time.Time     `json:"expires_at,omitempty"`
}

// login checks the password and starts a session. Unknown users and wrong
// passwords get the same answer, after the same argon2 work.
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	now := s.now()
	if ok, wait := s.ipLimiter.Allow(clientIP(r), now); !ok {
		s.metrics.logins.WithLabelValues("rate_limited").Inc()
		return &retryAfterError{tsunagu.Errorf(tsunagu.ERATELIMITED, "Too many login attempts from this address; try again shortly."),
			strconv.Itoa(int(wait.Seconds()) + 1)}
	}
	var req loginRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	if req.Username == "" {
		return tsunagu.FieldError("username", "Username is required.")
	}
	if req.Password == "" {
		return tsunagu.FieldError("password", "Password is required.")
	}
	bad := tsunagu.Errorf(tsunagu.EUNAUTHORIZED, "Wrong username or password.")
	l, err := s.store.FindLogin(r.Context(), req.Username)
	if tsunagu.ErrorCode(err) == tsunagu.ENOTFOUND {
		VerifyPassword(dummyHash, req.Password)
		s.metrics.logins.WithLabelValues("bad_credentials").Inc()
		return bad
	} else if err != nil {
		return err
	}
	if l.LockedUntil.After(now) {
		s.metrics.logins.WithLabelValues("locked").Inc()
		return &retryAfterError{tsunagu.Errorf(tsunagu.ERATELIMITED, "Too many failed logins; this account is locked for a while. Ask an administrator or try later."),
			strconv.Itoa(int(l.LockedUntil.Sub(now).Seconds()) + 1)}
	}
	if !VerifyPassword(l.PasswordHash, req.Password) || l.User.Disabled {
		if _, err := s.store.RecordLoginFailure(r.Context(), l.User.ID, now, loginFailureLimit, now.Add(loginLockout)); err != nil {
			return err
		}
		s.metrics.logins.WithLabelValues("bad_credentials").Inc()
		return bad
	}
	secret := newSecret()
	sess := &tsunagu.Session{TokenHash: hashSecret(secret), CSRFToken: newSecret(), TenantID: l.User.TenantID, UserID: l.User.ID,
		CreatedAt: now, ExpiresAt: now.Add(s.sessionTTL)}
	if err := s.store.CreateSession(r.Context(), sess); err != nil {
		return err
	}
	if err := s.store.RecordLogin(r.Context(), l.User.ID, now); err != nil {
		return err
	}
	s.metrics.logins.WithLabelValues("ok").Inc()
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: secret, Path: "/", HttpOnly: true, Secure: s.secure,
		// Lax, not Strict: a link from the intranet to the desk should open
		// logged in; writes are still protected by the CSRF header.
		SameSite: http.SameSiteLaxMode, Expires: sess.ExpiresAt,
	})
	me, err := s.meOf(r, &l.User)
	if err != nil {
		return err
	}
	me.CSRFToken, me.ExpiresAt = sess.CSRFToken, &sess.ExpiresAt
	return reply(w, http.StatusOK, me)
}

// logout ends the session (idempotent for an already-ended one).
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.store.DeleteSession(r.Context(), hashSecret(c.Value)); err != nil && tsunagu.ErrorCode(err) != tsunagu.ENOTFOUND {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode, MaxAge: -1})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) meOf(r *http.Request, u *tsunagu.User) (*Me, error) {
	me := &Me{User: *u}
	if u.AgentID != "" {
		a, err := s.store.FindAgent(r.Context(), u.TenantID, u.AgentID)
		if err != nil {
			return nil, err
		}
		me.Agent = a
	}
	return me, nil
}

// me returns the caller with their agent state and, for browser sessions, the
// CSRF token (so a reloaded page can write again).
func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if p.TokenID != "" {
		return reply(w, http.StatusOK, map[string]any{"token_id": p.TokenID, "role": p.Role, "tenant_id": p.TenantID})
	}
	u, err := s.store.FindUser(r.Context(), p.TenantID, p.UserID)
	if err != nil {
		return err
	}
	me, err := s.meOf(r, u)
	if err != nil {
		return err
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		if sess, err := s.store.FindSession(r.Context(), hashSecret(c.Value), s.now()); err == nil {
			me.CSRFToken, me.ExpiresAt = sess.CSRFToken, &sess.ExpiresAt
		}
	}
	return reply(w, http.StatusOK, me)
}

// setMyState lets an agent choose available / not_ready (with reason) / offline.
func (s *Server) setMyState(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	var req tsunagu.StateChange
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	if err := req.Validate(); err != nil {
		return err
	}
	if p.AgentID == "" {
		return tsunagu.Errorf(tsunagu.ECONFLICT, "You have no agent profile, so you take no contacts.")
	}
	a, err := s.setState(r, p.AgentID, req)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, a)
}

type passwordChange struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// setMyPassword changes the caller's own password; it needs the current one
// and ends every session, this one included.
func (s *Server) setMyPassword(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if p.TokenID != "" {
		return tsunagu.Errorf(tsunagu.EFORBIDDEN, "An API token has no password.")
	}
	var req passwordChange
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	l, err := s.store.FindLogin(r.Context(), p.Username)
	if err != nil {
		return err
	}
	if !VerifyPassword(l.PasswordHash, req.CurrentPassword) {
		return tsunagu.FieldError("current_password", "The current password is wrong.")
	}
	if err := tsunagu.ValidatePassword(req.NewPassword); err != nil {
		err.(*tsunagu.Error).Field = "new_password"
		return err
	}
	hash, err := HashPassword(req.NewPassword)
	if err != nil {
		return err
	}
	if err := s.store.SetPassword(r.Context(), p.TenantID, p.UserID, hash); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
