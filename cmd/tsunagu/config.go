package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is the server's configuration. Sources, later overriding earlier:
// built-in defaults, the YAML file (--config or TSUNAGU_CONFIG; unknown keys
// are an error, so a typo never silently falls back to a default), TSUNAGU_*
// environment variables, then flags given on the command line.
// docs/config-sample.yaml documents every key; a test parses it.
type Config struct {
	Data            string   `yaml:"data"`
	HTTP            string   `yaml:"http"`
	SIP             string   `yaml:"sip"`
	MediaIP         string   `yaml:"media_ip"`
	RTPPortMin      int      `yaml:"rtp_port_min"`
	RTPPortMax      int      `yaml:"rtp_port_max"`
	WebRTCPort      int      `yaml:"webrtc_port"`
	PositionEvery   Duration `yaml:"position_every"`
	Recording       bool     `yaml:"recording"`
	Demo            bool     `yaml:"demo"`
	LogLevel        string   `yaml:"log_level"`
	LogFormat       string   `yaml:"log_format"`
	TLSCert         string   `yaml:"tls_cert"`
	TLSKey          string   `yaml:"tls_key"`
	SessionTTL      Duration `yaml:"session_ttl"`
	BodyLimitBytes  int64    `yaml:"body_limit_bytes"`
	ShutdownTimeout Duration `yaml:"shutdown_timeout"`
	// SIP flood limit per source address (telephony/guard.go): more than
	// SIPFloodLimit requests within SIPFloodWindow block the source for
	// SIPFloodBlock. 0 turns the limit off.
	SIPFloodLimit  int      `yaml:"sip_flood_limit"`
	SIPFloodWindow Duration `yaml:"sip_flood_window"`
	SIPFloodBlock  Duration `yaml:"sip_flood_block"`
	// SIP over TLS (siptls.go): listen address, PEM certificate and key.
	SIPTLSListen string `yaml:"sip_tls_listen"`
	SIPTLSCert   string `yaml:"sip_tls_cert"`
	SIPTLSKey    string `yaml:"sip_tls_key"`
}

// Duration reads "12h" / "30s" in YAML.
type Duration struct{ time.Duration }

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration like 30s or 12h", n.Line, n.Value)
	}
	d.Duration = v
	return nil
}

func defaultConfig() Config {
	return Config{
		Data: "./tsunagu-data", HTTP: ":8080", SIP: ":5060", RTPPortMin: 20000, RTPPortMax: 20999,
		LogLevel: "info", LogFormat: "auto",
		SessionTTL:      Duration{12 * time.Hour},
		BodyLimitBytes:  1 << 20,
		ShutdownTimeout: Duration{15 * time.Second},
		PositionEvery:   Duration{45 * time.Second},
		Recording:       true,
		SIPFloodLimit:   16,
		SIPFloodWindow:  Duration{2 * time.Second},
		SIPFloodBlock:   Duration{5 * time.Minute},
	}
}

// loadConfigFile reads a YAML config strictly.
func loadConfigFile(path string, c *Config) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("config %s: %w", path, err)
	}
	return nil
}

// serveFlags parses serve's flags and builds the configuration from all
// sources.
func serveFlags(args []string, stderr io.Writer) (Config, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f Config
	configPath := fs.String("config", "", "YAML config file (env TSUNAGU_CONFIG)")
	fs.StringVar(&f.Data, "data", "", "data directory (env TSUNAGU_DATA, default ./tsunagu-data)")
	fs.StringVar(&f.HTTP, "http", "", "HTTP listen address (env TSUNAGU_HTTP, default :8080)")
	fs.StringVar(&f.SIP, "sip", "", "SIP listen address (env TSUNAGU_SIP, default :5060)")
	fs.BoolVar(&f.Demo, "demo", false, "seed and serve a demo call center (env TSUNAGU_DEMO=1)")
	fs.StringVar(&f.LogLevel, "log-level", "", "debug, info, warn or error (env TSUNAGU_LOG_LEVEL)")
	fs.StringVar(&f.LogFormat, "log-format", "", "auto, text or json (env TSUNAGU_LOG_FORMAT)")
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("%w: serve takes no arguments, got %q", errUsage, fs.Arg(0))
	}
	c := defaultConfig()
	if *configPath == "" {
		*configPath = os.Getenv("TSUNAGU_CONFIG")
	}
	if *configPath != "" {
		if err := loadConfigFile(*configPath, &c); err != nil {
			return Config{}, err
		}
	}
	env := func(key string, dst *string) {
		if v, ok := os.LookupEnv(key); ok && v != "" {
			*dst = v
		}
	}
	env("TSUNAGU_DATA", &c.Data)
	env("TSUNAGU_HTTP", &c.HTTP)
	env("TSUNAGU_SIP", &c.SIP)
	env("TSUNAGU_LOG_LEVEL", &c.LogLevel)
	env("TSUNAGU_LOG_FORMAT", &c.LogFormat)
	env("TSUNAGU_TLS_CERT", &c.TLSCert)
	env("TSUNAGU_MEDIA_IP", &c.MediaIP)
	env("TSUNAGU_TLS_KEY", &c.TLSKey)
	env("TSUNAGU_SIP_TLS_LISTEN", &c.SIPTLSListen)
	env("TSUNAGU_SIP_TLS_CERT", &c.SIPTLSCert)
	env("TSUNAGU_SIP_TLS_KEY", &c.SIPTLSKey)
	if v := os.Getenv("TSUNAGU_DEMO"); v == "1" || v == "true" {
		c.Demo = true
	}
	fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "data":
			c.Data = f.Data
		case "http":
			c.HTTP = f.HTTP
		case "sip":
			c.SIP = f.SIP
		case "demo":
			c.Demo = f.Demo
		case "log-level":
			c.LogLevel = f.LogLevel
		case "log-format":
			c.LogFormat = f.LogFormat
		}
	})
	return c, c.validate()
}

func (c *Config) validate() error {
	if strings.TrimSpace(c.Data) == "" {
		return fmt.Errorf("%w: data directory is empty", errUsage)
	}
	for name, addr := range map[string]string{"http": c.HTTP, "sip": c.SIP} {
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return fmt.Errorf("%w: --%s %q is not host:port", errUsage, name, addr)
		}
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return err
	}
	switch c.LogFormat {
	case "auto", "text", "json":
	default:
		return fmt.Errorf("%w: log format %q is not auto, text or json", errUsage, c.LogFormat)
	}
	if c.MediaIP != "" {
		if a, err := netip.ParseAddr(c.MediaIP); err != nil || a.IsUnspecified() {
			return fmt.Errorf("%w: media_ip %q must be this machine's address that phones and browsers reach (not 0.0.0.0)", errUsage, c.MediaIP)
		}
	}
	if d := c.PositionEvery.Duration; d != 0 && d < 10*time.Second {
		return fmt.Errorf("%w: position_every must be 0s (never) or at least 10s, got %s", errUsage, d)
	}
	if c.WebRTCPort != 0 && (c.WebRTCPort < 1024 || c.WebRTCPort > 65535) {
		return fmt.Errorf("%w: webrtc_port must be 0 (any free port) or 1024–65535", errUsage)
	}
	if c.RTPPortMin < 1024 || c.RTPPortMax > 65535 || c.RTPPortMin > c.RTPPortMax {
		return fmt.Errorf("%w: rtp_port_min..rtp_port_max must be a range within 1024–65535", errUsage)
	}
	if c.SIPFloodLimit < 0 || c.SIPFloodWindow.Duration <= 0 || c.SIPFloodBlock.Duration <= 0 {
		return fmt.Errorf("%w: sip_flood_limit must be 0 (off) or more, sip_flood_window and sip_flood_block positive", errUsage)
	}
	if err := c.validateSIPTLS(); err != nil { // siptls.go
		return err
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return fmt.Errorf("%w: tls_cert and tls_key go together", errUsage)
	}
	if c.BodyLimitBytes < 1024 {
		return fmt.Errorf("%w: body_limit_bytes must be at least 1024", errUsage)
	}
	if c.SessionTTL.Duration < time.Minute {
		return fmt.Errorf("%w: session_ttl must be at least 1m", errUsage)
	}
	return nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("%w: log level %q is not debug, info, warn or error", errUsage, s)
	}
	return l, nil
}

// newLogger logs text to a terminal and JSON otherwise (to a collector).
func newLogger(w io.Writer, c Config) *slog.Logger {
	level, _ := parseLevel(c.LogLevel)
	opts := &slog.HandlerOptions{Level: level}
	format := c.LogFormat
	if format == "auto" {
		format = "json"
		if f, ok := w.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				format = "text"
			}
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
