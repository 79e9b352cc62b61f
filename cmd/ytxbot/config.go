package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the timezone key must load on machines without a zoneinfo database
	"unicode"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"

	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/ytx"
)

// Configuration (SPEC §7): a YAML file, overridden by YTXBOT_* environment
// variables, decoded strictly into Config. This is the only place that reads
// configuration (STYLE R11); other packages get their sections mapped to
// their own Config types.
const (
	envPrefix         = "YTXBOT_"
	defaultConfigFile = "ytxbot.yaml" // looked up in the working directory when --config is not given
	maxSecretFileSize = 64 << 10
)

// Config is the whole configuration, shaped like the file of SPEC §7. Every
// secret has a Secret field and a *File twin holding a path (the *_file key);
// LoadConfig reads the file into the secret, so code after loading only looks
// at the Secret.
type Config struct {
	HTTP     HTTPConfig     `mapstructure:"http"`
	Storage  StorageConfig  `mapstructure:"storage"`
	Timezone string         `mapstructure:"timezone"` // IANA name; TIME arguments are read in it
	Locale   string         `mapstructure:"locale"`   // default reply language: en or zh-CN
	Admins   []string       `mapstructure:"admins"`   // permanent admins: slack:T…:U…, telegram:<id>, console:<name>
	Alerts   AlertsConfig   `mapstructure:"alerts"`
	YTX      YTXConfig      `mapstructure:"ytx"`
	Slack    SlackConfig    `mapstructure:"slack"`
	Telegram TelegramConfig `mapstructure:"telegram"`
	Tracker  TrackerConfig  `mapstructure:"tracker"`
	Policy   PolicyConfig   `mapstructure:"policy"`

	// File is the absolute path of the file LoadConfig read, "" when it ran
	// on defaults and environment only. Not a configuration key.
	File string `mapstructure:"-"`
}

// HTTPConfig is the "http" section: the public and admin listeners.
type HTTPConfig struct {
	Addr      string `mapstructure:"addr"`       // Slack, Telegram webhook, YTX pushes, health
	AdminAddr string `mapstructure:"admin_addr"` // /metrics and /healthz; "" = no admin listener
}

// StorageConfig is the "storage" section.
type StorageConfig struct {
	Path      string        `mapstructure:"path"`      // bbolt file; relative paths are resolved against the config file's directory
	Retention time.Duration `mapstructure:"retention"` // audit, calls and meetings older than this are purged
}

// AlertsConfig is the "alerts" section: where YTX account problems and
// abuse hits are reported. Empty and 0 mean "nowhere".
type AlertsConfig struct {
	SlackChannel string `mapstructure:"slack_channel"` // channel ID, e.g. C0123ABC
	TelegramChat int64  `mapstructure:"telegram_chat"`
}

// YTXConfig is the "ytx" section; YTXClientConfig maps it to ytx.Config.
type YTXConfig struct {
	BaseURL            string        `mapstructure:"base_url"`
	AccountSID         string        `mapstructure:"account_sid"`
	AuthToken          Secret        `mapstructure:"auth_token"`
	AuthTokenFile      string        `mapstructure:"auth_token_file"`
	AppID              string        `mapstructure:"app_id"`
	CallbackSecret     Secret        `mapstructure:"callback_secret"` // path segment of /ytx/callback/{secret}; empty = pushes off
	CallbackSecretFile string        `mapstructure:"callback_secret_file"`
	Shownumber         string        `mapstructure:"shownumber"` // createMeeting Shownumber
	Srcclid            string        `mapstructure:"srcclid"`    // dial-back caller ids, optional
	Dstclid            string        `mapstructure:"dstclid"`
	Timeout            time.Duration `mapstructure:"timeout"` // HTTP client timeout of one YTX request
	PartiesEncoding    string        `mapstructure:"parties_encoding"`
	CDRQuery           bool          `mapstructure:"cdr_query"`
	Endpoints          []Endpoint    `mapstructure:"endpoints"`
}

// Endpoint overrides the API version and funcURL of one YTX action; empty
// fields keep the default of ytx.DefaultEndpoints.
type Endpoint struct {
	Action  string `mapstructure:"action"`
	Version string `mapstructure:"version"`
	FuncURL string `mapstructure:"func_url"`
}

// SlackConfig is the "slack" section.
type SlackConfig struct {
	Enabled              bool          `mapstructure:"enabled"`
	TeamID               string        `mapstructure:"team_id"` // empty: taken from auth.test
	SigningSecret        Secret        `mapstructure:"signing_secret"`
	SigningSecretFile    string        `mapstructure:"signing_secret_file"`
	BotToken             Secret        `mapstructure:"bot_token"`
	BotTokenFile         string        `mapstructure:"bot_token_file"`
	AppToken             Secret        `mapstructure:"app_token"` // set => Socket Mode
	AppTokenFile         string        `mapstructure:"app_token_file"`
	APIURL               string        `mapstructure:"api_url"` // "" = https://slack.com/api/; always ends with "/" after LoadConfig
	AckWithin            time.Duration `mapstructure:"ack_within"`
	Commands             SlackCommands `mapstructure:"commands"`
	ProfilePhoneFallback bool          `mapstructure:"profile_phone_fallback"`
}

// SocketMode reports whether Slack is reached over Socket Mode (an app
// token is set) rather than HTTP.
func (s SlackConfig) SocketMode() bool { return s.AppToken.IsSet() }

// SlackCommands holds the slash command names.
type SlackCommands struct {
	Meet  string `mapstructure:"meet"`
	Call  string `mapstructure:"call"`
	Phone string `mapstructure:"phone"`
}

// TelegramConfig is the "telegram" section.
type TelegramConfig struct {
	Enabled           bool    `mapstructure:"enabled"`
	Token             Secret  `mapstructure:"token"`
	TokenFile         string  `mapstructure:"token_file"`
	Mode              string  `mapstructure:"mode"` // polling or webhook
	WebhookURL        string  `mapstructure:"webhook_url"`
	WebhookSecret     Secret  `mapstructure:"webhook_secret"`
	WebhookSecretFile string  `mapstructure:"webhook_secret_file"`
	ServerURL         string  `mapstructure:"server_url"`    // "" = https://api.telegram.org
	AllowedChats      []int64 `mapstructure:"allowed_chats"` // group chats where commands work
}

// Telegram modes.
const (
	TelegramPolling = "polling"
	TelegramWebhook = "webhook"
)

// TrackerConfig is the "tracker" section.
type TrackerConfig struct {
	PollInterval time.Duration `mapstructure:"poll_interval"`
	MaxAge       time.Duration `mapstructure:"max_age"`
}

// PolicyConfig is the "policy" section. Limits of 0 switch the limit off.
type PolicyConfig struct {
	SelfService           bool          `mapstructure:"self_service"`
	AllowRawNumbers       bool          `mapstructure:"allow_raw_numbers"`
	AllowInternational    bool          `mapstructure:"allow_international"`
	NumberAllow           []string      `mapstructure:"number_allow"`
	DialbackDefaultMax    time.Duration `mapstructure:"dialback_default_max"`
	DialbackCeiling       time.Duration `mapstructure:"dialback_ceiling"`
	CallsPerUserPerHour   int           `mapstructure:"calls_per_user_per_hour"`
	RingsPerTargetPerHour int           `mapstructure:"rings_per_target_per_hour"`
	CallsPerMinuteGlobal  int           `mapstructure:"calls_per_minute_global"`
	MeetingMaxParties     int           `mapstructure:"meeting_max_parties"`
	DuplicateWindow       time.Duration `mapstructure:"duplicate_window"`
}

// DefaultConfig returns the defaults of SPEC §7. Credentials are empty, and
// so is admins (the SPEC block's admins are an example, not a default).
func DefaultConfig() Config {
	return Config{
		HTTP:     HTTPConfig{Addr: "127.0.0.1:8080", AdminAddr: "127.0.0.1:9091"},
		Storage:  StorageConfig{Path: "ytxbot.db", Retention: 4320 * time.Hour},
		Timezone: "Asia/Shanghai",
		Locale:   "en",
		Admins:   []string{},
		YTX: YTXConfig{
			BaseURL:         ytx.SandboxURL,
			Timeout:         10 * time.Second,
			PartiesEncoding: string(ytx.PartiesString),
			Endpoints:       []Endpoint{},
		},
		Slack: SlackConfig{
			Enabled:   true,
			AckWithin: 2 * time.Second,
			Commands:  SlackCommands{Meet: "/meet", Call: "/call", Phone: "/phone"},
		},
		Telegram: TelegramConfig{
			Enabled:      true,
			Mode:         TelegramPolling,
			AllowedChats: []int64{},
		},
		Tracker: TrackerConfig{PollInterval: 5 * time.Second, MaxAge: 6 * time.Hour},
		Policy: PolicyConfig{
			AllowRawNumbers:       true,
			NumberAllow:           []string{`^1[3-9]\d{9}$`, `^0[1-9]\d{1,2}\d{7,8}(,\d{1,6})?$`},
			DialbackDefaultMax:    30 * time.Minute,
			DialbackCeiling:       2 * time.Hour,
			CallsPerUserPerHour:   20,
			RingsPerTargetPerHour: 6,
			CallsPerMinuteGlobal:  120,
			MeetingMaxParties:     20,
			DuplicateWindow:       30 * time.Second,
		},
	}
}

// secretRef ties a secret to its key and its *_file twin.
type secretRef struct {
	Key     string // e.g. "ytx.auth_token"; the file key is Key+"_file"
	Value   *Secret
	File    *string
	Purpose string // what it is for, for summaries
}

// secrets lists every secret of c (SPEC §7), in file order.
func (c *Config) secrets() []secretRef {
	return []secretRef{
		{"ytx.auth_token", &c.YTX.AuthToken, &c.YTX.AuthTokenFile, "YTX auth token"},
		{"ytx.callback_secret", &c.YTX.CallbackSecret, &c.YTX.CallbackSecretFile, "YTX push path secret"},
		{"slack.signing_secret", &c.Slack.SigningSecret, &c.Slack.SigningSecretFile, "Slack signing secret"},
		{"slack.bot_token", &c.Slack.BotToken, &c.Slack.BotTokenFile, "Slack bot token"},
		{"slack.app_token", &c.Slack.AppToken, &c.Slack.AppTokenFile, "Slack app token"},
		{"telegram.token", &c.Telegram.Token, &c.Telegram.TokenFile, "Telegram bot token"},
		{"telegram.webhook_secret", &c.Telegram.WebhookSecret, &c.Telegram.WebhookSecretFile, "Telegram webhook secret"},
	}
}

// keyError is one problem of the configuration, naming its key (or the
// environment variable) first. Messages never hold a secret's value.
type keyError struct {
	Key string
	Msg string
	Err error // the cause, when there is one worth errors.Is (fs.ErrNotExist)
}

func (e *keyError) Error() string { return e.Key + ": " + e.Msg }

func (e *keyError) Unwrap() error { return e.Err }

// problems collects keyErrors, at most one per key.
type problems struct {
	errs []error
	seen map[string]bool
}

func (p *problems) add(key, format string, args ...any) {
	p.addErr(&keyError{Key: key, Msg: fmt.Sprintf(format, args...)})
}

func (p *problems) addErr(e *keyError) {
	if p.seen == nil {
		p.seen = make(map[string]bool)
	}
	if p.seen[e.Key] {
		return
	}
	p.seen[e.Key] = true
	p.errs = append(p.errs, e)
}

func (p *problems) has(key string) bool { return p.seen[key] }

func (p *problems) err() error { return errors.Join(p.errs...) }

// keySpec is one configuration key: its dotted path, Go type and default.
type keySpec struct {
	Path string
	Type reflect.Type
	Def  any
}

// EnvName is the environment variable that overrides the key.
func (k keySpec) EnvName() string { return envName(k.Path) }

func envName(key string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

var durationType = reflect.TypeFor[time.Duration]()

// configKeys lists every key of Config, with the value DefaultConfig gives it.
func configKeys() []keySpec {
	var out []keySpec
	var walk func(v reflect.Value, prefix string)
	walk = func(v reflect.Value, prefix string) {
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("mapstructure")
			if tag == "-" || !f.IsExported() {
				continue
			}
			path := prefix + tag
			if f.Type.Kind() == reflect.Struct {
				walk(v.Field(i), path+".")
				continue
			}
			out = append(out, keySpec{Path: path, Type: f.Type, Def: v.Field(i).Interface()})
		}
	}
	walk(reflect.ValueOf(DefaultConfig()), "")
	return out
}

// LoadConfig reads the configuration: defaults, then the YAML file at path,
// then YTXBOT_* variables from env (pass os.Environ() in production). With
// path "" it reads ./ytxbot.yaml when that exists, else it runs on defaults
// and env alone; a path that is given must exist.
//
// It then reads every *_file secret, resolves relative paths set in the file
// (or left at their default) against the file's directory, and runs
// Validate. It does not check that credentials are present: that is
// RequireAccounts, for `serve`. The error lists every problem, one per line,
// each naming its key or environment variable, never a secret's value.
func LoadConfig(path string, env []string) (*Config, error) {
	if path == "" {
		switch st, err := os.Stat(defaultConfigFile); {
		case err == nil && !st.IsDir():
			path = defaultConfigFile
		case err != nil && !errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("config: %w", err)
		}
	}
	v := viper.New()
	keys := configKeys()
	for _, k := range keys {
		v.SetDefault(k.Path, k.Def)
	}
	var c Config
	if path != "" {
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		data, err := os.ReadFile(abs)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		v.SetConfigType("yaml")
		if err := v.ReadConfig(bytes.NewReader(data)); err != nil {
			return nil, fmt.Errorf("config %s: %w", abs, err)
		}
		c.File = abs
	}

	var p problems
	fromEnv := applyEnv(v, keys, env, &p)
	checkKeys(v, keys, &p)
	decodeErr := v.UnmarshalExact(&c, viper.DecodeHook(decodeHook), func(dc *mapstructure.DecoderConfig) {
		dc.WeaklyTypedInput = false // "yes" is not a bool, 10 is not a duration, 0101 is not a string
	})
	for _, e := range flattenDecodeError(decodeErr) {
		p.add(e.Key, "%s", e.Msg)
	}

	if c.File != "" {
		c.resolvePaths(filepath.Dir(c.File), fromEnv)
	}
	c.readSecretFiles(&p)
	if c.Slack.APIURL != "" && !strings.HasSuffix(c.Slack.APIURL, "/") {
		c.Slack.APIURL += "/" // slack-go joins URLs by concatenation
	}
	if err := c.Validate(); err != nil {
		for _, e := range unjoin(err) {
			if ke, ok := e.(*keyError); ok && !p.has(ke.Key) {
				p.addErr(ke)
			}
		}
	}
	if err := p.err(); err != nil {
		if c.File != "" {
			return nil, fmt.Errorf("config %s:\n%w", c.File, err)
		}
		return nil, fmt.Errorf("config:\n%w", err)
	}
	return &c, nil
}

// applyEnv sets every YTXBOT_* variable of env that names a key, converted
// to the key's type, and reports the others. Empty variables count as unset
// (as in viper). It returns the keys that env set.
func applyEnv(v *viper.Viper, keys []keySpec, env []string, p *problems) map[string]bool {
	byName := make(map[string]keySpec, len(keys))
	for _, k := range keys {
		byName[k.EnvName()] = k
	}
	fromEnv := make(map[string]bool)
	seen := make(map[string]bool)
	for _, kv := range env {
		name, val, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, envPrefix) || seen[name] {
			continue // the first of duplicates wins, as with os.Getenv
		}
		seen[name] = true
		k, ok := byName[name]
		if !ok {
			p.add(name, "unknown environment variable: it names no configuration key%s", suggest(name, slices.Collect(maps.Keys(byName))))
			continue
		}
		if val == "" {
			continue
		}
		x, err := parseEnv(k, val)
		if err != nil {
			p.add(k.Path, "%s: %v", name, err)
			continue
		}
		v.Set(k.Path, x)
		fromEnv[k.Path] = true
	}
	return fromEnv
}

// parseEnv converts an environment value to the Go type of k. Lists are
// JSON arrays. Errors quote the value only for keys that are not secrets
// (secrets are strings, which never fail).
func parseEnv(k keySpec, s string) (any, error) {
	switch t := k.Type; {
	case t == durationType:
		d, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("%q is not a duration (want e.g. 10s, 30m, 6h)", s)
		}
		return d, nil
	case t.Kind() == reflect.String:
		return reflect.ValueOf(s).Convert(t).Interface(), nil
	case t.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("%q is not true or false", s)
		}
		return b, nil
	case t.Kind() == reflect.Int || t.Kind() == reflect.Int64:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, t.Bits())
		if err != nil {
			return nil, fmt.Errorf("%q is not a whole number", s)
		}
		return reflect.ValueOf(n).Convert(t).Interface(), nil
	case t.Kind() == reflect.Slice:
		if !strings.HasPrefix(strings.TrimSpace(s), "[") {
			return nil, fmt.Errorf("want a JSON array such as %s", envListExample(t))
		}
		if t.Elem().Kind() == reflect.Struct {
			// Objects are decoded by mapstructure like the file's, so an
			// unknown field is reported the same way.
			var list []any
			if err := json.Unmarshal([]byte(s), &list); err != nil {
				return nil, fmt.Errorf("want a JSON array of objects such as %s: %v", envListExample(t), err)
			}
			return list, nil
		}
		ptr := reflect.New(t)
		if err := json.Unmarshal([]byte(s), ptr.Interface()); err != nil {
			return nil, fmt.Errorf("want a JSON array such as %s: %v", envListExample(t), err)
		}
		return ptr.Elem().Interface(), nil
	}
	return nil, fmt.Errorf("cannot be set from the environment") // not reached: every key type is handled above
}

func envListExample(t reflect.Type) string {
	switch t.Elem().Kind() {
	case reflect.String:
		return `["a","b"]`
	case reflect.Int, reflect.Int64:
		return `[-1001234567890]`
	default:
		return `[{"action":"callDailBack","version":"201512","func_url":"DailbackCall.wx"}]`
	}
}

// checkKeys reports every key in the file that Config does not have.
// (UnmarshalExact would too, but names top-level keys as an empty name.)
func checkKeys(v *viper.Viper, keys []keySpec, p *problems) {
	known := make(map[string]bool, len(keys))
	var all []string
	for _, k := range keys {
		known[k.Path] = true
		all = append(all, k.Path)
	}
	got := v.AllKeys()
	slices.Sort(got)
	for _, key := range got {
		if known[key] {
			continue
		}
		if section := sectionKeys(all, key); len(section) > 0 {
			p.add(key, "is a section: want a mapping with keys %s", strings.Join(section, ", "))
			continue
		}
		if leaf, ok := leafPrefix(keys, key); ok {
			p.add(leaf.Path, "want %s; got a mapping", describeType(leaf.Type))
			continue
		}
		p.add(key, "unknown key%s", suggest(key, all))
	}
}

func sectionKeys(all []string, key string) []string {
	var out []string
	for _, k := range all {
		if rest, ok := strings.CutPrefix(k, key+"."); ok {
			out = append(out, rest)
		}
	}
	return out
}

func leafPrefix(keys []keySpec, key string) (keySpec, bool) {
	for _, k := range keys {
		if strings.HasPrefix(key, k.Path+".") {
			return k, true
		}
	}
	return keySpec{}, false
}

// suggest returns " (did you mean X?)" for the closest known name, or "".
func suggest(name string, known []string) string {
	best, bestD := "", 4
	for _, k := range known {
		if d := bot.EditDistance(strings.ToLower(name), strings.ToLower(k)); d < bestD || d == bestD && k < best {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return " (did you mean " + best + "?)"
}

// decodeHook turns duration strings ("10s") into time.Duration and refuses
// what non-weak decoding would otherwise accept silently: a bare number as a
// duration (10 would be 10ns) and a fraction as a whole number.
func decodeHook(_ reflect.Type, t reflect.Type, data any) (any, error) {
	if t == durationType {
		switch d := data.(type) {
		case time.Duration:
			return d, nil
		case string:
			dur, err := time.ParseDuration(strings.TrimSpace(d))
			if err != nil {
				return nil, fmt.Errorf("%q is not a duration (want e.g. 10s, 30m, 6h)", d)
			}
			return dur, nil
		default:
			return nil, fmt.Errorf("want a duration with a unit, e.g. 10s or 30m; got %s", describeValue(data))
		}
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if f, ok := data.(float64); ok && f != float64(int64(f)) {
			return nil, fmt.Errorf("want a whole number; got %v", f)
		}
	}
	return data, nil
}

// flattenDecodeError turns mapstructure's nested errors into one keyError
// per key, in words a user of the file understands.
func flattenDecodeError(err error) []keyError {
	if err == nil {
		return nil
	}
	var out []keyError
	var walk func(error)
	walk = func(err error) {
		if multi, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range multi.Unwrap() {
				walk(e)
			}
			return
		}
		de, ok := err.(*mapstructure.DecodeError)
		if !ok {
			if inner := errors.Unwrap(err); inner != nil {
				walk(inner) // "decoding failed due to the following error(s)"
				return
			}
			out = append(out, keyError{Key: "config", Msg: err.Error()})
			return
		}
		inner := de.Unwrap()
		if _, ok := inner.(interface{ Unwrap() []error }); ok {
			walk(inner)
			return
		}
		if _, ok := inner.(*mapstructure.DecodeError); ok {
			walk(inner)
			return
		}
		name := de.Name()
		var ute *mapstructure.UnconvertibleTypeError
		switch msg := inner.Error(); {
		case errors.As(inner, &ute):
			msg := fmt.Sprintf("want %s; got %s", describeType(ute.Expected.Type()), describeValue(ute.Value))
			if ute.Expected.Kind() == reflect.String && describeValue(ute.Value) == "a number" {
				msg += " (write it in quotes, or a leading 0 is lost)"
			}
			out = append(out, keyError{Key: name, Msg: msg})
		case strings.HasPrefix(msg, "source data must be an array or slice, got "):
			out = append(out, keyError{Key: name, Msg: "want a list such as [a, b]; got " + describeKind(strings.TrimPrefix(msg, "source data must be an array or slice, got "))})
		case strings.HasPrefix(msg, "expected a map or struct, got "):
			out = append(out, keyError{Key: name, Msg: "want a mapping; got " + describeKind(strings.Trim(strings.TrimPrefix(msg, "expected a map or struct, got "), `"`))})
		case strings.HasPrefix(msg, "has invalid keys: "):
			for _, k := range strings.Split(strings.TrimPrefix(msg, "has invalid keys: "), ", ") {
				key := k
				if name != "" {
					key = name + "." + k
				}
				out = append(out, keyError{Key: key, Msg: "unknown key"})
			}
		default:
			out = append(out, keyError{Key: name, Msg: msg})
		}
	}
	walk(err)
	return out
}

func describeType(t reflect.Type) string {
	if t == durationType {
		return "a duration such as 10s"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64:
		return "a whole number"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Struct {
			return "a list of mappings"
		}
		return "a list such as [a, b]"
	case reflect.Struct, reflect.Map:
		return "a mapping"
	}
	return t.String()
}

// describeValue names the kind of a decoded YAML value, never the value
// itself (it may be a secret in the wrong place).
func describeValue(v any) string {
	switch v.(type) {
	case nil:
		return "nothing"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int, int64, uint64, float64:
		return "a number"
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	}
	return fmt.Sprintf("a %T", v)
}

// describeKind turns mapstructure's reflect kinds into YAML words.
func describeKind(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "map":
		return "a mapping"
	case "slice", "array":
		return "a list"
	case "int", "int64", "uint", "uint64", "float32", "float64":
		return "a number"
	}
	return kind
}

// unjoin returns the errors inside an errors.Join, or err alone.
func unjoin(err error) []error {
	if multi, ok := err.(interface{ Unwrap() []error }); ok {
		return multi.Unwrap()
	}
	return []error{err}
}

// resolvePaths makes the relative paths that came from the file (or are
// defaults) relative to the file's directory (SPEC §11). Paths from the
// environment stay relative to the working directory, like any path given on
// a command line.
func (c *Config) resolvePaths(dir string, fromEnv map[string]bool) {
	resolve := func(key string, p *string) {
		if *p != "" && !filepath.IsAbs(*p) && !fromEnv[key] {
			*p = filepath.Join(dir, *p)
		}
	}
	resolve("storage.path", &c.Storage.Path)
	for _, s := range c.secrets() {
		resolve(s.Key+"_file", s.File)
	}
}

// readSecretFiles fills every secret from its *_file twin. Setting both is
// an error naming both keys; errors name the key and path, never content.
func (c *Config) readSecretFiles(p *problems) {
	for _, s := range c.secrets() {
		fileKey := s.Key + "_file"
		if *s.File == "" {
			continue
		}
		if s.Value.IsSet() {
			p.add(s.Key, "both %s and %s are set; use one", s.Key, fileKey)
			continue
		}
		val, err := readSecretFile(*s.File)
		if err != nil {
			p.addErr(&keyError{Key: fileKey, Msg: err.Error(), Err: err})
			continue
		}
		*s.Value = Secret(val)
	}
}

// readSecretFile returns the content of a secret file without its trailing
// newline. Its errors name the path and the cause (*fs.PathError), never
// content.
func readSecretFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFileSize+1))
	if err != nil {
		return "", err
	}
	if len(b) > maxSecretFileSize {
		return "", fmt.Errorf("secret file %s is larger than %d KiB", path, maxSecretFileSize>>10)
	}
	s := strings.TrimRight(string(b), "\r\n")
	if s == "" {
		return "", fmt.Errorf("secret file %s is empty", path)
	}
	return s, nil
}

// YTXClientConfig maps the ytx section to the client's configuration. The
// request timeout (ytx.timeout) is not part of it: give the client an
// http.Client with that Timeout (ytx.WithHTTPClient).
func (c *Config) YTXClientConfig() ytx.Config {
	eps := make([]ytx.Endpoint, 0, len(c.YTX.Endpoints))
	for _, e := range c.YTX.Endpoints {
		eps = append(eps, ytx.Endpoint{Action: e.Action, Version: e.Version, FuncURL: e.FuncURL})
	}
	return ytx.Config{
		BaseURL:         c.YTX.BaseURL,
		AccountSID:      c.YTX.AccountSID,
		AuthToken:       c.YTX.AuthToken.Reveal(),
		AppID:           c.YTX.AppID,
		ShowNumber:      c.YTX.Shownumber,
		SrcCLID:         c.YTX.Srcclid,
		DstCLID:         c.YTX.Dstclid,
		Endpoints:       eps,
		PartiesEncoding: ytx.PartiesEncoding(c.YTX.PartiesEncoding),
	}
}

// Location returns the time zone of the timezone key.
func (c *Config) Location() (*time.Location, error) {
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return nil, &keyError{Key: "timezone", Msg: fmt.Sprintf("unknown time zone %q", c.Timezone)}
	}
	return loc, nil
}

var (
	slackTeamRE      = regexp.MustCompile(`^[TE][A-Z0-9]{2,}$`)
	slackChannelRE   = regexp.MustCompile(`^[CG][A-Z0-9]{2,}$`)
	slackCommandRE   = regexp.MustCompile(`^/[a-z0-9_-]{1,31}$`)
	telegramTokenRE  = regexp.MustCompile(`^[0-9]+:[A-Za-z0-9_-]+$`)
	webhookSecretRE  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
	callbackSecretRE = regexp.MustCompile(`^[A-Za-z0-9_-]{16,256}$`)
	callerIDRE       = regexp.MustCompile(`^\+?[0-9]{3,20}$`)
	versionRE        = regexp.MustCompile(`^[0-9]{6}$`)
	funcURLRE        = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*\.wx$`)
)

// Locales the bot has replies in.
var locales = []string{"en", "zh-CN"}

// Validate checks the shape of every value: addresses, durations, names,
// patterns, identities, and the settings that depend on each other. It does
// not require credentials, so `ytxbot console` runs on DefaultConfig; see
// RequireAccounts. The error joins one error per problem, each naming its
// key; none holds a secret's value.
func (c *Config) Validate() error {
	var p problems

	checkAddr(&p, "http.addr", c.HTTP.Addr, false)
	checkAddr(&p, "http.admin_addr", c.HTTP.AdminAddr, true)
	if c.HTTP.Addr != "" && c.HTTP.Addr == c.HTTP.AdminAddr {
		p.add("http.admin_addr", "same address as http.addr")
	}

	if c.Storage.Path == "" {
		p.add("storage.path", "empty; want the database file, e.g. ytxbot.db")
	}
	positive(&p, "storage.retention", c.Storage.Retention)

	if c.Timezone == "" {
		p.add("timezone", "empty; want an IANA time zone such as Asia/Shanghai")
	} else if _, err := time.LoadLocation(c.Timezone); err != nil {
		p.add("timezone", "unknown time zone %q (want an IANA name such as Asia/Shanghai)", c.Timezone)
	}
	if !slices.Contains(locales, c.Locale) {
		p.add("locale", "%q: want one of %s", c.Locale, strings.Join(locales, ", "))
	}
	for i, id := range c.Admins {
		if !bot.ValidIdentity(id) {
			p.add(fmt.Sprintf("admins[%d]", i), "%q is not an identity (want slack:T0001:U0001, telegram:12345 or console:name)", id)
		}
	}

	if ch := c.Alerts.SlackChannel; ch != "" {
		if !slackChannelRE.MatchString(ch) {
			p.add("alerts.slack_channel", "%q is not a Slack channel ID (want e.g. C0123ABC)", ch)
		} else if !c.Slack.Enabled {
			p.add("alerts.slack_channel", "set but slack.enabled is false")
		}
	}
	if c.Alerts.TelegramChat != 0 && !c.Telegram.Enabled {
		p.add("alerts.telegram_chat", "set but telegram.enabled is false")
	}

	c.validateYTX(&p)
	c.validateSlack(&p)
	c.validateTelegram(&p)

	positive(&p, "tracker.poll_interval", c.Tracker.PollInterval)
	positive(&p, "tracker.max_age", c.Tracker.MaxAge)
	if c.Tracker.PollInterval > 0 && c.Tracker.MaxAge > 0 && c.Tracker.PollInterval > c.Tracker.MaxAge {
		p.add("tracker.poll_interval", "%s is longer than tracker.max_age (%s)", shortDuration(c.Tracker.PollInterval), shortDuration(c.Tracker.MaxAge))
	}

	c.validatePolicy(&p)

	for _, s := range c.secrets() {
		if v := s.Value.Reveal(); v != "" && strings.ContainsFunc(v, isSpace) {
			p.add(s.Key, "contains white space (a copy-paste error?)")
		}
	}
	return p.err()
}

func (c *Config) validateYTX(p *problems) {
	y := &c.YTX
	checkURL(p, "ytx.base_url", y.BaseURL, false, "http", "https")
	for _, f := range []struct{ key, v string }{{"ytx.account_sid", y.AccountSID}, {"ytx.app_id", y.AppID}} {
		if strings.ContainsFunc(f.v, isSpace) {
			p.add(f.key, "contains white space")
		}
	}
	if s := y.CallbackSecret.Reveal(); s != "" && !callbackSecretRE.MatchString(s) {
		p.add("ytx.callback_secret", "want 16 to 256 characters of A-Z a-z 0-9 _ - (it is a URL path segment)")
	}
	for _, f := range []struct{ key, v string }{{"ytx.shownumber", y.Shownumber}, {"ytx.srcclid", y.Srcclid}, {"ytx.dstclid", y.Dstclid}} {
		if f.v != "" && !callerIDRE.MatchString(f.v) {
			p.add(f.key, "%q is not a phone number (digits only)", f.v)
		}
	}
	positive(p, "ytx.timeout", y.Timeout)
	switch ytx.PartiesEncoding(y.PartiesEncoding) {
	case ytx.PartiesString, ytx.PartiesArray:
	default:
		p.add("ytx.parties_encoding", "%q: want %q or %q", y.PartiesEncoding, ytx.PartiesString, ytx.PartiesArray)
	}
	actions := ytx.Actions()
	seen := make(map[string]int)
	for i, e := range y.Endpoints {
		key := fmt.Sprintf("ytx.endpoints[%d]", i)
		switch {
		case !slices.Contains(actions, e.Action):
			p.add(key+".action", "%q: want one of %s", e.Action, strings.Join(actions, ", "))
		case seen[e.Action] > 0:
			p.add(key+".action", "%s is already overridden by ytx.endpoints[%d]", e.Action, seen[e.Action]-1)
		default:
			seen[e.Action] = i + 1
		}
		if e.Version != "" && !versionRE.MatchString(e.Version) {
			p.add(key+".version", "%q: want six digits such as 201612", e.Version)
		}
		if e.FuncURL != "" && !funcURLRE.MatchString(e.FuncURL) {
			p.add(key+".func_url", "%q: want a name like TeleMeeting.wx", e.FuncURL)
		}
	}
}

func (c *Config) validateSlack(p *problems) {
	s := &c.Slack
	if s.TeamID != "" && !slackTeamRE.MatchString(s.TeamID) {
		p.add("slack.team_id", "%q is not a Slack team ID (want e.g. T0123ABC)", s.TeamID)
	}
	if s.BotToken.IsSet() && !strings.HasPrefix(s.BotToken.Reveal(), "xoxb-") {
		p.add("slack.bot_token", "is not a bot token (those start with xoxb-)")
	}
	if s.AppToken.IsSet() && !strings.HasPrefix(s.AppToken.Reveal(), "xapp-") {
		p.add("slack.app_token", "is not an app-level token (those start with xapp-)")
	}
	checkURL(p, "slack.api_url", s.APIURL, true, "http", "https")
	if s.AckWithin <= 0 || s.AckWithin >= 3*time.Second {
		p.add("slack.ack_within", "%s: want more than 0s and less than 3s (Slack's limit)", shortDuration(s.AckWithin))
	}
	names := make(map[string]string)
	for _, cmd := range []struct{ key, name string }{
		{"slack.commands.meet", s.Commands.Meet},
		{"slack.commands.call", s.Commands.Call},
		{"slack.commands.phone", s.Commands.Phone},
	} {
		switch {
		case !slackCommandRE.MatchString(cmd.name):
			p.add(cmd.key, "%q: want / and up to 31 lower-case letters, digits, - or _", cmd.name)
		case names[cmd.name] != "":
			p.add(cmd.key, "%q is also %s", cmd.name, names[cmd.name])
		default:
			names[cmd.name] = cmd.key
		}
	}
}

func (c *Config) validateTelegram(p *problems) {
	t := &c.Telegram
	if t.Token.IsSet() && !telegramTokenRE.MatchString(t.Token.Reveal()) {
		p.add("telegram.token", "is not a bot token (want the 123456:ABC… form BotFather gives)")
	}
	switch t.Mode {
	case TelegramPolling:
	case TelegramWebhook:
		if t.Enabled && t.WebhookURL == "" {
			p.add("telegram.webhook_url", "empty; webhook mode needs the public https URL of /telegram/webhook")
		}
	default:
		p.add("telegram.mode", "%q: want %s or %s", t.Mode, TelegramPolling, TelegramWebhook)
	}
	checkURL(p, "telegram.webhook_url", t.WebhookURL, true, "https")
	if s := t.WebhookSecret.Reveal(); s != "" && !webhookSecretRE.MatchString(s) {
		p.add("telegram.webhook_secret", "want 1 to 256 characters of A-Z a-z 0-9 _ - (Telegram's rule)")
	}
	checkURL(p, "telegram.server_url", t.ServerURL, true, "http", "https")
	for i, id := range t.AllowedChats {
		if id == 0 {
			p.add(fmt.Sprintf("telegram.allowed_chats[%d]", i), "0 is not a chat id")
		}
	}
}

func (c *Config) validatePolicy(p *problems) {
	pol := &c.Policy
	for i, pat := range pol.NumberAllow {
		key := fmt.Sprintf("policy.number_allow[%d]", i)
		if pat == "" {
			p.add(key, "empty pattern (it would allow every number)")
		} else if _, err := regexp.Compile(pat); err != nil {
			p.add(key, "%q is not a regular expression: %v", pat, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		}
	}
	const minDialback = 60 * time.Second
	if pol.DialbackCeiling <= minDialback {
		p.add("policy.dialback_ceiling", "%s: want more than %s", shortDuration(pol.DialbackCeiling), shortDuration(minDialback))
	}
	if pol.DialbackDefaultMax <= minDialback {
		p.add("policy.dialback_default_max", "%s: want more than %s", shortDuration(pol.DialbackDefaultMax), shortDuration(minDialback))
	} else if pol.DialbackDefaultMax > pol.DialbackCeiling {
		p.add("policy.dialback_default_max", "%s is above policy.dialback_ceiling (%s)", shortDuration(pol.DialbackDefaultMax), shortDuration(pol.DialbackCeiling))
	}
	for _, l := range []struct {
		key string
		n   int
	}{
		{"policy.calls_per_user_per_hour", pol.CallsPerUserPerHour},
		{"policy.rings_per_target_per_hour", pol.RingsPerTargetPerHour},
		{"policy.calls_per_minute_global", pol.CallsPerMinuteGlobal},
		{"policy.meeting_max_parties", pol.MeetingMaxParties},
	} {
		if l.n < 0 {
			p.add(l.key, "%d: want 0 (no limit) or more", l.n)
		}
	}
	if pol.DuplicateWindow < 0 {
		p.add("policy.duplicate_window", "%s: want 0 (off) or more", shortDuration(pol.DuplicateWindow))
	}
}

// MissingAccounts lists the keys `ytxbot serve` needs and that are empty: the
// YTX credentials, and the tokens of each enabled platform. Empty when the
// configuration is ready to serve.
func (c *Config) MissingAccounts() []string {
	var missing []string
	need := func(key string, ok bool) {
		if !ok {
			missing = append(missing, key)
		}
	}
	need("ytx.account_sid", c.YTX.AccountSID != "")
	need("ytx.auth_token", c.YTX.AuthToken.IsSet())
	need("ytx.app_id", c.YTX.AppID != "")
	if c.Slack.Enabled {
		if !c.Slack.SocketMode() {
			need("slack.signing_secret", c.Slack.SigningSecret.IsSet())
		}
		need("slack.bot_token", c.Slack.BotToken.IsSet())
	}
	if c.Telegram.Enabled {
		need("telegram.token", c.Telegram.Token.IsSet())
		if c.Telegram.Mode == TelegramWebhook {
			need("telegram.webhook_secret", c.Telegram.WebhookSecret.IsSet())
		}
	}
	need(noPlatformKey, c.Slack.Enabled || c.Telegram.Enabled)
	return missing
}

// noPlatformKey is what MissingAccounts says when no chat platform is on.
const noPlatformKey = "slack.enabled or telegram.enabled"

// RequireAccounts reports, one error per key, what MissingAccounts finds:
// `serve` calls it after LoadConfig; `console` does not.
func (c *Config) RequireAccounts() error {
	var p problems
	for _, key := range c.MissingAccounts() {
		switch {
		case strings.Contains(key, " or "):
			p.add(key, "both are false; serve needs a chat platform")
		case isSecretKey(key):
			p.add(key, "empty; serve needs it (set %s or %s_file, or %s / %s)", key, key, envName(key), envName(key+"_file"))
		default:
			p.add(key, "empty; serve needs it (or set %s)", envName(key))
		}
	}
	return p.err()
}

func isSecretKey(key string) bool {
	for _, s := range (&Config{}).secrets() {
		if s.Key == key {
			return true
		}
	}
	return false
}

func isSpace(r rune) bool { return unicode.IsSpace(r) }

func positive(p *problems, key string, d time.Duration) {
	if d <= 0 {
		p.add(key, "%s: want a positive duration", shortDuration(d))
	}
}

// shortDuration prints 3h rather than 3h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

func checkAddr(p *problems, key, addr string, optional bool) {
	if addr == "" {
		if !optional {
			p.add(key, "empty; want host:port, e.g. 127.0.0.1:8080")
		}
		return
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		p.add(key, "%q is not host:port (e.g. 127.0.0.1:8080, :8080)", addr)
		return
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		p.add(key, "%q: port %q is not a number from 0 to 65535", addr, port)
	}
}

func checkURL(p *problems, key, s string, optional bool, schemes ...string) {
	if s == "" {
		if !optional {
			p.add(key, "empty; want an %s URL", strings.Join(schemes, " or "))
		}
		return
	}
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Host == "" || !slices.Contains(schemes, u.Scheme):
		if err == nil && u.User != nil {
			p.add(key, "is not an %s URL", strings.Join(schemes, " or "))
			return
		}
		p.add(key, "%q is not an %s URL", s, strings.Join(schemes, " or "))
	case u.User != nil:
		p.add(key, "must not hold credentials (user:password@)") // and is not echoed, it holds one
	}
}
