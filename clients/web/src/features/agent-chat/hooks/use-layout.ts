// What the console's layout depends on: whether the screen is wide enough for the side-by-side
// desktop layout, and how wide the pane area is (how many chats fit in it).

import { useCallback, useState, useSyncExternalStore } from "react";

/** The side-by-side layout starts at Tailwind's `md` breakpoint (a tablet fits the rail and one pane). */
const DESKTOP_QUERY = "(min-width: 768px)";

export function useDesktop(): boolean {
  return useSyncExternalStore(
    (onChange) => {
      const list = window.matchMedia(DESKTOP_QUERY);
      list.addEventListener("change", onChange);
      return () => list.removeEventListener("change", onChange);
    },
    () => window.matchMedia(DESKTOP_QUERY).matches,
  );
}

/** A ref callback for an element and its current width in pixels (0 until measured). */
export function useElementWidth(): [(element: HTMLElement | null) => void, number] {
  const [width, setWidth] = useState(0);
  const ref = useCallback((element: HTMLElement | null) => {
    if (element === null) {
      return;
    }
    setWidth(element.clientWidth);
    const observer = new ResizeObserver(() => setWidth(element.clientWidth));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}
