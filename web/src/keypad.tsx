// The DTMF keypad (ダイヤルキー): during a call the operator presses keys to
// drive a remote IVR (an outbound or transferred call) or to enter a code
// the other side's system asks for. Each key goes to the server at once,
// one request after another so they arrive in order; the server plays it
// to the other party as an RFC 4733 telephone-event, or as tones in the
// audio when that party cannot take events (docs/desk.md). The display is
// this browser's only: the digits are not stored anywhere.
//
// No local key tone: played through the operator's speaker it could reach
// their microphone and be heard by the remote IVR as a second press.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from './api';
import type { Strings } from './i18n';

const keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];

export function Keypad({ t, contactId, held, onClose }: { t: Strings; contactId: string; held: boolean; onClose: () => void }) {
  const k = t.keypad;
  const [shown, setShown] = useState('');
  const [sent, setSent] = useState(0);
  const [error, setError] = useState('');
  const queue = useRef<Promise<void>>(Promise.resolve());
  const panel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    panel.current?.querySelector<HTMLElement>('button[data-key="1"]')?.focus();
  }, []);
  const press = (d: string) => {
    if (held) return; // the server refuses it too: the digits would reach the music, not the caller
    setShown((s) => (s + d).slice(-32));
    queue.current = queue.current.then(async () => {
      try {
        await api('POST', `/contacts/${contactId}/dtmf`, { digits: d });
        setSent((n) => n + 1);
        setError('');
      } catch (err) {
        // The operator's language for what they can act on; the server's words otherwise.
        setError(err instanceof ApiError ? (err.problem.code === 'conflict' ? k.conflict : err.message) : String(err));
      }
    });
  };
  // Typing works too while the keypad has the focus; Escape closes it.
  const onKey = (e: KeyboardEvent) => {
    if (e.altKey || e.ctrlKey || e.metaKey || e.repeat) return;
    if (keys.includes(e.key)) {
      e.preventDefault();
      press(e.key);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      onClose();
    }
  };
  return (
    <div id="keypad" class="keypad sub" role="group" aria-label={k.title} ref={panel} onKeyDown={onKey} data-testid="keypad">
      <output class="keypad-display" aria-label={k.display} aria-live="polite" data-testid="keypad-display" style={{ fontSize: '1.4rem', letterSpacing: '.15em', minHeight: '1.8rem', display: 'block' }}>
        {shown}
      </output>
      <div style={{ display: 'grid', gridTemplateColumns: 'repeat(3, 3.5rem)', gap: '.35rem', margin: '.4rem 0' }}>
        {keys.map((d) => (
          <button type="button" key={d} data-key={d} aria-label={k.names[d] ?? d} disabled={held} onClick={() => press(d)} style={{ fontSize: '1.2rem', padding: '.45rem 0' }}>
            {d}
          </button>
        ))}
      </div>
      <p class="muted small" role="status" data-testid="keypad-sent" data-sent={sent}>
        {held ? k.held : k.sent.replace('{n}', String(sent))}
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button type="button" class="link" onClick={onClose}>
        {k.close}
      </button>
    </div>
  );
}
