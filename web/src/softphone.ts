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

  constructor(private onState: (s: PhoneState) => void) {
    this.audio.autoplay = true;
    this.audio.setAttribute('aria-hidden', 'true');
    document.body.appendChild(this.audio);
  }

  async start() {
    this.stop();
    this.onState('connecting');
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ audio: true });
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
