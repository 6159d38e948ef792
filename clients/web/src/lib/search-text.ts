import { useEffect, useRef, useState } from "react";
import { useDebounced } from "./debounce";

/**
 * A search box's text kept in step with a URL search param: typing commits the trimmed text once
 * the user pauses (`commit(undefined)` when empty); the URL changing elsewhere (back button, a
 * "clear filters" link) refills the box. A pause that ends after the user has followed a link away
 * commits nothing: the router moves the address at once and loads the next page after, so a late
 * commit would replace the page they are on their way to with this one.
 */
export function useSearchText(fromUrl: string | undefined, commit: (q: string | undefined) => void, delayMs = 350): [string, (text: string) => void] {
  const [text, setText] = useState(fromUrl ?? "");
  const settled = useDebounced(text, delayMs);
  const latest = useRef({ fromUrl, commit });
  latest.current = { fromUrl, commit };
  const page = useRef(window.location.pathname);

  useEffect(() => {
    if (window.location.pathname !== page.current) return;
    const q = settled.trim() || undefined;
    if (q !== latest.current.fromUrl) latest.current.commit(q);
  }, [settled]);
  useEffect(() => setText((current) => (current.trim() === (fromUrl ?? "") ? current : (fromUrl ?? ""))), [fromUrl]);
  return [text, setText];
}
