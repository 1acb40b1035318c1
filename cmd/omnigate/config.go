package main

import (
	"errors"
	"fmt"

	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/spf13/viper"

	"github.com/omnigate/omnigate/media"
	"github.com/omnigate/omnigate/media/webrtc"
	"github.com/omnigate/omnigate/sip"

	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
)

// fileConfig is the whole configuration as read by viper (this file is the only
// viper import). Every scalar key has a default so OMNIGATE_* variables reach it.
type fileConfig struct {
	HTTP struct {
		Addr           string   `mapstructure:"addr"`
		PublicURL      string   `mapstructure:"public_url"`
		AllowedOrigins []string `mapstructure:"allowed_origins"`
	} `mapstructure:"http"`
	Store struct {
		URL     string `mapstructure:"url"`
		DataDir string `mapstructure:"data_dir"`
	} `mapstructure:"store"`
	Log struct {
		Level  string `mapstructure:"level"`
		Format string `mapstructure:"format"`
	} `mapstructure:"log"`
	Auth struct {
		TokenTTL time.Duration `mapstructure:"token_ttl"`
	} `mapstructure:"auth"`
	Routing struct {
		OfferTimeout time.Duration `mapstructure:"offer_timeout"`
		DeclineHold  time.Duration `mapstructure:"decline_hold"`
	} `mapstructure:"routing"`
	Webchat struct {
		Queue        string        `mapstructure:"queue"`
		Secret       string        `mapstructure:"secret"`
		ReturnWindow time.Duration `mapstructure:"return_window"`
	} `mapstructure:"webchat"`
	Shutdown struct {
		Timeout time.Duration `mapstructure:"timeout"`
	} `mapstructure:"shutdown"`
	SIP          sipConfig           `mapstructure:"sip"`
	Media        mediaConfig         `mapstructure:"media"`
	WebRTC       webrtcConfig        `mapstructure:"webrtc"`
	Queues       []queueConfig       `mapstructure:"queues"`
	Agents       []agentConfig       `mapstructure:"agents"`
	Users        []userConfig        `mapstructure:"users"`
	Dispositions []dispositionConfig `mapstructure:"dispositions"`
	Reasons      []string            `mapstructure:"reasons"`
}

type sipConfig struct {
	Addr          string            `mapstructure:"addr"`
	TLSAddr       string            `mapstructure:"tls_addr"`
	TLSCert       string            `mapstructure:"tls_cert"`
	TLSKey        string            `mapstructure:"tls_key"`
	Realm         string            `mapstructure:"realm"`
	PublicHost    string            `mapstructure:"public_host"`
	RingTimeout   time.Duration     `mapstructure:"ring_timeout"`
	Digest        []string          `mapstructure:"digest_algorithms"`
	MaxCalls      int               `mapstructure:"max_calls"`
	OutboundTrunk string            `mapstructure:"outbound_trunk"`
	Trunks        []trunkConfig     `mapstructure:"trunks"`
	DIDs          map[string]string `mapstructure:"dids"`
}

type trunkConfig struct {
	Name             string   `mapstructure:"name"`
	Addrs            []string `mapstructure:"addrs"`
	Username         string   `mapstructure:"username"`
	Password         string   `mapstructure:"password"`
	Target           string   `mapstructure:"target"`
	Transport        string   `mapstructure:"transport"`
	OutboundUsername string   `mapstructure:"outbound_username"`
	OutboundPassword string   `mapstructure:"outbound_password"`
	FromUser         string   `mapstructure:"from_user"`
}

type mediaConfig struct {
	RTPIP        string        `mapstructure:"rtp_ip"`
	RTPPortMin   int           `mapstructure:"rtp_port_min"`
	RTPPortMax   int           `mapstructure:"rtp_port_max"`
	MediaTimeout time.Duration `mapstructure:"media_timeout"`
	Ringback     string        `mapstructure:"ringback"`
	HoldMusic    string        `mapstructure:"hold_music"`
}

type webrtcConfig struct {
	UDPPort   int      `mapstructure:"udp_port"`
	ListenIP  string   `mapstructure:"listen_ip"`
	PublicIPs []string `mapstructure:"public_ips"`
}

type queueConfig struct {
	Name                string        `mapstructure:"name"`
	Priority            int           `mapstructure:"priority"`
	OfferTimeout        time.Duration `mapstructure:"offer_timeout"`
	ServiceLevel        time.Duration `mapstructure:"service_level"`
	DispositionRequired bool          `mapstructure:"disposition_required"`
	MaxWaitingCalls     int           `mapstructure:"max_waiting_calls"`
}

type agentConfig struct {
	ID            string         `mapstructure:"id"`
	Name          string         `mapstructure:"name"`
	Skills        map[string]int `mapstructure:"skills"`
	Capacity      map[string]int `mapstructure:"capacity"`
	TotalCapacity int            `mapstructure:"total_capacity"`
	ExtraContact  bool           `mapstructure:"extra_contact"`
	Device        string         `mapstructure:"device"`
	SIPPassword   string         `mapstructure:"sip_password"`
}

type userConfig struct {
	Username     string `mapstructure:"username"`
	Password     string `mapstructure:"password"`
	PasswordHash string `mapstructure:"password_hash"`
	Role         string `mapstructure:"role"`
	AgentID      string `mapstructure:"agent_id"`
}

type dispositionConfig struct {
	Code  string `mapstructure:"code"`
	Label string `mapstructure:"label"`
}

// demo is what runs with no configuration (SPEC §8).
func demo() fileConfig {
	var c fileConfig
	c.Queues = []queueConfig{{Name: "sales"}, {Name: "support"}}
	capa := map[string]int{"voice": 1, "chat": 3, "email": 3, "workitem": 3, "sms": 3}
	c.Agents = []agentConfig{
		{ID: "alice", Name: "Alice", Skills: map[string]int{"sales": 5, "support": 5}, Capacity: capa, TotalCapacity: 3, ExtraContact: true, Device: "browser", SIPPassword: "alice"},
		{ID: "bob", Name: "Bob", Skills: map[string]int{"support": 5}, Capacity: capa, TotalCapacity: 3, Device: "sip", SIPPassword: "bob"},
		{ID: "carol", Name: "Carol", Skills: map[string]int{"sales": 5}, Capacity: capa, TotalCapacity: 3, Device: "sip", SIPPassword: "carol"},
	}
	c.SIP.DIDs = map[string]string{"1000": "sales", "2000": "support"}
	c.SIP.Trunks = []trunkConfig{{Name: "carrier", Addrs: []string{"127.0.0.0/8", "::1/128"}, Target: "127.0.0.1:5070"}}
	c.SIP.OutboundTrunk = "carrier"
	c.Users = []userConfig{
		{Username: "alice", Password: "alice", Role: "agent", AgentID: "alice"},
		{Username: "bob", Password: "bob", Role: "agent", AgentID: "bob"},
		{Username: "carol", Password: "carol", Role: "agent", AgentID: "carol"},
		{Username: "sue", Password: "sue", Role: "supervisor"},
		{Username: "admin", Password: "admin", Role: "admin"},
	}
	c.Dispositions = []dispositionConfig{{Code: "resolved", Label: "Resolved"}, {Code: "callback", Label: "Callback"}}
	return c
}

func setDefaults(v *viper.Viper) {
	v.SetDefault("http.addr", ":8080")
	v.SetDefault("http.public_url", "")
	v.SetDefault("http.allowed_origins", []string{})
	v.SetDefault("store.url", "")
	v.SetDefault("store.data_dir", "./omnigate-data")
	v.SetDefault("log.level", "info")
	v.SetDefault("log.format", "text")
	v.SetDefault("auth.token_ttl", 12*time.Hour)
	v.SetDefault("routing.offer_timeout", 30*time.Second)
	v.SetDefault("routing.decline_hold", 0)
	v.SetDefault("webchat.queue", "")
	v.SetDefault("webchat.secret", "")
	v.SetDefault("webchat.return_window", 2*time.Minute)
	v.SetDefault("shutdown.timeout", 15*time.Second)
	v.SetDefault("reasons", []string{"Break", "Lunch", "Meeting", "Training"})
	v.SetDefault("sip.addr", ":5060")
	v.SetDefault("sip.tls_addr", ":5061")
	v.SetDefault("sip.tls_cert", "")
	v.SetDefault("sip.tls_key", "")
	v.SetDefault("sip.realm", "omnigate")
	v.SetDefault("sip.public_host", "")
	v.SetDefault("sip.ring_timeout", 60*time.Second)
	v.SetDefault("sip.outbound_trunk", "")
	// One challenge only by default: some phones (baresip 1.0's libre among them) give
	// up on a 401 that offers an algorithm they do not know next to MD5.
	v.SetDefault("sip.digest_algorithms", []string{"MD5"})
	v.SetDefault("sip.max_calls", 0)
	v.SetDefault("media.rtp_ip", "127.0.0.1")
	v.SetDefault("media.rtp_port_min", 10000)
	v.SetDefault("media.rtp_port_max", 20000)
	v.SetDefault("media.media_timeout", 30*time.Second)
	v.SetDefault("media.ringback", "eu")
	v.SetDefault("media.hold_music", "")
	v.SetDefault("webrtc.udp_port", 0)
	v.SetDefault("webrtc.listen_ip", "127.0.0.1")
	v.SetDefault("webrtc.public_ips", []string{})
}

// loadConfig reads the file (if any) and the environment. It reports whether the
// built-in demo is in use (no file, or a file without queues/agents/users).
func loadConfig(path string) (fileConfig, bool, error) {
	v := viper.New()
	setDefaults(v)
	v.SetEnvPrefix("OMNIGATE")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	if path != "" {
		v.SetConfigFile(path)
		if err := v.ReadInConfig(); err != nil {
			return fileConfig{}, false, fmt.Errorf("read %s: %w", path, err)
		}
		if err := checkKeys(v); err != nil {
			return fileConfig{}, false, fmt.Errorf("%s: %w", path, err)
		}
	}
	var c fileConfig
	if err := v.UnmarshalExact(&c); err != nil {
		return fileConfig{}, false, fmt.Errorf("config: %w", err)
	}
	isDemo := false
	if len(c.Queues) == 0 && len(c.Agents) == 0 && len(c.Users) == 0 {
		d := demo()
		c.Queues, c.Agents, c.Users = d.Queues, d.Agents, d.Users
		if len(c.SIP.Trunks) == 0 && len(c.SIP.DIDs) == 0 {
			c.SIP.Trunks, c.SIP.DIDs, c.SIP.OutboundTrunk = d.SIP.Trunks, d.SIP.DIDs, d.SIP.OutboundTrunk
		}
		if len(c.Dispositions) == 0 {
			c.Dispositions = d.Dispositions
		}
		isDemo = true
	}
	if c.Webchat.Queue == "" && len(c.Queues) > 0 {
		c.Webchat.Queue = c.Queues[0].Name
	}
	return c, isDemo, c.validate()
}

var knownTop = []string{"http", "store", "log", "auth", "routing", "webchat", "shutdown", "sip", "media", "webrtc", "queues", "agents", "users", "dispositions", "reasons"}

// checkKeys refuses unknown top-level keys: a typo must not silently fall back to a
// default.
func checkKeys(v *viper.Viper) error {
	var unknown []string
	for _, k := range v.AllKeys() {
		top := strings.SplitN(k, ".", 2)[0]
		ok := false
		for _, t := range knownTop {
			if t == top {
				ok = true
			}
		}
		if !ok {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("unknown keys: %s", strings.Join(unknown, ", "))
	}
	return nil
}

func (c *fileConfig) validate() error {
	var errs []error
	if c.HTTP.Addr == "" {
		errs = append(errs, errors.New("http.addr is empty"))
	}
	if c.Store.URL == "" && c.Store.DataDir == "" {
		errs = append(errs, errors.New("store: set store.url (PostgreSQL) or store.data_dir (embedded)"))
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log.level %q: want debug, info, warn or error", c.Log.Level))
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("log.format %q: want text or json", c.Log.Format))
	}
	if _, err := c.routing(); err != nil {
		errs = append(errs, err)
	}
	agents := map[string]bool{}
	for _, a := range c.Agents {
		agents[a.ID] = true
		switch a.Device {
		case "", "browser", "sip":
		default:
			errs = append(errs, fmt.Errorf("agent %s: device %q: want browser or sip", a.ID, a.Device))
		}
	}
	seen := map[string]bool{}
	for _, u := range c.Users {
		switch {
		case u.Username == "":
			errs = append(errs, errors.New("a user has no username"))
		case seen[u.Username]:
			errs = append(errs, fmt.Errorf("user %s defined twice", u.Username))
		}
		seen[u.Username] = true
		switch u.Role {
		case "agent":
			if !agents[u.AgentID] {
				errs = append(errs, fmt.Errorf("user %s: agent_id %q is not an agent", u.Username, u.AgentID))
			}
		case "supervisor", "admin":
		default:
			errs = append(errs, fmt.Errorf("user %s: role %q: want agent, supervisor or admin", u.Username, u.Role))
		}
		if (u.Password == "") == (u.PasswordHash == "") {
			errs = append(errs, fmt.Errorf("user %s: set exactly one of password or password_hash", u.Username))
		}
	}
	queues := map[string]bool{}
	for _, q := range c.Queues {
		queues[q.Name] = true
	}
	if c.Webchat.Queue != "" && !queues[c.Webchat.Queue] {
		errs = append(errs, fmt.Errorf("webchat.queue %q is not a queue", c.Webchat.Queue))
	}
	if _, err := c.sip(); err != nil {
		errs = append(errs, err)
	}
	if _, err := c.media(); err != nil {
		errs = append(errs, err)
	}
	if _, err := c.webrtc(); err != nil {
		errs = append(errs, err)
	}
	for _, d := range c.Dispositions {
		if d.Code == "" {
			errs = append(errs, errors.New("a disposition has no code"))
		}
	}
	return errors.Join(errs...)
}

// routing turns the file's queues and agents into the routing configuration.
func (c *fileConfig) routing() (routing.Config, error) {
	rc := routing.Config{DefaultOfferTimeout: c.Routing.OfferTimeout, DeclineHold: c.Routing.DeclineHold}
	for _, q := range c.Queues {
		rc.Queues = append(rc.Queues, routing.QueueConfig{Name: q.Name, Priority: q.Priority, OfferTimeout: q.OfferTimeout,
			ServiceLevel: q.ServiceLevel, DispositionRequired: q.DispositionRequired, MaxWaitingCalls: q.MaxWaitingCalls})
	}
	for _, a := range c.Agents {
		if a.Device == "" {
			a.Device = "browser"
		}
		ac := routing.AgentConfig{ID: a.ID, Name: a.Name, Skills: a.Skills, Capacity: map[session.Channel]int{},
			TotalCapacity: a.TotalCapacity, ExtraContact: a.ExtraContact, Device: a.Device}
		for name, n := range a.Capacity {
			ch, err := session.ParseChannel(name)
			if err != nil {
				return rc, fmt.Errorf("agent %s: capacity: %w", a.ID, err)
			}
			ac.Capacity[ch] = n
		}
		rc.Agents = append(rc.Agents, ac)
	}
	for _, d := range c.Dispositions {
		rc.Dispositions = append(rc.Dispositions, d.Code)
	}
	rc.Defaults()
	if err := rc.Validate(); err != nil {
		return rc, err
	}
	return rc, nil
}

// sip turns the file's sip section (and the agents' desk-phone passwords) into the
// SIP gateway's configuration.
func (c *fileConfig) sip() (sip.Config, error) {
	sc := sip.Config{
		Addr: c.SIP.Addr, TLSAddr: c.SIP.TLSAddr, TLSCert: c.SIP.TLSCert, TLSKey: c.SIP.TLSKey,
		Realm: c.SIP.Realm, PublicHost: c.SIP.PublicHost, DIDs: c.SIP.DIDs, OfferRingTimeout: c.SIP.RingTimeout,
		DigestAlgorithms: c.SIP.Digest,
	}
	sc.Limits.MaxCalls = c.SIP.MaxCalls
	queues := map[string]bool{}
	for _, q := range c.Queues {
		queues[q.Name] = true
	}
	for did, q := range c.SIP.DIDs {
		if !queues[q] {
			return sc, fmt.Errorf("sip.dids: %s goes to %q, which is not a queue", did, q)
		}
	}
	trunks := map[string]bool{}
	for _, t := range c.SIP.Trunks {
		st := sip.Trunk{Name: t.Name, Username: t.Username, Password: t.Password, Target: t.Target, Transport: t.Transport,
			OutboundUsername: t.OutboundUsername, OutboundPassword: t.OutboundPassword, FromUser: t.FromUser}
		for _, a := range t.Addrs {
			p, err := netip.ParsePrefix(a)
			if err != nil {
				ip, ierr := netip.ParseAddr(a)
				if ierr != nil {
					return sc, fmt.Errorf("sip.trunks %s: address %q is neither an IP nor a prefix", t.Name, a)
				}
				p = netip.PrefixFrom(ip, ip.BitLen())
			}
			st.Addrs = append(st.Addrs, p)
		}
		trunks[t.Name] = true
		sc.Trunks = append(sc.Trunks, st)
	}
	if c.SIP.OutboundTrunk != "" && !trunks[c.SIP.OutboundTrunk] {
		return sc, fmt.Errorf("sip.outbound_trunk %q is not a trunk", c.SIP.OutboundTrunk)
	}
	for _, a := range c.Agents {
		if a.SIPPassword != "" {
			sc.Users = append(sc.Users, sip.User{Username: a.ID, Password: a.SIPPassword})
		}
	}
	cp := sc
	cp.Defaults()
	if err := cp.Validate(); err != nil {
		return sc, err
	}
	return sc, nil
}

func (c *fileConfig) media() (media.Config, error) {
	mc := media.Config{RTPIP: c.Media.RTPIP, RTPPortMin: c.Media.RTPPortMin, RTPPortMax: c.Media.RTPPortMax,
		MediaTimeout: c.Media.MediaTimeout, Ringback: c.Media.Ringback, HoldMusic: c.Media.HoldMusic}
	cp := mc
	cp.Defaults()
	if err := cp.Validate(); err != nil {
		return mc, fmt.Errorf("media: %w", err)
	}
	return mc, nil
}

func (c *fileConfig) webrtc() (webrtc.Config, error) {
	wc := webrtc.Config{UDPPort: c.WebRTC.UDPPort, ListenIP: c.WebRTC.ListenIP, PublicIPs: c.WebRTC.PublicIPs}
	if err := wc.Validate(); err != nil {
		return wc, fmt.Errorf("webrtc: %w", err)
	}
	return wc, nil
}
