// "Delete X?" on the admin lists: which item the dialog asks about, the deletion while it runs, and
// its failure shown in the dialog (a stale etag, say); spread `dialog` into a ConfirmDialog.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { describeError } from "@/lib/errors";

export function useDeleteConfirm<T>({ remove, onDeleted }: { remove: (item: T) => Promise<unknown>; onDeleted: (item: T) => void }) {
  const { t: tc } = useTranslation();
  const [doomed, setDoomed] = useState<T>();
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState(false);

  const confirm = async () => {
    if (doomed === undefined) return;
    setError(undefined);
    setPending(true);
    try {
      await remove(doomed);
      onDeleted(doomed);
      setDoomed(undefined);
    } catch (failure) {
      setError(describeError(failure, tc));
    } finally {
      setPending(false);
    }
  };

  return {
    /** The item the dialog asks about, if it is open. */
    doomed,
    /** Opens the dialog about `item`. */
    ask: (item: T) => {
      setError(undefined);
      setDoomed(item);
    },
    dialog: { open: doomed !== undefined, onClose: () => setDoomed(undefined), onConfirm: () => void confirm(), pending, error },
  };
}
