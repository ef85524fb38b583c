import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, followEvents } from './api';
import type { Me, QueueStats, TsunaguEvent } from './api';
import { Call } from './call';
import { MyCallbacks, Voicemails } from './callbacks';
import { Dial } from './dial';
import { Devices } from './devices';
import { Console } from './console';
import { CareConsole, PraiseNote } from './praise';
import { Today } from './today';
import type { Strings } from './i18n';
import { Knowledge, Lookup } from './knowledge';
import { PhoneChoice } from './phonechoice';
import { Softphone } from './softphone';
import type { PhoneState } from './softphone';

// stateLabel names an agent state (and its not-ready reason) for the status bar.
const stateLabel = (t: Strings, state: string, reason?: string) => {
  const m: Record<string, string> = {
    available: t.available, not_ready: t.notReady, offline: t.offline, on_contact: t.onContact, reserved: t.reserved, after_call_work: t.acw,
  };
  const r: Record<string, string> = {
    break: t.break, lunch: t.lunch, training: t.training, meeting: t.meeting, recovery: t.recovery, missed: t.missed, disconnected: t.opdesk.phoneDown, other: t.other, protected: t.today.protectedReason,
  };
  return (m[state] || state) + (reason ? `(${r[reason] || reason})` : '');
};

export function Desk({ t, me, setMe }: { t: Strings; me: Me; setMe: (m: Me) => void }) {
  const [stats, setStats] = useState<QueueStats[]>([]);
  const [events, setEvents] = useState<TsunaguEvent[]>([]);
  const [live, setLive] = useState(false);
  const [phone, setPhone] = useState<PhoneState>('off');
  const [offer, setOffer] = useState<{ id: string; seq: number; outbound?: boolean } | null>(null);
  const [stateError, setStateError] = useState('');
  const [escTick, setEscTick] = useState(0);
  const [floorSeq, setFloorSeq] = useState(0);
  const [cbTick, setCbTick] = useState(0);
  const softphone = useRef<Softphone | null>(null);
  // The queue tiles are read once, then pushed by the server (queue:stats
  // frames, at most every 2 s while the floor changes): a desk does not get
  // every colleague's state change, nor query the figures on each event.
  const load = () => {
    api<{ items: QueueStats[] }>('GET', '/queues/stats').then((r) => setStats(r.items));
  };
  const myAgent = me.agent?.id;
  useEffect(() => {
    if (myAgent) {
      softphone.current = new Softphone(setPhone);
      softphone.current.start();
    }
    const stop = followEvents(
      (e) => {
        if (e.type === 'queue:stats') {
          if (e.items) setStats(e.items);
          return;
        }
        setEvents((prev) => [e, ...prev].slice(0, 12));
        if (e.type.startsWith('escalation:')) setEscTick((n) => n + 1);
        if (me.user.role !== 'agent') setFloorSeq(e.seq);
        if (e.type.startsWith('callback:')) setCbTick((n) => n + 1);
        if ((e.type === 'contact:offered' || e.type === 'contact:consult_started') && e.agent_id === myAgent && e.contact_id) setOffer({ id: e.contact_id, seq: e.seq });
        if (e.type === 'contact:dialing' && e.agent_id === myAgent && e.contact_id) setOffer({ id: e.contact_id, seq: e.seq, outbound: true }); // dial.tsx
        if (e.type === 'agent:state_changed' && e.agent_id === myAgent) {
          const p = e.payload as { to: string; reason?: string };
          setMe({ ...me, agent: { ...me.agent!, state: p.to, state_reason: p.reason, state_since: e.time } });
        }
      },
      (l) => {
        setLive(l);
        if (l) load(); // back after a drop: pushes missed meanwhile are not replayed
      },
    );
    return () => {
      stop();
      softphone.current?.stop();
    };
  }, []);
  const setState = async (state: string, reason?: string) => {
    setStateError('');
    try {
      const agent = await api<Me['agent']>('PUT', '/me/state', reason ? { state, reason } : { state });
      setMe({ ...me, agent });
    } catch (err) {
      setStateError(err instanceof ApiError ? err.message : String(err));
    }
  };
  return (
    <main class="desk">
      {me.agent && (
        <section class="card status" aria-label={t.state}>
          <div>
            <div class="state" data-testid="state" data-state={me.agent.state}>
              {stateLabel(t, me.agent.state, me.agent.state_reason)}
            </div>
            <div class={'phone ' + phone} data-testid="phone" data-phone={phone} aria-live="polite">
              {t.phone[phone]}
            </div>
            <Devices t={t} phone={softphone.current} state={phone} />
            <PhoneChoice t={t} />
            {stateError && (
              <p class="error" role="alert">
                {stateError}
              </p>
            )}
          </div>
          <Today t={t} agentId={me.agent.id} last={events[0]} />
          <div class="buttons">
            <button
              class="ok"
              onClick={() => setState('available')}
              disabled={['available', 'reserved', 'on_contact', 'after_call_work'].includes(me.agent.state)}
            >
              {t.available}
            </button>
            <button onClick={() => setState('not_ready', 'break')}>{t.break}</button>
            <button onClick={() => setState('not_ready', 'lunch')}>{t.lunch}</button>
            <button onClick={() => setState('offline')}>{t.offline}</button>
          </div>
        </section>
      )}
      {me.agent && <PraiseNote t={t} agentId={me.agent.id} last={events[0]} />}
      {me.agent && offer && (
        <Call
          key={offer.seq}
          t={t}
          contactId={offer.id}
          onDone={() => setOffer(null)}
          onMute={(m) => softphone.current?.mute(m)}
          outbound={offer.outbound}
          since={offer.seq}
        />
      )}
      {me.agent && <Dial t={t} busy={!!offer} last={events[0]} />}
      {me.user.role !== 'agent' && <Console t={t} tick={escTick} seq={floorSeq} />}
      {me.user.role !== 'agent' && <CareConsole t={t} last={events[0]} />}
      <section class="card queues" aria-label={t.queues}>
        <h2>
          {t.queues} <span class={live ? 'live on' : 'live'}>● {t.live}</span>
        </h2>
        <div class="tiles">
          {stats.map((q) => (
            <div class="tile" key={q.queue_id} data-testid={`queue-${q.queue_id}`}>
              <div class="name">{q.name}</div>
              <div class="big">{q.waiting}</div>
              <div class="small">
                {t.waiting} · {t.longest} {q.longest_wait_seconds}s · {t.sl} {q.service_level === null ? '—' : Math.round(q.service_level * 100) + '%'}
              </div>
            </div>
          ))}
        </div>
      </section>
      {me.agent && <MyCallbacks t={t} tick={cbTick} busy={!!offer} />}
      {me.user.role !== 'agent' && <Voicemails t={t} tick={cbTick} />}
      <Lookup t={t} />
      <Knowledge t={t} contactId={offer?.id} />
      <section class="card events" aria-label={t.events}>
        <h2>{t.events}</h2>
        <ol data-testid="events">
          {events.map((e) => (
            <li key={e.seq}>
              <time>{new Date(e.time).toLocaleTimeString()}</time> <code>{e.type}</code>
            </li>
          ))}
        </ol>
      </section>
    </main>
  );
}
