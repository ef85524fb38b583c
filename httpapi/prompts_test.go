package httpapi_test

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"tsunagu"
	"tsunagu/media"
)

// wav builds a 16-bit PCM WAV of a 1 kHz tone.
func wav(rate, channels int, seconds float64) []byte {
	n := int(float64(rate) * seconds)
	var data bytes.Buffer
	for i := range n {
		v := int16(8000 * math.Sin(2*math.Pi*1000*float64(i)/float64(rate)))
		for range channels {
			binary.Write(&data, binary.LittleEndian, v)
		}
	}
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+data.Len()))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(channels), uint32(rate), uint32(rate * channels * 2), uint16(channels * 2), uint16(16)} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(data.Len()))
	b.Write(data.Bytes())
	return b.Bytes()
}

// TestPrompts: an admin uploads a studio WAV (16 kHz stereo) and hears it
// back as callers will (8 kHz mono); what is not a usable WAV is refused
// naming the field, and nothing is stored.
func TestPrompts(t *testing.T) {
	e := newEnv(t)
	admin := e.login("a-admin")
	res := admin.do("POST", "/api/v1/prompts?name=年末年始のご案内", wav(16000, 2, 1.5), "Content-Type", "audio/wav")
	var p tsunagu.Prompt
	res.json(&p)
	if res.StatusCode != 201 || p.Name != "年末年始のご案内" || math.Abs(p.Seconds-1.5) > 0.01 {
		t.Fatalf("upload: %d %s", res.StatusCode, res.body)
	}
	audio := admin.do("GET", "/api/v1/prompts/"+string(p.ID)+"/audio", nil)
	w, err := media.ReadWAV(bytes.NewReader(audio.body), 1<<20)
	if audio.Header.Get("Content-Type") != "audio/wav" || err != nil || w.SampleRate != 8000 || len(w.Channels) != 1 || len(w.Channels[0]) != 12000 {
		t.Fatalf("preview: %v %v %+v", audio.Header, err, w)
	}
	for _, tc := range []struct {
		name, query string
		body        []byte
		field       string
	}{
		{"NotWAV", "?name=x", []byte("ID3 this is an mp3"), "audio"},
		{"TooLong", "?name=x", wav(8000, 1, 61), "audio"},
		{"NoName", "", wav(8000, 1, 1), "name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if p := admin.do("POST", "/api/v1/prompts"+tc.query, tc.body, "Content-Type", "audio/wav").problem(); p.Field != tc.field || p.Code != tsunagu.EINVALID {
				t.Errorf("problem %+v, want field %s", p, tc.field)
			}
		})
	}
	var list struct{ Items []tsunagu.Prompt }
	admin.do("GET", "/api/v1/prompts", nil).json(&list)
	if len(list.Items) != 1 {
		t.Errorf("prompts after refused uploads: %+v", list.Items)
	}
	if res := e.login("b-admin").do("GET", "/api/v1/prompts/"+string(p.ID)+"/audio", nil); res.StatusCode != 404 {
		t.Errorf("another tenant's prompt: %d", res.StatusCode)
	}
}

// TestPrompts_Delete: an admin deletes a prompt nothing plays any more;
// while an announcement plays it the answer is 409 naming the use, and an
// operator may not delete at all.
func TestPrompts_Delete(t *testing.T) {
	e := newEnv(t)
	admin := e.login("a-admin")
	var p tsunagu.Prompt
	admin.do("POST", "/api/v1/prompts?name=お盆休み", wav(8000, 1, 1), "Content-Type", "audio/wav").json(&p)
	admin.do("PUT", "/api/v1/announcements", map[string]any{"announcements": map[string]string{"wait": string(p.ID)}})
	if pr := admin.do("DELETE", "/api/v1/prompts/"+string(p.ID), nil).problem(); pr.Code != tsunagu.ECONFLICT || pr.Field != "id" ||
		!strings.Contains(pr.Detail, "announcement wait") {
		t.Fatalf("in use: %+v", pr)
	}
	if res := e.login("a-agent").do("DELETE", "/api/v1/prompts/"+string(p.ID), nil); res.StatusCode != 403 {
		t.Errorf("operator deleting: %d", res.StatusCode)
	}
	admin.do("PUT", "/api/v1/announcements", map[string]any{"announcements": map[string]string{}})
	if res := admin.do("DELETE", "/api/v1/prompts/"+string(p.ID), nil); res.StatusCode != 204 {
		t.Fatalf("delete: %d %s", res.StatusCode, res.body)
	}
	if res := admin.do("DELETE", "/api/v1/prompts/"+string(p.ID), nil); res.StatusCode != 404 {
		t.Errorf("deleted twice: %d", res.StatusCode)
	}
	var list struct{ Items []tsunagu.Prompt }
	admin.do("GET", "/api/v1/prompts", nil).json(&list)
	if len(list.Items) != 0 {
		t.Errorf("prompts after delete: %+v", list.Items)
	}
}
