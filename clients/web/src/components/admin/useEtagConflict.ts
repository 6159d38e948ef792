// The etag an admin form sends with its next save, and what happens when a save meets a newer version
// (ETAG_MISMATCH): the form keeps the edits and offers a choice (ConflictChoice) between keeping them
// (saved over the newer version next time) and taking the newer version into the form.
import { useState } from "react";

/** `initial` is the loaded version's etag (undefined for something not created yet: the first save creates it). */
export function useEtagConflict<T extends { etag: string }, E extends string | undefined>(initial: E, { reload, take }: { reload: () => Promise<T | undefined>; take: (fresh: T) => void }) {
  const [etag, setEtag] = useState<E>(initial);
  const [conflict, setConflict] = useState(false);
  return {
    /** The etag to send with the next save. */
    etag,
    /** Whether the last save met a newer version and the choice is open. */
    conflict,
    /** A save went through: the stored version is the one the next save builds on. */
    saved: (stored: T) => {
      setEtag(stored.etag as E);
      setConflict(false);
    },
    /** A save was refused with ETAG_MISMATCH. */
    clash: () => setConflict(true),
    /** The admin's choice: keep their edits, or take the newer version (both go on from its etag). */
    resolve: async (keepMine: boolean) => {
      const fresh = await reload();
      if (!fresh) return;
      setEtag(fresh.etag as E);
      if (!keepMine) take(fresh);
      setConflict(false);
    },
  };
}
