package session

import "fmt"

// Channel is the medium of one interaction.
type Channel uint8

const (
	ChannelUnknown Channel = iota
	Voice
	Video
	Chat
	SMS
	Email
	Voicemail
	WorkItem
	Social
)

// NumChannels bounds Channel values: arrays indexed by Channel have this length.
const NumChannels = 9

var channelNames = [...]string{"unknown", "voice", "video", "chat", "sms", "email", "voicemail", "workitem", "social"}

func (c Channel) String() string {
	if int(c) < len(channelNames) {
		return channelNames[c]
	}
	return fmt.Sprintf("channel(%d)", c)
}

// IsDigital reports whether the channel is not a real-time media channel.
func (c Channel) IsDigital() bool { return c != Voice && c != Video && c != ChannelUnknown }

// Channels lists every known channel, in a stable order (for metrics and docs).
func Channels() []Channel {
	return []Channel{Voice, Video, Chat, SMS, Email, Voicemail, WorkItem, Social}
}

// ParseChannel maps a wire name to a Channel.
func ParseChannel(s string) (Channel, error) {
	for i, n := range channelNames {
		if i > 0 && n == s {
			return Channel(i), nil
		}
	}
	if s == "work_item" || s == "work-item" {
		return WorkItem, nil
	}
	return ChannelUnknown, fmt.Errorf("unknown channel %q: %w", s, ErrInvalid)
}

// Direction says who started an interaction.
type Direction uint8

const (
	Inbound Direction = iota
	Outbound
)

func (d Direction) String() string {
	if d == Outbound {
		return "outbound"
	}
	return "inbound"
}

// channelMoves is S2: from which channel an interaction may move to which, inside
// the same session.
var channelMoves = map[Channel][]Channel{
	Chat:      {Email, Voice, SMS},
	Email:     {Voice, SMS},
	WorkItem:  {Voice, SMS},
	Voicemail: {Voice, SMS},
	SMS:       {Voice},
}

// ChannelTargets returns the channels an interaction on c may move to (S2). Only
// these are offered to the agent.
func ChannelTargets(c Channel) []Channel {
	return append([]Channel(nil), channelMoves[c]...)
}

// CheckChannelMove enforces S2.
func CheckChannelMove(from, to Channel) error {
	for _, t := range channelMoves[from] {
		if t == to {
			return nil
		}
	}
	return fmt.Errorf("%s to %s: %w", from, to, ErrChannelMove)
}
