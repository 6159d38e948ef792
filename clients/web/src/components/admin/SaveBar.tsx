// The foot of an admin form: "Saved." once the last save went through, and the submit button.
import { Button } from "../Button";

export function SaveBar({ saved, savedLabel, label, pending }: { saved: boolean; savedLabel: string; label: string; pending: boolean }) {
  return (
    <div className="flex flex-wrap items-center justify-end gap-3">
      {saved ? (
        <p role="status" className="text-sm text-success">
          {savedLabel}
        </p>
      ) : null}
      <Button type="submit" loading={pending}>
        {label}
      </Button>
    </div>
  );
}
