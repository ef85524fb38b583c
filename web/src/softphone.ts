// The browser softphone: one WebRTC connection per desk (PCMU audio), set
// up with a single offer/answer over HTTP once every ICE candidate is
// gathered, so no trickle signalling is needed. The caller's audio plays in
// a hidden <audio> element; the operator's microphone goes to the server,
// which bridges it with the caller when a contact is answered.
//
// Health (docs/desk.md, "Softphone health"): when the connection goes
// disconnected or failed (a Wi-Fi blip, a new network, the server gone) the
// softphone first restarts ICE on the same connection — same route, the
// server applies it to the same PeerConnection, so a call goes on — then,
// if that does not connect within 10 s, reconnects in full (a new
// connection under the same server-side leg) with growing pauses, and
// finally gives up and says so ('failed').
import { api, ApiError } from './api';

export type PhoneState = 'off' | 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'no-mic' | 'unavailable';

// attemptWithin bounds one recovery attempt (offer, answer, connected);
// backoff is the pause before each full reconnect. About a minute and a
// half in all, past the server's 8 s grace: by then the agent is
// not-ready and the operator should know.
const attemptWithin = 10000;
const backoff = [0, 2000, 4000, 8000, 16000, 30000];

// fatal errors end the recovery at once: retrying cannot help (logged out,
// forbidden, a bad offer, no softphone on this server). A conflict (the
// server's connection is gone) and server or network errors are retried.
const fatal = (err: unknown) =>
  err instanceof ApiError &&
  (err.problem.code === 'not_implemented' || (err.problem.status >= 400 && err.problem.status < 500 && err.problem.status !== 409 && err.problem.status !== 429));

const isUp = (pc: RTCPeerConnection) =>
  pc.connectionState === 'connected' && (pc.iceConnectionState === 'connected' || pc.iceConnectionState === 'completed');

// gathered resolves once ICE gathering is complete and the local
// description carries candidates (after an ICE restart the state may still
// say 'complete' from the first gathering for a moment), or after 3 s with
// what there is; loopback and a LAN take milliseconds.
const gathered = (pc: RTCPeerConnection) =>
  new Promise<void>((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      pc.removeEventListener('icecandidate', check);
      resolve();
    };
    const check = () => pc.iceGatheringState === 'complete' && /\na=candidate:/.test(pc.localDescription?.sdp ?? '') && finish();
    const timer = setTimeout(finish, 3000);
    pc.addEventListener('icegatheringstatechange', check);
    pc.addEventListener('icecandidate', check);
    check();
  });

// within rejects when p takes longer than ms: a request into a dead
// network can hang for minutes.
const within = <T>(p: Promise<T>, ms: number) =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), Math.max(ms, 0));
    p.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e) => (clearTimeout(timer), reject(e)),
    );
  });

export class Softphone {
  private pc: RTCPeerConnection | null = null;
  private stream: MediaStream | null = null;
  private audio = document.createElement('audio');
  // gen changes at every start and stop, so that a recovery or a start
  // belonging to an older connection ends quietly.
  private gen = 0;
  private recovery: Promise<void> | null = null;
  private wake: (() => void) | null = null; // ends a back-off pause early
  state: PhoneState = 'off';
  // The operator's choice of devices, remembered per browser; '' is the
  // system default.
  micId = localStorage.getItem('tsunagu.mic') || '';
  speakerId = localStorage.getItem('tsunagu.speaker') || '';

  constructor(private onState: (s: PhoneState) => void) {
    this.audio.autoplay = true;
    this.audio.setAttribute('aria-hidden', 'true');
    document.body.appendChild(this.audio);
    if (this.speakerId) this.useSpeaker(this.speakerId).catch(() => undefined);
    // The end-to-end tests force a recovery through this handle
    // (web/e2e/reconnect.mjs); it is the same object the desk uses.
    (window as unknown as { __tsunaguPhone?: Softphone }).__tsunaguPhone = this;
  }

  private set(s: PhoneState) {
    this.state = s;
    this.onState(s);
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
    const gen = this.gen;
    window.addEventListener('online', this.online);
    this.set('connecting');
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: this.micId ? { deviceId: { ideal: this.micId } } : true });
    } catch {
      if (gen === this.gen) this.set('no-mic');
      return;
    }
    if (gen !== this.gen) return stream.getTracks().forEach((t) => t.stop());
    this.stream = stream;
    try {
      await this.connect(this.newPC(), false);
    } catch (err) {
      if (gen !== this.gen) return;
      if (fatal(err)) return this.set(err instanceof ApiError && err.problem.code === 'not_implemented' ? 'unavailable' : 'failed');
      this.reconnect(); // the server is unreachable for now: keep trying
    }
  }

  // restart recovers as when the connection went disconnected: an ICE
  // restart first, then full reconnects. reconnect skips the restart. Both
  // resolve when the recovery ends (state 'connected' or 'failed'); during
  // one, another call joins it.
  restart() {
    return this.recover(true);
  }

  reconnect() {
    return this.recover(false);
  }

  mute(on: boolean) {
    this.stream?.getAudioTracks().forEach((t) => (t.enabled = !on));
  }

  stop() {
    this.gen++;
    this.recovery = null;
    this.wake?.();
    window.removeEventListener('online', this.online);
    this.pc?.close();
    this.pc = null;
    this.stream?.getTracks().forEach((t) => t.stop());
    this.stream = null;
  }

  // newPC makes a new connection the current one, carrying the same
  // microphone (a muted track stays muted). The caller closes the previous
  // one once the server has answered the new one: closed earlier, its
  // DTLS close would reach the server as the tab going away.
  private newPC() {
    const pc = new RTCPeerConnection({ iceServers: [] });
    this.pc = pc;
    this.stream?.getTracks().forEach((t) => pc.addTrack(t, this.stream!));
    pc.ontrack = (e) => {
      this.audio.srcObject = e.streams[0] ?? new MediaStream([e.track]);
      this.audio.play().catch(() => undefined);
    };
    // 'disconnected' comes after a few seconds without a packet from the
    // server (ICE consent, RFC 7675); 'closed' without our close() is the
    // server closing its side.
    const watch = () => {
      if (pc !== this.pc) return;
      if (isUp(pc)) {
        if (!this.recovery) this.set('connected');
      } else if (['disconnected', 'failed'].includes(pc.iceConnectionState) || ['failed', 'closed'].includes(pc.connectionState)) {
        this.recover(true);
      }
    };
    pc.addEventListener('iceconnectionstatechange', watch);
    pc.addEventListener('connectionstatechange', watch);
    return pc;
  }

  // connect sends pc's offer (an ICE restart of it, or its first) with
  // every candidate and applies the answer.
  private async connect(pc: RTCPeerConnection, restart: boolean) {
    await pc.setLocalDescription(await pc.createOffer(restart ? { iceRestart: true } : undefined));
    await gathered(pc);
    const answer = await within(
      api<RTCSessionDescriptionInit>('POST', '/softphone/session', { type: 'offer', sdp: pc.localDescription!.sdp }),
      attemptWithin,
    );
    if (pc === this.pc) await pc.setRemoteDescription(answer);
  }

  private recover(restartFirst: boolean): Promise<void> {
    if (this.recovery) return this.recovery;
    if (!this.stream) return this.start(); // never started, or stopped
    const gen = this.gen;
    this.set('reconnecting');
    const run = async () => {
      try {
        if (restartFirst && this.pc && (await this.attempt(gen, true))) return;
        for (const wait of backoff) {
          await this.pause(wait);
          if (gen !== this.gen) return;
          // Came back by itself during a pause (not right after a failed
          // restart, which leaves its offer pending: a new connection is
          // the clean way on from there).
          const pc = this.pc;
          if (wait > 0 && pc && pc.signalingState === 'stable' && isUp(pc)) return this.set('connected');
          if (await this.attempt(gen, false)) return;
        }
        if (gen === this.gen) this.set('failed');
      } catch (err) {
        if (gen === this.gen) this.set(err instanceof ApiError && err.problem.code === 'not_implemented' ? 'unavailable' : 'failed');
      }
    };
    const p = run().finally(() => {
      if (this.recovery === p) this.recovery = null;
    });
    this.recovery = p;
    return p;
  }

  // attempt makes one try: an ICE restart of the current connection or a
  // new one, connected within attemptWithin. It throws on fatal errors.
  private async attempt(gen: number, restart: boolean): Promise<boolean> {
    if (gen !== this.gen) return false;
    const old = this.pc;
    const pc = restart && old ? old : this.newPC();
    const deadline = Date.now() + attemptWithin;
    try {
      await this.connect(pc, restart);
    } catch (err) {
      if (pc !== old) {
        pc.close();
        // The server kept the old one: keep it too, it may come back
        // (unless stop came in between).
        if (this.pc === pc) this.pc = old;
        else old?.close();
      }
      if (fatal(err)) throw err;
      return false;
    }
    if (pc !== old) old?.close(); // the server has swapped to pc
    const up = await this.connected(pc, deadline - Date.now());
    if (!up || gen !== this.gen || pc !== this.pc) return false;
    this.set('connected');
    return true;
  }

  // connected resolves true once pc is up, false when it fails, closes or
  // is replaced, or after ms. Only a later event counts as failing: right
  // after a restart's answer the state can still be the old 'failed'.
  private connected(pc: RTCPeerConnection, ms: number) {
    return new Promise<boolean>((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        pc.removeEventListener('iceconnectionstatechange', check);
        pc.removeEventListener('connectionstatechange', check);
        resolve(ok);
      };
      const check = () => {
        if (pc !== this.pc) done(false);
        else if (isUp(pc)) done(true);
        else if (pc.iceConnectionState === 'failed' || ['failed', 'closed'].includes(pc.connectionState)) done(false);
      };
      const timer = setTimeout(() => done(false), Math.max(ms, 0));
      pc.addEventListener('iceconnectionstatechange', check);
      pc.addEventListener('connectionstatechange', check);
      if (isUp(pc)) done(true);
    });
  }

  // pause waits ms, or less when the network comes back or stop is called.
  private pause(ms: number) {
    return new Promise<void>((resolve) => {
      const end = () => {
        clearTimeout(timer);
        if (this.wake === end) this.wake = null;
        resolve();
      };
      const timer = setTimeout(end, ms);
      this.wake = end;
    });
  }

  // online: the browser has a network again; a back-off pause ends, and a
  // softphone that gave up tries again by itself.
  private online = () => {
    if (this.wake) this.wake();
    else if (this.state === 'failed' && this.stream) this.reconnect();
  };
}
