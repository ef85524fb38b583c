package media

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// A call recording is a stereo WAV file (RIFF, WAVE_FORMAT_PCM): 8 kHz,
// 16-bit little-endian, the caller on the left channel and the other party
// on the right. Linear PCM rather than G.711 in the file because every
// player, editor and speech-to-text service reads it; it costs 32 kB/s.

const (
	wavHeaderLen   = 44
	recChannels    = 2
	recFrameBytes  = frameSamples * recChannels * 2 // one 20 ms stereo frame
	recBatchFrames = 10                             // frames handed to the writer at a time (200 ms)
	recQueueFrames = 50                             // 1 s between the media path and the disk
)

// Recorder writes a stereo recording incrementally. Write is called on the
// media path every 20 ms and never blocks: frames go through a bounded queue
// (one second) to a goroutine that owns the file, ten frames at a time
// rather than one (with hundreds of calls recorded, a hand-over and a
// wake-up per frame per call was scheduler work out of all proportion to a
// 640-byte copy); when the disk falls that far behind, frames are dropped and counted, and the gap is written as
// silence so that the channels and the clock stay in step. The header's
// sizes are written as "unknown" (0xFFFFFFFF, as streaming writers do) at
// the start, so a file cut short by a crash still plays, and fixed at Close.
type Recorder struct {
	f *os.File
	w *bufio.Writer

	// free and full hold preallocated batches of frames: Write fills one
	// taken from free (cur) and hands it to full, the writer returns it;
	// nothing allocates per frame.
	free, full chan *recBatch
	cur        *recBatch // being filled, under mu
	done       chan struct{}

	paused  atomic.Bool
	mu      sync.Mutex // Write's callers: the mixer's tick, and Close
	closed  bool
	start   time.Time // the clock at the file's first sample
	queued  int64     // samples per channel handed to the queue, including silence
	dropped atomic.Int64
	written atomic.Int64 // samples per channel on disk
	err     error        // the writer's first error; read after done
}

// CreateRecorder creates the file at path (failing if it exists) and starts
// its writer. The directory must exist. start is the time the file begins
// at: each frame is placed by the time it is written, so the file's
// timeline is the wall clock's from start (a pause stored at a time is
// silent at that offset), and a late first frame follows silence. A zero
// start begins the file with the first frame.
func CreateRecorder(path string, start time.Time) (*Recorder, error) {
	r, err := openRecorder(path, start)
	if err != nil {
		return nil, err
	}
	go r.run()
	return r, nil
}

// openRecorder creates the file and the recorder without its writer (the
// benchmark drives the writer's step itself).
func openRecorder(path string, start time.Time) (*Recorder, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return nil, fmt.Errorf("media: recording: %w", err)
	}
	r := &Recorder{f: f, w: bufio.NewWriterSize(f, 32<<10), start: start,
		free: make(chan *recBatch, recQueueFrames/recBatchFrames), full: make(chan *recBatch, recQueueFrames/recBatchFrames),
		done: make(chan struct{})}
	for range recQueueFrames / recBatchFrames {
		r.free <- new(recBatch)
	}
	if _, err := r.w.Write(wavHeader(0xFFFFFFFF)); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("media: recording: %w", err)
	}
	return r, nil
}

// wavHeader is the canonical 44-byte header for dataLen bytes of stereo
// 8 kHz 16-bit PCM. The RIFF size saturates: a header of "unknown" length
// has both sizes at 0xFFFFFFFF.
func wavHeader(dataLen uint32) []byte { return WAVHeader(recChannels, dataLen) }

// WAVHeader is the 44-byte canonical header of 16-bit PCM at SampleRate with
// channels channels and dataLen bytes of samples; a dataLen past 4 GiB − 36
// saturates the RIFF size (recordings and voicemail write 0xFFFFFFFF first
// and the real length when they close).
func WAVHeader(channels uint16, dataLen uint32) []byte {
	h := make([]byte, wavHeaderLen)
	riff := uint32(0xFFFFFFFF)
	if dataLen <= 0xFFFFFFFF-36 {
		riff = dataLen + 36
	}
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], riff)
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)                            // fmt chunk size
	binary.LittleEndian.PutUint16(h[20:], 1)                             // WAVE_FORMAT_PCM
	binary.LittleEndian.PutUint16(h[22:], channels)                      // channels
	binary.LittleEndian.PutUint32(h[24:], SampleRate)                    // sample rate
	binary.LittleEndian.PutUint32(h[28:], SampleRate*uint32(channels)*2) // byte rate
	binary.LittleEndian.PutUint16(h[32:], channels*2)                    // block align
	binary.LittleEndian.PutUint16(h[34:], 16)                            // bits per sample
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], dataLen)
	return h
}

// SetPaused makes Write record silence (true) or audio again (false). The
// file keeps running while paused, so what follows stays in time.
func (r *Recorder) SetPaused(on bool) { r.paused.Store(on) }

// Paused reports whether the recorder is writing silence.
func (r *Recorder) Paused() bool { return r.paused.Load() }

// Write queues one frame taken at time now: left and right are the two
// channels' samples (the shorter is padded with silence; at most one 20 ms
// frame is taken). If now is more than three frames past the audio queued
// so far (the media path stalled, or the mixer was restarted), the frame
// goes at now's place and the gap is silence. Write never blocks.
func (r *Recorder) Write(now time.Time, left, right []int16) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	if r.start.IsZero() {
		r.start = now
	}
	due := int64(now.Sub(r.start)) * SampleRate / int64(time.Second)
	if due-r.queued > 3*frameSamples {
		// The writer puts silence wherever no frame was queued.
		r.queued = due - due%frameSamples
	}
	if r.paused.Load() {
		left, right = nil, nil
	}
	r.put(left, right)
}

// recBatch is up to recBatchFrames consecutive stereo frames and the place
// of the first in the file (in frames from the start), so the writer puts
// silence where frames were dropped.
type recBatch struct {
	n int64
	k int
	b [recBatchFrames * recFrameBytes]byte
}

// put queues one frame, interleaving the channels (nil is silence). Under mu.
func (r *Recorder) put(left, right []int16) {
	n := r.queued / frameSamples
	r.queued += frameSamples
	if r.cur != nil && r.cur.n+int64(r.cur.k) != n {
		r.handOver() // a jump: the frame starts a batch of its own
	}
	if r.cur == nil {
		select {
		case r.cur = <-r.free:
			r.cur.n, r.cur.k = n, 0
		default: // the writer is a second behind
			r.dropped.Add(1)
			return
		}
	}
	b := r.cur.b[r.cur.k*recFrameBytes : (r.cur.k+1)*recFrameBytes]
	for i := range frameSamples {
		var l, rr int16
		if i < len(left) {
			l = left[i]
		}
		if i < len(right) {
			rr = right[i]
		}
		binary.LittleEndian.PutUint16(b[4*i:], uint16(l))
		binary.LittleEndian.PutUint16(b[4*i+2:], uint16(rr))
	}
	r.cur.k++
	if r.cur.k == recBatchFrames {
		r.handOver()
	}
}

// handOver gives the batch being filled to the writer. Under mu.
func (r *Recorder) handOver() {
	if r.cur == nil {
		return
	}
	if r.cur.k > 0 {
		r.full <- r.cur // never blocks: there are only so many batches
	} else {
		r.free <- r.cur
	}
	r.cur = nil
}

// run owns the file: it writes queued batches until Close closes full,
// with silence in the place of frames that were dropped, so a slow disk
// costs audio, never alignment.
func (r *Recorder) run() {
	defer close(r.done)
	for f := range r.full {
		r.step(f)
	}
}

// step writes one queued batch in its place and frees its buffer.
func (r *Recorder) step(f *recBatch) {
	r.silence(f.n * frameSamples)
	r.write(f.b[:f.k*recFrameBytes])
	r.free <- f
}

var silentFrame [recFrameBytes]byte

// silence writes silent frames until upto samples are on disk.
func (r *Recorder) silence(upto int64) {
	for r.err == nil && r.written.Load() < upto {
		r.write(silentFrame[:])
	}
}

func (r *Recorder) write(p []byte) {
	if r.err != nil {
		return
	}
	if _, err := r.w.Write(p); err != nil {
		r.err = err
		return
	}
	r.written.Add(int64(len(p) / 4))
}

// RecorderStats are a recorder's counts: samples per channel on disk and frames
// dropped because the disk fell behind (written as silence).
type RecorderStats struct {
	Samples int64
	Dropped int64
}

// Stats returns the counts so far.
func (r *Recorder) Stats() RecorderStats {
	return RecorderStats{Samples: r.written.Load(), Dropped: r.dropped.Load()}
}

// Duration is the length of audio written so far.
func (r *Recorder) Duration() time.Duration {
	return time.Duration(r.written.Load()) * time.Second / SampleRate
}

// Close writes what is queued plus silence for frames dropped at the end,
// fixes the header's sizes, syncs and closes the file. Later Writes are
// ignored; Close is idempotent.
func (r *Recorder) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		<-r.done
		return nil
	}
	r.closed = true
	r.handOver()
	close(r.full)
	queued := r.queued
	r.mu.Unlock()
	<-r.done
	// Frames dropped after the last queued one are still audio time.
	r.silence(queued)
	err := r.err
	if err == nil {
		err = r.w.Flush()
	}
	if err == nil {
		data := r.written.Load() * recChannels * 2
		if data > 0xFFFFFFFF-36 {
			data = 0xFFFFFFFF - 36 // over 74 hours: the header saturates
		}
		_, err = r.f.WriteAt(wavHeader(uint32(data)), 0)
	}
	if err == nil {
		err = r.f.Sync()
	}
	if cerr := r.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("media: recording: %w", err)
	}
	return nil
}

// ErrNotWAV is returned by ReadWAV for anything but 16-bit PCM WAV.
var ErrNotWAV = errors.New("media: not a 16-bit PCM WAV file")

// WAV is a decoded 16-bit PCM file: Channels[i] holds channel i's samples.
type WAV struct {
	SampleRate int
	Channels   [][]int16
}

// ReadWAV decodes a 16-bit PCM WAV file such as a Recorder writes (and any
// other canonical one): it walks the RIFF chunks, takes fmt and data, and
// accepts a data size of "unknown" (0xFFFFFFFF) by reading to the end. It
// reads at most limit bytes of audio. Used to check recordings.
func ReadWAV(rd io.Reader, limit int64) (*WAV, error) {
	var hdr [12]byte
	if _, err := io.ReadFull(rd, hdr[:]); err != nil {
		return nil, ErrNotWAV
	}
	if string(hdr[0:4]) != "RIFF" || string(hdr[8:12]) != "WAVE" {
		return nil, ErrNotWAV
	}
	var channels, bits int
	w := &WAV{}
	for {
		var ch [8]byte
		if _, err := io.ReadFull(rd, ch[:]); err != nil {
			return nil, ErrNotWAV
		}
		size := int64(binary.LittleEndian.Uint32(ch[4:]))
		switch string(ch[0:4]) {
		case "fmt ":
			if size < 16 || size > 1<<10 {
				return nil, ErrNotWAV
			}
			f := make([]byte, size)
			if _, err := io.ReadFull(rd, f); err != nil {
				return nil, ErrNotWAV
			}
			if binary.LittleEndian.Uint16(f[0:]) != 1 {
				return nil, ErrNotWAV
			}
			channels = int(binary.LittleEndian.Uint16(f[2:]))
			w.SampleRate = int(binary.LittleEndian.Uint32(f[4:]))
			bits = int(binary.LittleEndian.Uint16(f[14:]))
			if channels < 1 || channels > 8 || bits != 16 || w.SampleRate <= 0 {
				return nil, ErrNotWAV
			}
			if size%2 == 1 {
				_, _ = io.ReadFull(rd, make([]byte, 1)) // chunks are word-aligned
			}
		case "data":
			if channels == 0 {
				return nil, ErrNotWAV // data before fmt
			}
			if size == 0xFFFFFFFF || size > limit {
				size = limit
			}
			data, err := io.ReadAll(io.LimitReader(rd, size))
			if err != nil {
				return nil, err
			}
			block := 2 * channels
			n := len(data) / block
			w.Channels = make([][]int16, channels)
			for c := range w.Channels {
				w.Channels[c] = make([]int16, n)
				for i := range n {
					w.Channels[c][i] = int16(binary.LittleEndian.Uint16(data[i*block+2*c:]))
				}
			}
			return w, nil
		default:
			if _, err := io.CopyN(io.Discard, rd, size+size%2); err != nil {
				return nil, ErrNotWAV
			}
		}
	}
}
