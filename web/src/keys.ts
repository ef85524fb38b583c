// Keyboard shortcuts for the call: Alt + a letter, matched on the physical
// key (KeyboardEvent.code) so a Japanese IME or keyboard layout does not
// change them. "/" stays the knowledge search's; plain letters stay for
// typing notes. Buttons show their shortcut in the title and announce it
// with aria-keyshortcuts.
import { useEffect, useRef } from 'preact/hooks';

export const keys = {
  answer: 'Alt+A',
  decline: 'Alt+D',
  hold: 'Alt+H',
  mute: 'Alt+M',
  hangup: 'Alt+E',
  wrapup: 'Alt+W',
  keypad: 'Alt+K', // the DTMF keypad (keypad.tsx)
} as const;

export type Action = keyof typeof keys;

// keyAttrs gives a button its title with the shortcut and aria-keyshortcuts.
export const keyAttrs = (label: string, action: Action) => ({
  title: `${label} (${keys[action]})`,
  'aria-keyshortcuts': keys[action],
});

// useShortcuts calls the handler of an action whose shortcut is pressed;
// actions without a handler (not possible in this phase) do nothing.
export function useShortcuts(handlers: Partial<Record<Action, () => void>>) {
  const ref = useRef(handlers);
  ref.current = handlers;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey || e.shiftKey || e.repeat) return;
      for (const [action, combo] of Object.entries(keys) as [Action, string][]) {
        if (e.code === 'Key' + combo.slice(-1) && ref.current[action]) {
          e.preventDefault();
          ref.current[action]!();
          return;
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
