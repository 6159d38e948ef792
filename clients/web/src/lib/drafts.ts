// Drafts of what the user types, kept in sessionStorage until the server acknowledges them, so a
// failed send, a lost connection or a reload never loses the text.

import { useCallback, useState } from "react";

const PREFIX = "helpdesk.draft.";

export function readDraft<T>(key: string, fallback: T): T {
  try {
    const raw = window.sessionStorage.getItem(PREFIX + key);
    return raw === null ? fallback : (JSON.parse(raw) as T);
  } catch {
    return fallback;
  }
}

export function writeDraft<T>(key: string, value: T): void {
  try {
    window.sessionStorage.setItem(PREFIX + key, JSON.stringify(value));
  } catch {
    // Storage full or disabled: the draft still lives in memory.
  }
}

export function clearDraft(key: string): void {
  try {
    window.sessionStorage.removeItem(PREFIX + key);
  } catch {
    // Nothing to clear.
  }
}

/** A piece of state mirrored to sessionStorage under `key`; clear() once the server has it. */
export function useDraft<T>(key: string, initial: T): [T, (value: T) => void, () => void] {
  const [value, setValue] = useState<T>(() => readDraft(key, initial));
  const update = useCallback(
    (next: T) => {
      setValue(next);
      writeDraft(key, next);
    },
    [key],
  );
  const clear = useCallback(() => {
    clearDraft(key);
    setValue(initial);
  }, [key, initial]);
  return [value, update, clear];
}
