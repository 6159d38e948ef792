// Keyboard shortcuts for the whole app: one keydown listener, shortcuts registered by the mounted
// components (so the `?` dialog lists exactly what works on the current page), and never fired
// while the user types in a field (unless a shortcut says so, like Ctrl/Cmd+Enter to send).

import { useEffect, useRef, useSyncExternalStore } from "react";

export interface ShortcutInfo {
  /** Key combination: a key ("j", "?", "Enter") or "mod+key" (Ctrl, or Cmd on a Mac). */
  keys: string;
  /** What it does, already translated (shown in the `?` dialog). */
  description: string;
  /** Heading it is listed under in the `?` dialog, already translated. */
  group: string;
}

interface Registered extends ShortcutInfo {
  id: number;
  allowInInput: boolean;
  handler: (event: KeyboardEvent) => boolean | void;
}

let nextId = 1;
let registered: Registered[] = [];
let snapshot: readonly ShortcutInfo[] = [];
const listeners = new Set<() => void>();

function changed(): void {
  snapshot = registered.map(({ keys, description, group }) => ({ keys, description, group }));
  for (const listener of listeners) listener();
}

/** Whether `event` is the combination `keys`. */
export function matchesKeys(event: Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "altKey" | "shiftKey">, keys: string): boolean {
  const mod = keys.startsWith("mod+");
  const key = mod ? keys.slice(4) : keys;
  if (event.altKey) return false;
  if (mod !== (event.ctrlKey || event.metaKey)) return false;
  // Letters must be typed as they are (no Shift); symbols like "?" need Shift on most layouts.
  if (/^[a-z]$/.test(key) && event.shiftKey) return false;
  return event.key.length === 1 ? event.key.toLowerCase() === key.toLowerCase() : event.key === key;
}

/** Whether the key went to something the user types into. */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag !== "INPUT") return false;
  const type = (target as HTMLInputElement).type;
  return !["checkbox", "radio", "button", "submit", "reset"].includes(type);
}

function onKeyDown(event: KeyboardEvent): void {
  if (event.defaultPrevented || event.isComposing) return;
  const typing = isTyping(event.target);
  // A modal dialog owns the keyboard, except for the shortcuts it registered itself.
  const dialog = document.querySelector("dialog[open]");
  // The most recently mounted registration wins (a page's `Enter` over the app's).
  for (let index = registered.length - 1; index >= 0; index -= 1) {
    const shortcut = registered[index];
    if (shortcut === undefined || !matchesKeys(event, shortcut.keys)) continue;
    if (typing && !shortcut.allowInInput) continue;
    if (dialog && !(event.target instanceof Node && dialog.contains(event.target))) continue;
    // A handler returning false passes (the key then does what it does natively).
    if (shortcut.handler(event) === false) continue;
    event.preventDefault();
    return;
  }
}

function register(shortcut: Omit<Registered, "id">): () => void {
  const id = nextId++;
  if (registered.length === 0) window.addEventListener("keydown", onKeyDown);
  registered = [...registered, { ...shortcut, id }];
  changed();
  return () => {
    registered = registered.filter((item) => item.id !== id);
    if (registered.length === 0) window.removeEventListener("keydown", onKeyDown);
    changed();
  };
}

export interface ShortcutOptions {
  description: string;
  group: string;
  /** Also fire while typing in a field (for Ctrl/Cmd+Enter and the like). */
  allowInInput?: boolean;
  /** Off while false (the shortcut is neither active nor listed). */
  enabled?: boolean;
}

/**
 * Runs `handler` on `keys` while the component is mounted; listed in the `?` dialog. A handler
 * that returns false declines this key press (it then reaches the page as usual).
 */
export function useShortcut(keys: string, handler: (event: KeyboardEvent) => boolean | void, options: ShortcutOptions): void {
  const handlerRef = useRef(handler);
  useEffect(() => {
    handlerRef.current = handler;
  });
  const { description, group, allowInInput = false, enabled = true } = options;
  useEffect(() => {
    if (!enabled) return undefined;
    return register({ keys, description, group, allowInInput, handler: (event) => handlerRef.current(event) });
  }, [keys, description, group, allowInInput, enabled]);
}

/** Every shortcut active now, in registration order (for the `?` dialog). */
export function useShortcutList(): readonly ShortcutInfo[] {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => snapshot,
  );
}

/** How `keys` reads on this platform ("mod" is ⌘ on Apple devices, Ctrl elsewhere). */
export function keyLabels(keys: string): string[] {
  const apple = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
  return keys.split("+").map((part) => (part === "mod" ? (apple ? "⌘" : "Ctrl") : part === "Enter" ? "Enter" : part));
}
