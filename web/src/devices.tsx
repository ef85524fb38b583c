// Microphone and speaker choice for the browser softphone, and the clear
// warning when there is no microphone: without one the operator cannot
// become available (the server refuses), so the desk says why and how.
import { useEffect, useState } from 'preact/hooks';
import type { Strings } from './i18n';
import type { PhoneState, Softphone } from './softphone';

export function Devices({ t, phone, state }: { t: Strings; phone: Softphone | null; state: PhoneState }) {
  const d = t.opdesk;
  const [, bump] = useState(0);
  const [list, setList] = useState<{ mics: MediaDeviceInfo[]; speakers: MediaDeviceInfo[] }>({ mics: [], speakers: [] });
  useEffect(() => {
    if (!phone) return;
    const load = () => phone.devices().then(setList, () => undefined);
    load();
    navigator.mediaDevices?.addEventListener('devicechange', load);
    return () => navigator.mediaDevices?.removeEventListener('devicechange', load);
  }, [phone, state]);
  if (!phone) return null;
  if (state === 'no-mic')
    return (
      <p class="warn" role="alert" data-testid="no-mic">
        {d.noMic}{' '}
        <button type="button" onClick={() => phone.start()}>
          {d.reconnect}
        </button>
      </p>
    );
  // The softphone gave up reconnecting (softphone.ts): by now the server
  // has made the agent not-ready, so say why and how to come back.
  if (state === 'failed')
    return (
      <p class="warn" role="alert" data-testid="phone-lost">
        {d.phoneLost}{' '}
        <button type="button" onClick={() => phone.start()}>
          {d.reconnect}
        </button>
      </p>
    );
  const pick = (kind: 'mic' | 'speaker', items: MediaDeviceInfo[], value: string, set: (id: string) => Promise<void>) =>
    items.length > 1 && (
      <label class="device">
        {kind === 'mic' ? d.mic : d.speaker}
        <select value={value} onChange={(e) => set(e.currentTarget.value).then(() => bump((n) => n + 1), () => undefined)}>
          <option value="">{d.defaultDevice}</option>
          {items
            .filter((x) => x.deviceId && x.deviceId !== 'default')
            .map((x, i) => (
              <option key={x.deviceId} value={x.deviceId}>
                {x.label || `${kind === 'mic' ? d.mic : d.speaker} ${i + 1}`}
              </option>
            ))}
        </select>
      </label>
    );
  return (
    <div class="devices">
      {pick('mic', list.mics, phone.micId, (id) => phone.useMic(id))}
      {pick('speaker', list.speakers, phone.speakerId, (id) => phone.useSpeaker(id))}
    </div>
  );
}
