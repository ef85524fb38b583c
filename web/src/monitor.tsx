// Live call controls for the leader (モニター / ウィスパー / 割り込み): the
// supervisor's own browser softphone joins the operator's call through the
// server's mixer. Listen: the leader hears both parties. Whisper: the
// operator also hears the leader, the caller does not. Barge: a three-way
// call. The softphone connects on the first choice and stays up while the
// controls are shown; the microphone is muted while only listening.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from './api';
import { Softphone } from './softphone';
import type { PhoneState } from './softphone';
import type { Strings } from './i18n';

export type MonitorMode = 'listen' | 'whisper' | 'barge';

const modes: MonitorMode[] = ['listen', 'whisper', 'barge'];

export function LiveCallControls({ t, contactId }: { t: Strings; contactId: string }) {
  const [mode, setMode] = useState<MonitorMode | null>(null);
  const [phone, setPhone] = useState<PhoneState>('off');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const sp = useRef<Softphone | null>(null);
  const waiters = useRef<((s: PhoneState) => void)[]>([]);
  const on = useRef<MonitorMode | null>(null);

  // Leaving the call's controls (another call chosen, page closed) takes
  // the leader off the call and hangs the softphone up.
  useEffect(
    () => () => {
      if (on.current) api('DELETE', `/contacts/${contactId}/monitor`).catch(() => undefined);
      sp.current?.stop();
    },
    [contactId],
  );

  // connected resolves once the softphone is up (or fails with its state).
  const connected = () =>
    new Promise<void>((resolve, reject) => {
      if (sp.current && phone === 'connected') return resolve();
      if (!sp.current) {
        sp.current = new Softphone((s) => {
          setPhone(s);
          waiters.current.forEach((w) => w(s));
        });
      }
      const timer = setTimeout(() => reject(new Error(t.monitor.phoneFailed)), 15000);
      waiters.current.push((s) => {
        if (s === 'connected') {
          clearTimeout(timer);
          resolve();
        } else if (s !== 'connecting') {
          clearTimeout(timer);
          reject(new Error(s === 'no-mic' ? t.monitor.noMic : t.monitor.phoneFailed));
        }
      });
      sp.current.start();
    });

  const choose = async (m: MonitorMode) => {
    setError('');
    setBusy(true);
    try {
      await connected();
      waiters.current = [];
      await api('POST', `/contacts/${contactId}/monitor`, { mode: m });
      sp.current?.mute(m === 'listen');
      on.current = m;
      setMode(m);
    } catch (err) {
      setError(err instanceof ApiError || err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  const stop = async () => {
    setError('');
    setBusy(true);
    try {
      await api('DELETE', `/contacts/${contactId}/monitor`);
    } catch (err) {
      // Already off (the call ended): the controls reset all the same.
      if (!(err instanceof ApiError && err.problem.code === 'conflict')) setError(err instanceof Error ? err.message : String(err));
    } finally {
      on.current = null;
      setMode(null);
      sp.current?.stop();
      setPhone('off');
      setBusy(false);
    }
  };

  return (
    <div class="live-call" role="group" aria-label={t.monitor.title} data-testid="live-call">
      <span class="live-call-title">{t.monitor.title}</span>
      {modes.map((m) => (
        <button key={m} aria-pressed={mode === m} class={mode === m ? 'primary' : ''} disabled={busy || mode === m}
          title={t.monitor.hint[m]} onClick={() => choose(m)} data-testid={`monitor-${m}`}>
          {t.monitor[m]}
        </button>
      ))}
      <button disabled={busy || !mode} onClick={stop} data-testid="monitor-stop">
        {t.monitor.stop}
      </button>
      <span class="live-call-state" aria-live="polite">
        {mode ? t.monitor.on[mode] : phone === 'connecting' ? t.monitor.connecting : ''}
      </span>
      {error && (
        <span class="error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

// RecordingPause is the operator's (or leader's) pause of the call's
// recording while the caller reads out a card number: the span is silence
// in the file. For the desk's call panel.
export function RecordingPause({ t, contactId }: { t: Strings; contactId: string }) {
  const [paused, setPaused] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const toggle = async () => {
    setError('');
    setBusy(true);
    try {
      const rec = await api<{ paused: { from: string; to?: string }[] }>('POST', `/contacts/${contactId}/recording/${paused ? 'resume' : 'pause'}`);
      setPaused(rec.paused.some((s) => !s.to));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="recording-pause">
      <button aria-pressed={paused} disabled={busy} onClick={toggle} data-testid="recording-pause">
        {paused ? t.monitor.resume : t.monitor.pause}
      </button>
      {paused && <span class="live-call-state">{t.monitor.paused}</span>}
      {error && (
        <span class="error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
