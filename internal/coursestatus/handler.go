package coursestatus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Defaults of the handler's options.
const (
	// DefaultPrefix is the path prefix the deployment checklist calls the
	// endpoint under (through its gateway); the service itself used /v1/tracking.
	DefaultPrefix = "/tracking/v1"
	// DefaultMaxBodyBytes caps a request body; a larger one is answered 413.
	DefaultMaxBodyBytes = 1 << 20
	// DefaultHealthTimeout bounds the database ping of GET /health.
	DefaultHealthTimeout = 2 * time.Second
	// DefaultMaxPairs caps users × courses in one request (either
	// strategy): each pair is a row of the answer, so 150 × 150 users
	// and courses made a 110 MB answer and took 650 MB of memory. The
	// checklist's largest request is 3 × 3.
	DefaultMaxPairs = 1000
)

// StatusPath is the endpoint's path below the prefix.
const StatusPath = "/content/course/status"

// HealthPath is the health check's path; it is not under the prefix.
const HealthPath = "/health"

// errMissingTenant is the original's message for a request without tenantid.
const errMissingTenant = "tenantId is required in the header"

// Option configures NewHandler.
type Option func(*handler)

// Prefix sets the path prefix of the endpoint (default DefaultPrefix); "" or
// "/" serves it at the root.
func Prefix(p string) Option { return func(h *handler) { h.prefix = p } }

// MaxBodyBytes sets the request-body cap (default DefaultMaxBodyBytes).
func MaxBodyBytes(n int64) Option { return func(h *handler) { h.maxBody = n } }

// MaxPairs sets the cap on users × courses (default DefaultMaxPairs).
func MaxPairs(n int) Option { return func(h *handler) { h.maxPairs = n } }

// Logger sets where server-side failures (5xx answers) are logged; by
// default they are not.
func Logger(l *slog.Logger) Option { return func(h *handler) { h.log = l } }

type handler struct {
	db       DB
	strategy Strategy
	prefix   string
	maxBody  int64
	maxPairs int
	log      *slog.Logger
	mux      *http.ServeMux
}

// NewHandler returns the HTTP handler serving POST {prefix}/content/course/status
// with the given strategy, and GET /health, on db. Every response is the
// JSON envelope; the course-status response carries the StatementsHeader.
func NewHandler(db DB, strategy Strategy, opts ...Option) (http.Handler, error) {
	if _, err := ParseStrategy(string(strategy)); err != nil {
		return nil, err
	}
	h := &handler{
		db:       db,
		strategy: strategy,
		prefix:   DefaultPrefix,
		maxBody:  DefaultMaxBodyBytes,
		maxPairs: DefaultMaxPairs,
		log:      slog.New(slog.DiscardHandler),
	}
	for _, o := range opts {
		o(h)
	}
	prefix, err := cleanPrefix(h.prefix)
	if err != nil {
		return nil, err
	}
	h.prefix = prefix
	if h.maxBody <= 0 {
		return nil, fmt.Errorf("max body size %d must be positive", h.maxBody)
	}
	h.mux = http.NewServeMux()
	h.mux.HandleFunc(h.prefix+StatusPath, h.status)
	h.mux.HandleFunc(HealthPath, h.health)
	return h, nil
}

// cleanPrefix checks a path prefix and drops its trailing slash.
func cleanPrefix(p string) (string, error) {
	p = strings.TrimRight(p, "/")
	if p == "" {
		return "", nil
	}
	if !strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("prefix %q must start with /", p)
	}
	if strings.ContainsAny(p, "{} \t\n?#") {
		return "", fmt.Errorf("prefix %q must be a plain path (no spaces, braces, ? or #)", p)
	}
	return p, nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, pattern := h.mux.Handler(r); pattern == "" {
		writeError(w, http.StatusNotFound, fmt.Sprintf("Cannot %s %s", r.Method, r.URL.Path))
		return
	}
	h.mux.ServeHTTP(w, r)
}

func (h *handler) status(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed; use POST", r.Method))
		return
	}
	// The body is parsed before the tenant is checked, as the original's
	// body-parser middleware did.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge,
				fmt.Sprintf("request body is larger than %d bytes", tooLarge.Limit))
			return
		}
		writeError(w, http.StatusBadRequest, fmt.Sprintf("read request body: %v", err))
		return
	}
	req, err := decodeRequest(body)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	tenant := r.Header.Get("tenantid")
	if tenant == "" {
		writeError(w, http.StatusBadRequest, errMissingTenant)
		return
	}
	if pairs := len(req.UserID) * len(req.CourseID); pairs > h.maxPairs {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("%d users × %d courses is %d pairs; this server answers at most %d per request (split the request)",
			len(req.UserID), len(req.CourseID), pairs, h.maxPairs))
		return
	}

	ctx, counter := WithStatementCounter(r.Context())
	var data []UserStatus
	switch h.strategy {
	case Naive:
		data, err = naiveStatus(ctx, h.db, tenant, req)
	case Optimized:
		if err = req.validate(tenant); err == nil {
			data, err = optimizedStatus(ctx, h.db, tenant, req)
		}
	}
	w.Header().Set(StatementsHeader, strconv.FormatInt(counter.Count(), 10))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, Envelope{Success: true, Message: "success", Data: data})
}

// fail answers err: its own status for an httpError, otherwise 500 with
// the database's message, which is what the original's catch-all sent.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var he *httpError
	if errors.As(err, &he) {
		if he.status >= 500 {
			h.log.Error("course status failed", "strategy", h.strategy, "path", r.URL.Path, "err", err)
		}
		writeError(w, he.status, he.msg)
		return
	}
	h.log.Error("course status failed", "strategy", h.strategy, "path", r.URL.Path, "err", err)
	msg := err.Error()
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		msg = pgErr.Message
	}
	writeError(w, http.StatusInternalServerError, msg)
}

// health answers 200 when the database answers a ping, 503 otherwise.
func (h *handler) health(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed; use GET", r.Method))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), DefaultHealthTimeout)
	defer cancel()
	if err := h.db.Ping(ctx); err != nil {
		writeError(w, http.StatusServiceUnavailable, fmt.Sprintf("database is not reachable: %v", err))
		return
	}
	writeJSON(w, http.StatusOK, Envelope{Success: true, Message: "ok",
		Data: map[string]string{"strategy": string(h.strategy)}})
}
