// The browser softphone: one WebRTC connection per desk (PCMU audio), set
// up with a single offer/answer over HTTP once every ICE candidate is
// gathered, so no trickle signalling is needed. The caller's audio plays in
// a hidden <audio> element; the operator's microphone goes to the server,
// which bridges it with the caller when a contact is answered.
import { api, ApiError } from './api';

export type PhoneState = 'off' | 'connecting' | 'connected' | 'failed' | 'no-mic' | 'unavailable';

export class Softphone {
  private pc: RTCPeerConnection | null = null;
  private stream: MediaStream | null = null;
  private audio = document.createElement('audio');
  // The operator's choice of devices, remembered per browser; '' is the
  // system default.
  micId = localStorage.getItem('tsunagu.mic') || '';
  speakerId = localStorage.getItem('tsunagu.speaker') || '';

  constructor(private onState: (s: PhoneState) => void) {
    this.audio.autoplay = true;
    this.audio.setAttribute('aria-hidden', 'true');
    document.body.appendChild(this.audio);
    if (this.speakerId) this.useSpeaker(this.speakerId).catch(() => undefined);
  }

  // devices lists the microphones and speakers (labels appear once the
  // microphone was allowed).
  async devices(): Promise<{ mics: MediaDeviceInfo[]; speakers: MediaDeviceInfo[] }> {
    const all = navigator.mediaDevices ? await navigator.mediaDevices.enumerateDevices() : [];
    return { mics: all.filter((d) => d.kind === 'audioinput'), speakers: all.filter((d) => d.kind === 'audiooutput') };
  }

  // useMic switches the microphone without renegotiating: the new track
  // replaces the old one on the same sender, so a call in progress goes on.
  async useMic(id: string) {
    this.micId = id;
    localStorage.setItem('tsunagu.mic', id);
    if (!this.pc || !this.stream) return this.start();
    const fresh = await navigator.mediaDevices.getUserMedia({ audio: id ? { deviceId: { exact: id } } : true });
    const track = fresh.getAudioTracks()[0];
    const muted = this.stream.getAudioTracks().some((t) => !t.enabled);
    track.enabled = !muted;
    await Promise.all(this.pc.getSenders().filter((s) => s.track?.kind === 'audio').map((s) => s.replaceTrack(track)));
    this.stream.getTracks().forEach((t) => t.stop());
    this.stream = fresh;
  }

  // useSpeaker plays the caller on the chosen output (setSinkId; browsers
  // without it keep the default).
  async useSpeaker(id: string) {
    this.speakerId = id;
    localStorage.setItem('tsunagu.speaker', id);
    const a = this.audio as HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> };
    if (a.setSinkId) await a.setSinkId(id);
  }

  async start() {
    this.stop();
    this.onState('connecting');
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ audio: this.micId ? { deviceId: { ideal: this.micId } } : true });
    } catch {
      this.onState('no-mic');
      return;
    }
    const pc = new RTCPeerConnection({ iceServers: [] });
    this.pc = pc;
    this.stream.getTracks().forEach((t) => pc.addTrack(t, this.stream!));
    pc.ontrack = (e) => {
      this.audio.srcObject = e.streams[0] ?? new MediaStream([e.track]);
      this.audio.play().catch(() => undefined);
    };
    pc.onconnectionstatechange = () => {
      if (pc !== this.pc) return;
      if (pc.connectionState === 'connected') this.onState('connected');
      else if (pc.connectionState === 'failed' || pc.connectionState === 'disconnected') this.onState('failed');
    };
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise<void>((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve();
      const done = () => pc.iceGatheringState === 'complete' && resolve();
      pc.addEventListener('icegatheringstatechange', done);
      setTimeout(resolve, 3000); // use what was gathered; loopback is instant
    });
    try {
      const answer = await api<RTCSessionDescriptionInit>('POST', '/softphone/session', { type: 'offer', sdp: pc.localDescription!.sdp });
      await pc.setRemoteDescription(answer);
    } catch (err) {
      this.onState(err instanceof ApiError && err.problem.code === 'not_implemented' ? 'unavailable' : 'failed');
    }
  }

  mute(on: boolean) {
    this.stream?.getAudioTracks().forEach((t) => (t.enabled = !on));
  }

  stop() {
    this.pc?.close();
    this.pc = null;
    this.stream?.getTracks().forEach((t) => t.stop());
    this.stream = null;
  }
}
