// The choice an admin form offers when its save met a newer version (ETAG_MISMATCH): keep the edits
// (and save them over the newer version next time) or take the newer version into the form.
import { Button } from "../Button";

export function ConflictChoice({ message, keepMine, takeTheirs, onKeepMine, onTakeTheirs }: { message: string; keepMine: string; takeTheirs: string; onKeepMine: () => void; onTakeTheirs: () => void }) {
  return (
    <div role="alert" className="flex flex-col gap-3 rounded-lg border border-warning/40 bg-warning-soft px-4 py-3 text-sm text-fg">
      <p className="font-medium">{message}</p>
      <div className="flex flex-wrap gap-2">
        <Button size="sm" variant="secondary" onClick={onKeepMine}>
          {keepMine}
        </Button>
        <Button size="sm" variant="ghost" onClick={onTakeTheirs}>
          {takeTheirs}
        </Button>
      </div>
    </div>
  );
}
