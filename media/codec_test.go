package media

import "testing"

func TestCodecNames(t *testing.T) {
	tests := []struct {
		c      Codec
		str    string
		rtpmap string
		pt     uint8
		static bool
		audio  bool
	}{
		{PCMU, "PCMU", "PCMU/8000", 0, true, true},
		{PCMA, "PCMA", "PCMA/8000", 8, true, true},
		{CN, "CN", "CN/8000", 13, true, false},
		{TelephoneEvent, "telephone-event", "telephone-event/8000", 0, false, false},
		{CodecUnknown, "unknown(255)", "", 0, false, false},
	}
	for _, tt := range tests {
		if got := tt.c.String(); got != tt.str {
			t.Errorf("%d.String() = %q, want %q", tt.c, got, tt.str)
		}
		if got := tt.c.RTPMap(); got != tt.rtpmap {
			t.Errorf("%v.RTPMap() = %q, want %q", tt.c, got, tt.rtpmap)
		}
		pt, ok := tt.c.StaticPayloadType()
		if pt != tt.pt || ok != tt.static {
			t.Errorf("%v.StaticPayloadType() = %d, %v", tt.c, pt, ok)
		}
		if tt.c.IsAudio() != tt.audio {
			t.Errorf("%v.IsAudio() = %v", tt.c, !tt.audio)
		}
	}
}

func TestParseCodec(t *testing.T) {
	tests := []struct {
		name  string
		clock uint32
		want  Codec
	}{
		{"PCMU", 8000, PCMU},
		{"pcmu", 0, PCMU},
		{"PCMA", 8000, PCMA},
		{"telephone-event", 8000, TelephoneEvent},
		{"TELEPHONE-EVENT", 0, TelephoneEvent},
		{"CN", 8000, CN},
		{"PCMU", 16000, CodecUnknown},
		{"telephone-event", 48000, CodecUnknown},
		{"opus", 48000, CodecUnknown},
		{"", 0, CodecUnknown},
	}
	for _, tt := range tests {
		if got := ParseCodec(tt.name, tt.clock); got != tt.want {
			t.Errorf("ParseCodec(%q, %d) = %v, want %v", tt.name, tt.clock, got, tt.want)
		}
	}
	if FrameSamples != 160 {
		t.Errorf("FrameSamples = %d", FrameSamples)
	}
}
