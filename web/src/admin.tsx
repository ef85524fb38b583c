import { useEffect, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { api, ApiError, upload } from './api';
import type { Named, User } from './api';
import type { Strings } from './i18n';

// The admin pages: users, queues, numbers with their menus and business
// hours, contact reasons and dispositions, and the year's public holidays.
// Every save is one PUT or POST; the server checks the role, names the
// field at fault and records who changed what.

type A = Strings['admin'];
type Tab = 'users' | 'agents' | 'queues' | 'numbers' | 'prompts' | 'reasons' | 'targets' | 'holidays';

interface Queue {
  id: string;
  name: string;
  name_en: string;
  priority: number;
  sl_percent: number;
  sl_seconds: number;
  acw_seconds: number;
  hold_callback_seconds: number;
  verification: string[];
  verification_required: boolean;
  dtmf?: string;
  skills: { skill_id: string; level: number }[];
  strategy?: string;
  offer_timeout_seconds?: number;
  max_wait_seconds?: number;
  max_length?: number;
  overflow_queue?: string;
  callback_offer?: boolean; // docs/telephony.md, "Waiting in the queue"
  callback_offer_after_seconds?: number;
}

interface Hours {
  week: Record<string, string[]>;
  closed_on_holidays: boolean;
  closed?: string[];
}

interface Prompt {
  id: string;
  name: string;
  seconds: number;
  created_at: string;
}

interface DID {
  number: string;
  greeting: string;
  greeting_prompt?: string;
  menu_prompt?: string; // only with menu options
  closed_prompt?: string; // only with hours
  direct?: boolean;
  menu: { digit: string; label: string; queue_id: string }[];
  default_queue: string;
  hours?: Hours;
  voicemail?: { when_closed: boolean; max_seconds?: number }; // 留守番電話 (docs/telephony.md)
}

interface Trunk {
  id: string;
  name: string;
  allowed_nets: string[];
  numbers: DID[];
}

interface AdminUser extends User {
  team_id?: string;
  disabled?: boolean;
}

const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

// problemText is what the form shows for a failed save: the field at fault
// first, so the admin knows where to look.
const problemText = (err: unknown) =>
  err instanceof ApiError ? (err.problem.field ? `${err.problem.field}: ` : '') + err.message : String(err);

// useSave runs a save and keeps its outcome for the form's status line.
function useSave(a: A) {
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const run = async (f: () => Promise<unknown>, done = a.saved) => {
    setStatus(null);
    try {
      await f();
      setStatus({ ok: true, text: done });
      return true;
    } catch (err) {
      setStatus({ ok: false, text: problemText(err) });
      return false;
    }
  };
  const line = status && (
    <p class={status.ok ? 'muted' : 'error'} role={status.ok ? 'status' : 'alert'} data-testid="admin-status">
      {status.text}
    </p>
  );
  return { run, line };
}

export function Admin({ t }: { t: Strings }) {
  const a = t.admin;
  const [tab, setTab] = useState<Tab>('users');
  const tabs: [Tab, string][] = [
    ['users', a.users],
    ['agents', a.agents],
    ['queues', a.queues],
    ['numbers', a.numbers],
    ['prompts', a.prompts],
    ['reasons', a.reasons],
    ['targets', a.targets],
    ['holidays', a.holidays],
  ];
  return (
    <main class="admin">
      <nav class="tabs" role="tablist" aria-label={a.title}>
        {tabs.map(([id, label]) => (
          <button key={id} role="tab" aria-selected={tab === id} class={tab === id ? 'on' : ''} onClick={() => setTab(id)} data-testid={`tab-${id}`}>
            {label}
          </button>
        ))}
        <span class="muted">{a.audited}</span>
      </nav>
      {tab === 'users' && <Users a={a} t={t} />}
      {tab === 'users' && <NamedList a={a} path="/teams" title={a.teams} />}
      {tab === 'queues' && <Queues a={a} />}
      {tab === 'numbers' && <Numbers a={a} />}
      {tab === 'prompts' && <Prompts a={a} />}
      {tab === 'reasons' && <Reasons a={a} t={t} />}
      {tab === 'agents' && <Agents a={a} />}
      {tab === 'targets' && <Targets a={a} />}
      {tab === 'holidays' && <Holidays a={a} />}
    </main>
  );
}

function Field({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <label class="field">
      <span>{label}</span>
      {children}
    </label>
  );
}

const lines = (s: string) =>
  s
    .split('\n')
    .map((x) => x.trim())
    .filter(Boolean);

function Users({ a, t }: { a: A; t: Strings }) {
  const [users, setUsers] = useState<AdminUser[]>([]);
  const [teams, setTeams] = useState<Named[]>([]);
  const load = async () => {
    const all: AdminUser[] = [];
    let cursor = '';
    do {
      const r = await api<{ items: AdminUser[]; next_cursor?: string }>('GET', '/users?limit=200' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
      all.push(...r.items);
      cursor = r.next_cursor || '';
    } while (cursor);
    setUsers(all);
  };
  useEffect(() => {
    load();
    api<{ items: Named[] }>('GET', '/teams').then((r) => setTeams(r.items));
  }, []);
  const blank = { username: '', display_name: '', kana: '', role: 'agent', team_id: '', password: '' };
  const [form, setForm] = useState(blank);
  const add = useSave(a);
  return (
    <section class="card">
      <h2>{a.users}</h2>
      <table class="grid">
        <thead>
          <tr>
            <th>{a.username}</th>
            <th>{a.displayName}</th>
            <th>{a.role}</th>
            <th>{a.team}</th>
            <th>{a.disabled}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <UserRow key={u.id} u={u} a={a} t={t} teams={teams} />
          ))}
        </tbody>
      </table>
      <form
        class="row-form"
        aria-label={a.newUser}
        onSubmit={async (e) => {
          e.preventDefault();
          const body: Record<string, string> = { ...form };
          if (!body.team_id) delete body.team_id;
          if (await add.run(() => api('POST', '/users', body))) {
            setForm(blank);
            load();
          }
        }}
      >
        <h3>{a.newUser}</h3>
        <Field label={a.username}>
          <input value={form.username} onInput={(e) => setForm({ ...form, username: e.currentTarget.value })} autocomplete="off" />
        </Field>
        <Field label={a.displayName}>
          <input value={form.display_name} onInput={(e) => setForm({ ...form, display_name: e.currentTarget.value })} />
        </Field>
        <Field label={a.kana}>
          <input value={form.kana} onInput={(e) => setForm({ ...form, kana: e.currentTarget.value })} />
        </Field>
        <Field label={a.role}>
          <select value={form.role} onChange={(e) => setForm({ ...form, role: e.currentTarget.value })}>
            {(['agent', 'supervisor', 'admin'] as const).map((r) => (
              <option value={r}>{t.role[r]}</option>
            ))}
          </select>
        </Field>
        <Field label={a.password}>
          <input type="password" value={form.password} onInput={(e) => setForm({ ...form, password: e.currentTarget.value })} autocomplete="new-password" />
        </Field>
        <button type="submit">{a.add}</button>
        {add.line}
      </form>
    </section>
  );
}

function UserRow({ u, a, t, teams }: { u: AdminUser; a: A; t: Strings; teams: Named[] }) {
  const [v, setV] = useState({ display_name: u.display_name, role: u.role, team_id: u.team_id || '', disabled: !!u.disabled });
  const save = useSave(a);
  const reset = async () => {
    const pw = prompt(a.newPassword);
    if (pw) await save.run(() => api('PUT', `/users/${u.id}/password`, { password: pw }), a.passwordReset);
  };
  return (
    <tr data-testid={`user-${u.username}`}>
      <td>{u.username}</td>
      <td>
        <input aria-label={a.displayName} value={v.display_name} onInput={(e) => setV({ ...v, display_name: e.currentTarget.value })} />
      </td>
      <td>
        <select aria-label={a.role} value={v.role} onChange={(e) => setV({ ...v, role: e.currentTarget.value as User['role'] })}>
          {(['agent', 'supervisor', 'admin'] as const).map((r) => (
            <option value={r}>{t.role[r]}</option>
          ))}
        </select>
      </td>
      <td>
        <select aria-label={a.team} value={v.team_id} onChange={(e) => setV({ ...v, team_id: e.currentTarget.value })}>
          <option value="">{a.noTeam}</option>
          {teams.map((tm) => (
            <option value={tm.id}>{tm.name}</option>
          ))}
        </select>
      </td>
      <td>
        <input type="checkbox" aria-label={a.disabled} checked={v.disabled} onChange={(e) => setV({ ...v, disabled: e.currentTarget.checked })} />
      </td>
      <td class="actions">
        <button onClick={() => save.run(() => api('PUT', `/users/${u.id}`, v))}>{a.save}</button>
        <button class="link" onClick={reset}>
          {a.resetPassword}
        </button>
        {save.line}
      </td>
    </tr>
  );
}

function Queues({ a }: { a: A }) {
  const [queues, setQueues] = useState<Queue[]>([]);
  useEffect(() => {
    api<{ items: Queue[] }>('GET', '/queues').then((r) => setQueues(r.items));
  }, []);
  return (
    <div class="admin-cards">
      {queues.map((q) => (
        <QueueForm key={q.id} q={q} a={a} queues={queues} />
      ))}
    </div>
  );
}

function QueueForm({ q, a, queues }: { q: Queue; a: A; queues: Queue[] }) {
  const [v, setV] = useState(q);
  const [checklist, setChecklist] = useState((q.verification || []).join('\n'));
  const save = useSave(a);
  const num = (k: keyof Queue) => (e: Event) => setV({ ...v, [k]: Number((e.currentTarget as HTMLInputElement).value) });
  return (
    <form
      class="card"
      data-testid={`queue-form-${q.id}`}
      onSubmit={(e) => {
        e.preventDefault();
        save.run(() => api('PUT', `/queues/${q.id}`, { ...v, verification: lines(checklist) }));
      }}
    >
      <h2>
        {q.name} <small class="muted">{q.id}</small>
      </h2>
      <div class="fields">
        <Field label={a.queueName}>
          <input value={v.name} onInput={(e) => setV({ ...v, name: e.currentTarget.value })} />
        </Field>
        <Field label={a.queueNameEn}>
          <input value={v.name_en} onInput={(e) => setV({ ...v, name_en: e.currentTarget.value })} />
        </Field>
        <Field label={`${a.slTarget} (${a.slPercent})`}>
          <input type="number" min={0} max={100} value={v.sl_percent} onInput={num('sl_percent')} />
        </Field>
        <Field label={`${a.slTarget} (${a.slSeconds})`}>
          <input type="number" min={0} value={v.sl_seconds} onInput={num('sl_seconds')} />
        </Field>
        <Field label={a.acw}>
          <input type="number" min={0} value={v.acw_seconds} onInput={num('acw_seconds')} />
        </Field>
        <Field label={a.holdCallback}>
          <input type="number" min={0} value={v.hold_callback_seconds} onInput={num('hold_callback_seconds')} />
        </Field>
      </div>
      <h3>{a.routing}</h3>
      <div class="fields">
        <Field label={a.strategy}>
          <select value={v.strategy || 'longest_idle'} onChange={(e) => setV({ ...v, strategy: e.currentTarget.value })}>
            {Object.entries(a.strategies).map(([id, label]) => (
              <option value={id}>{label}</option>
            ))}
          </select>
        </Field>
        <Field label={a.offerTimeout}>
          <input type="number" min={0} max={120} value={v.offer_timeout_seconds || 0} onInput={num('offer_timeout_seconds')} />
        </Field>
        <Field label={a.maxWait}>
          <input type="number" min={0} value={v.max_wait_seconds || 0} onInput={num('max_wait_seconds')} />
        </Field>
        <Field label={a.maxLength}>
          <input type="number" min={0} value={v.max_length || 0} onInput={num('max_length')} />
        </Field>
        <Field label={a.overflowQueue}>
          <select value={v.overflow_queue || ''} onChange={(e) => setV({ ...v, overflow_queue: e.currentTarget.value || undefined })}>
            <option value="">{a.noOverflow}</option>
            <option value="voicemail">{a.voicemailTarget}</option>
            {queues
              .filter((x) => x.id !== q.id)
              .map((x) => (
                <option value={x.id}>{x.name}</option>
              ))}
          </select>
        </Field>
        <Field label={a.callbackOfferAfter}>
          <input type="number" min={0} max={3600} value={v.callback_offer_after_seconds || 0} onInput={num('callback_offer_after_seconds')} />
        </Field>
      </div>
      <label class="check">
        <input type="checkbox" checked={!!v.callback_offer} onChange={(e) => setV({ ...v, callback_offer: e.currentTarget.checked })} /> {a.callbackOffer}
      </label>
      <Field label={a.verification}>
        <textarea rows={3} value={checklist} onInput={(e) => setChecklist(e.currentTarget.value)} />
      </Field>
      <label class="check">
        <input type="checkbox" checked={v.verification_required} onChange={(e) => setV({ ...v, verification_required: e.currentTarget.checked })} />{' '}
        {a.verificationRequired}
      </label>
      <button type="submit">{a.save}</button>
      {save.line}
    </form>
  );
}

function Numbers({ a }: { a: A }) {
  const [trunks, setTrunks] = useState<Trunk[]>([]);
  const [queues, setQueues] = useState<Named[]>([]);
  const [prompts, setPrompts] = useState<Prompt[]>([]);
  useEffect(() => {
    api<{ items: Trunk[] }>('GET', '/trunks').then((r) => setTrunks(r.items));
    api<{ items: Named[] }>('GET', '/queues').then((r) => setQueues(r.items));
    api<{ items: Prompt[] }>('GET', '/prompts').then((r) => setPrompts(r.items));
  }, []);
  return (
    <div class="admin-cards wide">
      {trunks.map((tr) => (
        <TrunkForm key={tr.id} tr={tr} a={a} queues={queues} prompts={prompts} />
      ))}
    </div>
  );
}

function TrunkForm({ tr, a, queues, prompts }: { tr: Trunk; a: A; queues: Named[]; prompts: Prompt[] }) {
  const [nets, setNets] = useState(tr.allowed_nets.join('\n'));
  const [numbers, setNumbers] = useState<DID[]>(tr.numbers);
  const save = useSave(a);
  const setNumber = (i: number, d: DID) => setNumbers(numbers.map((x, j) => (j === i ? d : x)));
  return (
    <form
      class="card"
      data-testid={`trunk-form-${tr.id}`}
      onSubmit={(e) => {
        e.preventDefault();
        save.run(() => api('PUT', `/trunks/${tr.id}`, { name: tr.name, allowed_nets: lines(nets), numbers }));
      }}
    >
      <h2>
        {a.trunk}: {tr.name}
      </h2>
      <Field label={a.allowedNets}>
        <textarea rows={2} value={nets} onInput={(e) => setNets(e.currentTarget.value)} />
      </Field>
      {numbers.map((d, i) => (
        <NumberForm key={d.number} d={d} a={a} queues={queues} prompts={prompts} onChange={(nd) => setNumber(i, nd)} />
      ))}
      <button type="submit">{a.save}</button>
      {save.line}
    </form>
  );
}

function NumberForm({ d, a, queues, prompts, onChange }: { d: DID; a: A; queues: Named[]; prompts: Prompt[]; onChange: (d: DID) => void }) {
  const menu = d.menu || [];
  const setOption = (i: number, o: Partial<DID['menu'][number]>) => onChange({ ...d, menu: menu.map((x, j) => (j === i ? { ...x, ...o } : x)) });
  const hours = d.hours;
  // An uploaded prompt in place of the built-in voice (docs/admin.md).
  const promptSelect = (value: string | undefined, set: (v: string | undefined) => void, label: string) => (
    <select aria-label={label} value={value || ''} onChange={(e) => set(e.currentTarget.value || undefined)}>
      <option value="">{a.builtInVoice}</option>
      {prompts.map((p) => (
        <option value={p.id}>{p.name}</option>
      ))}
    </select>
  );
  const queueSelect = (value: string, set: (v: string) => void, label: string, voicemail = false) => (
    <select aria-label={label} value={value} onChange={(e) => set(e.currentTarget.value)}>
      <option value="" />
      {voicemail && <option value="voicemail">{a.voicemailTarget}</option>}
      {queues.map((q) => (
        <option value={q.id}>{q.name}</option>
      ))}
    </select>
  );
  return (
    <fieldset class="number" data-testid={`number-${d.number}`}>
      <legend>
        {a.number}: {d.number}
      </legend>
      <div class="fields">
        <Field label={a.greeting}>
          <input value={d.greeting} onInput={(e) => onChange({ ...d, greeting: e.currentTarget.value })} />
        </Field>
        <Field label={a.defaultQueue}>{queueSelect(d.default_queue, (v) => onChange({ ...d, default_queue: v }), a.defaultQueue)}</Field>
        <Field label={a.greetingPrompt}>{promptSelect(d.greeting_prompt, (v) => onChange({ ...d, greeting_prompt: v }), a.greetingPrompt)}</Field>
      </div>
      <label class="check">
        <input type="checkbox" checked={!!d.direct} onChange={(e) => onChange({ ...d, direct: e.currentTarget.checked || undefined })} /> {a.direct}
      </label>
      <h3>{a.menu}</h3>
      <table class="grid">
        <thead>
          <tr>
            <th>{a.digit}</th>
            <th>{a.label}</th>
            <th>{a.queue}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {menu.map((o, i) => (
            <tr key={i}>
              <td>
                <input class="digit" aria-label={a.digit} maxLength={1} value={o.digit} onInput={(e) => setOption(i, { digit: e.currentTarget.value })} />
              </td>
              <td>
                <input aria-label={a.label} value={o.label} onInput={(e) => setOption(i, { label: e.currentTarget.value })} />
              </td>
              <td>{queueSelect(o.queue_id, (v) => setOption(i, { queue_id: v }), a.queue, true)}</td>
              <td>
                <button
                  type="button"
                  class="link"
                  onClick={() => {
                    const rest = menu.filter((_, j) => j !== i);
                    onChange({ ...d, menu: rest, menu_prompt: rest.length ? d.menu_prompt : undefined }); // no menu, no menu prompt
                  }}
                >
                  {a.remove}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" onClick={() => onChange({ ...d, menu: [...menu, { digit: '', label: '', queue_id: '' }] })}>
        {a.addOption}
      </button>
      {menu.length > 0 && <Field label={a.menuPrompt}>{promptSelect(d.menu_prompt, (v) => onChange({ ...d, menu_prompt: v }), a.menuPrompt)}</Field>}
      <h3>{a.hours}</h3>
      <label class="check">
        <input
          type="checkbox"
          data-testid="always-open"
          checked={!hours}
          onChange={(e) =>
            onChange({
              ...d,
              closed_prompt: e.currentTarget.checked ? undefined : d.closed_prompt, // never closed: no closed message
              hours: e.currentTarget.checked
                ? undefined
                : { week: { mon: ['09:00-18:00'], tue: ['09:00-18:00'], wed: ['09:00-18:00'], thu: ['09:00-18:00'], fri: ['09:00-18:00'] }, closed_on_holidays: true },
            })
          }
        />{' '}
        {a.alwaysOpen}
      </label>
      {hours && <HoursForm h={hours} a={a} onChange={(h) => onChange({ ...d, hours: h })} />}
      {hours && <Field label={a.closedPrompt}>{promptSelect(d.closed_prompt, (v) => onChange({ ...d, closed_prompt: v }), a.closedPrompt)}</Field>}
      <label class="check">
        <input
          type="checkbox"
          data-testid="voicemail-when-closed"
          checked={!!d.voicemail?.when_closed}
          onChange={(e) => onChange({ ...d, voicemail: e.currentTarget.checked ? { ...d.voicemail, when_closed: true } : undefined })}
        />{' '}
        {a.voicemailWhenClosed}
      </label>
      {d.voicemail && (
        <Field label={a.voicemailMax}>
          <input
            type="number"
            min={0}
            max={600}
            value={d.voicemail.max_seconds || 0}
            onInput={(e) => onChange({ ...d, voicemail: { when_closed: true, max_seconds: Number(e.currentTarget.value) || undefined } })}
          />
        </Field>
      )}
    </fieldset>
  );
}

function HoursForm({ h, a, onChange }: { h: Hours; a: A; onChange: (h: Hours) => void }) {
  // Spans are typed as "09:00-12:00, 13:00-18:00"; the server validates
  // each and names the one at fault.
  const setDay = (day: string, text: string) => {
    const week = { ...h.week };
    const spans = text
      .split(/[,、\s]+/)
      .map((x) => x.trim())
      .filter(Boolean);
    if (spans.length) week[day] = spans;
    else delete week[day];
    onChange({ ...h, week });
  };
  return (
    <div class="hours">
      <p class="muted">{a.spans}</p>
      <div class="days">
        {days.map((day) => (
          <Field key={day} label={a.days[day]}>
            <input data-testid={`hours-${day}`} defaultValue={(h.week[day] || []).join(', ')} onChange={(e) => setDay(day, e.currentTarget.value)} />
          </Field>
        ))}
      </div>
      <label class="check">
        <input type="checkbox" checked={h.closed_on_holidays} onChange={(e) => onChange({ ...h, closed_on_holidays: e.currentTarget.checked })} />{' '}
        {a.closedOnHolidays}
      </label>
      <Field label={a.closedDates}>
        <textarea rows={2} defaultValue={(h.closed || []).join('\n')} onChange={(e) => onChange({ ...h, closed: lines(e.currentTarget.value) })} />
      </Field>
    </div>
  );
}

function Prompts({ a }: { a: A }) {
  const [prompts, setPrompts] = useState<Prompt[]>([]);
  const [name, setName] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [fileKey, setFileKey] = useState(0); // a new file input after an upload: the chosen file is gone
  const save = useSave(a);
  const load = () => api<{ items: Prompt[] }>('GET', '/prompts').then((r) => setPrompts(r.items));
  useEffect(() => {
    load();
  }, []);
  return (
    <section class="card">
      <h2>{a.prompts}</h2>
      <p class="muted">{a.promptHelp}</p>
      <form
        class="inline"
        aria-label={a.upload}
        onSubmit={async (e) => {
          e.preventDefault();
          if (!file) return;
          if (await save.run(() => upload('/prompts?name=' + encodeURIComponent(name), file, 'audio/wav'))) {
            setName('');
            setFile(null);
            setFileKey((k) => k + 1);
            load();
          }
        }}
      >
        <input aria-label={a.promptName} placeholder={a.promptName} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        <input key={fileKey} type="file" accept=".wav,audio/wav" aria-label={a.promptFile} onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
        <button type="submit" disabled={!file}>
          {a.upload}
        </button>
      </form>
      {save.line}
      <table class="grid" data-testid="prompts">
        <tbody>
          {prompts.map((p) => (
            <tr key={p.id}>
              <td>{p.name}</td>
              <td class="muted">{p.seconds.toFixed(1)} s</td>
              <td>
                <audio controls preload="none" src={`/api/v1/prompts/${p.id}/audio`} aria-label={p.name} />
              </td>
              <td>
                <button
                  class="link"
                  aria-label={a.deletePrompt + ' ' + p.name}
                  onClick={async () => {
                    // The server refuses (409, naming each use) while a number or announcement plays it.
                    if (confirm(a.deletePromptConfirm.replace('{name}', p.name)) && (await save.run(() => api('DELETE', '/prompts/' + p.id), a.deleted))) load();
                  }}
                >
                  {a.deletePrompt}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Announcements a={a} prompts={prompts} />
    </section>
  );
}

// Announcements: the tenant's fixed announcements, each in the built-in
// voice or an uploaded prompt; saved as one set (PUT /announcements).
function Announcements({ a, prompts }: { a: A; prompts: Prompt[] }) {
  const [names, setNames] = useState<string[]>([]);
  const [chosen, setChosen] = useState<Record<string, string>>({});
  const save = useSave(a);
  useEffect(() => {
    api<{ announcements: Record<string, string>; names: string[] }>('GET', '/announcements').then((r) => {
      setNames(r.names);
      setChosen(r.announcements);
    });
  }, []);
  return (
    <form
      data-testid="announcements"
      onSubmit={(e) => {
        e.preventDefault();
        save.run(() => api('PUT', '/announcements', { announcements: chosen }));
      }}
    >
      <h3>{a.announcements}</h3>
      <p class="muted">{a.announcementHelp}</p>
      <div class="fields">
        {names.map((n) => {
          const label = a.announcementNames[n as keyof A['announcementNames']] || n;
          return (
            <Field key={n} label={label}>
              <select aria-label={label} value={chosen[n] || ''} onChange={(e) => setChosen({ ...chosen, [n]: e.currentTarget.value })}>
                <option value="">{a.builtInVoice}</option>
                {prompts.map((p) => (
                  <option value={p.id}>{p.name}</option>
                ))}
              </select>
            </Field>
          );
        })}
      </div>
      <button type="submit">{a.save}</button>
      {save.line}
    </form>
  );
}

interface AgentRow {
  id: string;
  name: string;
  team_id?: string;
  skills: { skill_id: string; level: number }[];
}

// Agents: skills with levels (what routing matches) and the SIP desk phone
// (account and where offers ring).
function Agents({ a }: { a: A }) {
  const [agents, setAgents] = useState<AgentRow[]>([]);
  const [skills, setSkills] = useState<Named[]>([]);
  const [skillName, setSkillName] = useState('');
  const add = useSave(a);
  const loadSkills = () => api<{ items: Named[] }>('GET', '/skills').then((r) => setSkills(r.items));
  useEffect(() => {
    api<{ items: AgentRow[] }>('GET', '/agents').then((r) => setAgents(r.items));
    loadSkills();
  }, []);
  return (
    <div class="admin-cards wide">
      <section class="card">
        <h2>{a.skills}</h2>
        <p class="muted">{skills.map((s) => s.name).join('、') || '—'}</p>
        <form
          class="inline"
          onSubmit={async (e) => {
            e.preventDefault();
            if (await add.run(() => api('POST', '/skills', { name: skillName }))) {
              setSkillName('');
              loadSkills();
            }
          }}
        >
          <input aria-label={a.newSkill} placeholder={a.newSkill} value={skillName} onInput={(e) => setSkillName(e.currentTarget.value)} />
          <button type="submit">{a.add}</button>
        </form>
        {add.line}
      </section>
      {agents.map((ag) => (
        <AgentForm key={ag.id} ag={ag} a={a} skills={skills} />
      ))}
    </div>
  );
}

function AgentForm({ ag, a, skills }: { ag: AgentRow; a: A; skills: Named[] }) {
  const [levels, setLevels] = useState<Record<string, number>>(Object.fromEntries((ag.skills || []).map((s) => [s.skill_id, s.level])));
  const [sip, setSip] = useState({ username: '', password: '' });
  const [phone, setPhone] = useState<'browser' | 'sip'>('browser');
  const save = useSave(a);
  useEffect(() => {
    api<{ username?: string; kind?: 'browser' | 'sip' }>('GET', `/agents/${ag.id}/sip`)
      .then((r) => {
        setSip({ username: r.username || '', password: '' });
        if (r.kind) setPhone(r.kind);
      })
      .catch(() => {});
  }, []);
  const saveAll = async () => {
    const body = Object.entries(levels)
      .filter(([, l]) => l > 0)
      .map(([skill_id, level]) => ({ skill_id, level }));
    await save.run(async () => {
      await api('PUT', `/agents/${ag.id}/skills`, { skills: body });
      if (sip.password) await api('PUT', `/agents/${ag.id}/sip`, sip);
      await api('PUT', `/agents/${ag.id}/phone`, { kind: phone });
    });
  };
  return (
    <form
      class="card"
      data-testid={`agent-form-${ag.name}`}
      onSubmit={(e) => {
        e.preventDefault();
        saveAll();
      }}
    >
      <h2>{ag.name}</h2>
      <div class="fields">
        {skills.map((s) => (
          <Field key={s.id} label={`${s.name} (${a.level})`}>
            <input
              type="number"
              min={0}
              max={10}
              value={levels[s.id] || 0}
              onInput={(e) => setLevels({ ...levels, [s.id]: Number(e.currentTarget.value) })}
            />
          </Field>
        ))}
      </div>
      <div class="fields">
        <Field label={a.sipUser}>
          <input value={sip.username} autocomplete="off" onInput={(e) => setSip({ ...sip, username: e.currentTarget.value })} />
        </Field>
        <Field label={a.sipPassword}>
          <input type="password" value={sip.password} autocomplete="new-password" onInput={(e) => setSip({ ...sip, password: e.currentTarget.value })} />
        </Field>
        <Field label={a.ringsOn}>
          <select value={phone} onChange={(e) => setPhone(e.currentTarget.value as 'browser' | 'sip')}>
            <option value="browser">{a.browserPhone}</option>
            <option value="sip">{a.deskPhone}</option>
          </select>
        </Field>
      </div>
      <button type="submit">{a.save}</button>
      {save.line}
    </form>
  );
}

interface Target {
  scope: 'everyone' | 'agent' | 'team';
  scope_id?: string;
  metric: string;
  daily: number;
}

// Targets: daily goals for everyone, a team or an agent; reaching one fires
// praise on the floor and the desk.
function Targets({ a }: { a: A }) {
  const [targets, setTargets] = useState<Target[]>([]);
  const [agents, setAgents] = useState<AgentRow[]>([]);
  const [teams, setTeams] = useState<Named[]>([]);
  const [form, setForm] = useState<Target>({ scope: 'everyone', scope_id: '', metric: 'inbound', daily: 20 });
  const save = useSave(a);
  const load = () => api<{ items: Target[] }>('GET', '/targets').then((r) => setTargets(r.items));
  useEffect(() => {
    load();
    api<{ items: AgentRow[] }>('GET', '/agents').then((r) => setAgents(r.items));
    api<{ items: Named[] }>('GET', '/teams').then((r) => setTeams(r.items));
  }, []);
  const who = (t: Target) =>
    t.scope === 'everyone'
      ? a.everyone
      : t.scope === 'team'
        ? teams.find((x) => x.id === t.scope_id)?.name || t.scope_id
        : agents.find((x) => x.id === t.scope_id)?.name || t.scope_id;
  return (
    <section class="card">
      <h2>{a.targets}</h2>
      <table class="grid" data-testid="targets">
        <tbody>
          {targets.map((t) => (
            <tr key={t.scope + t.scope_id + t.metric}>
              <td>{who(t)}</td>
              <td>{a.metrics[t.metric as keyof A['metrics']] || t.metric}</td>
              <td>{t.daily}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        class="row-form"
        onSubmit={async (e) => {
          e.preventDefault();
          if (await save.run(() => api('PUT', '/targets', { ...form, scope_id: form.scope === 'everyone' ? '' : form.scope_id }))) load();
        }}
      >
        <Field label={a.scope}>
          <select value={form.scope} onChange={(e) => setForm({ ...form, scope: e.currentTarget.value as Target['scope'], scope_id: '' })}>
            <option value="everyone">{a.everyone}</option>
            <option value="team">{a.team}</option>
            <option value="agent">{a.agent}</option>
          </select>
        </Field>
        {form.scope !== 'everyone' && (
          <Field label={form.scope === 'team' ? a.team : a.agent}>
            <select value={form.scope_id} onChange={(e) => setForm({ ...form, scope_id: e.currentTarget.value })}>
              <option value="" />
              {(form.scope === 'team' ? teams : agents.map((x) => ({ id: x.id, name: x.name }))).map((x) => (
                <option value={x.id}>{x.name}</option>
              ))}
            </select>
          </Field>
        )}
        <Field label={a.metric}>
          <select value={form.metric} onChange={(e) => setForm({ ...form, metric: e.currentTarget.value })}>
            {Object.entries(a.metrics).map(([id, label]) => (
              <option value={id}>{label}</option>
            ))}
          </select>
        </Field>
        <Field label={a.daily}>
          <input type="number" min={0} value={form.daily} onInput={(e) => setForm({ ...form, daily: Number(e.currentTarget.value) })} />
        </Field>
        <button type="submit">{a.save}</button>
        {save.line}
      </form>
    </section>
  );
}

function Reasons({ a, t }: { a: A; t: Strings }) {
  return (
    <div class="admin-cards">
      <NamedList a={a} path="/reasons" title={a.reasonName} />
      <NamedList a={a} path="/dispositions" title={a.dispositionName} />
      <QueueDispositions a={a} t={t} />
    </div>
  );
}

// QueueDispositions chooses, per queue, which dispositions its wrap-up
// offers (PUT /queues/{id}/dispositions); none checked offers all of them,
// also ones added later.
function QueueDispositions({ a, t }: { a: A; t: Strings }) {
  const [queues, setQueues] = useState<Queue[]>([]);
  const [all, setAll] = useState<Named[]>([]);
  useEffect(() => {
    Promise.all([api<{ items: Queue[] }>('GET', '/queues'), api<{ items: Named[] }>('GET', '/dispositions')]).then(([qs, ds]) => {
      setQueues(qs.items);
      setAll(ds.items);
    });
  }, []);
  return (
    <section class="card" data-testid="queue-dispositions">
      <h2>{t.dispo.title}</h2>
      <p class="muted">{t.dispo.help}</p>
      {queues.map((q) => (
        <QueueDispositionsForm key={q.id} q={q} all={all} a={a} t={t} />
      ))}
    </section>
  );
}

function QueueDispositionsForm({ q, all, a, t }: { q: Queue; all: Named[]; a: A; t: Strings }) {
  const [chosen, setChosen] = useState<string[]>([]);
  const save = useSave(a);
  useEffect(() => {
    api<{ all: boolean; disposition_ids: string[] }>('GET', `/queues/${q.id}/dispositions`).then((r) => setChosen(r.disposition_ids));
  }, [q.id]);
  const toggle = (id: string, on: boolean) => setChosen(on ? [...chosen, id] : chosen.filter((x) => x !== id));
  return (
    <form
      class="sub"
      data-testid={`queue-dispositions-${q.id}`}
      onSubmit={(e) => {
        e.preventDefault();
        save.run(() => api('PUT', `/queues/${q.id}/dispositions`, { disposition_ids: chosen }));
      }}
    >
      <fieldset>
        <legend>
          {q.name} <small class="muted">{chosen.length === 0 ? t.dispo.all : t.dispo.some.replace('{n}', String(chosen.length))}</small>
        </legend>
        {all.map((d) => (
          <label class="check" key={d.id}>
            <input type="checkbox" checked={chosen.includes(d.id)} onChange={(e) => toggle(d.id, e.currentTarget.checked)} /> {d.name}
          </label>
        ))}
      </fieldset>
      <button type="submit">{t.dispo.save}</button>
      {save.line}
    </form>
  );
}

function NamedList({ a, path, title }: { a: A; path: string; title: string }) {
  const [items, setItems] = useState<Named[]>([]);
  const [name, setName] = useState('');
  const save = useSave(a);
  const load = () => api<{ items: Named[] }>('GET', path).then((r) => setItems(r.items));
  useEffect(() => {
    load();
  }, []);
  return (
    <section class="card">
      <h2>{title}</h2>
      <ul>
        {items.map((x) => (
          <li key={x.id}>{x.name}</li>
        ))}
      </ul>
      <form
        class="inline"
        onSubmit={async (e) => {
          e.preventDefault();
          if (await save.run(() => api('POST', path, { name }))) {
            setName('');
            load();
          }
        }}
      >
        <input aria-label={title} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        <button type="submit">{a.add}</button>
      </form>
      {save.line}
    </section>
  );
}

function Holidays({ a }: { a: A }) {
  const [year, setYear] = useState(new Date().getFullYear());
  const [items, setItems] = useState<{ date: string; name: string; name_en: string }[]>([]);
  useEffect(() => {
    api<{ items: typeof items }>('GET', '/holidays?year=' + year).then((r) => setItems(r.items));
  }, [year]);
  return (
    <section class="card">
      <h2>
        {a.holidays}{' '}
        <input class="year" type="number" aria-label={a.year} value={year} min={1980} max={2099} onChange={(e) => setYear(Number(e.currentTarget.value))} />
      </h2>
      <table class="grid" data-testid="holidays">
        <tbody>
          {items.map((h) => (
            <tr key={h.date}>
              <td>{h.date}</td>
              <td>{h.name}</td>
              <td class="muted">{h.name_en}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
