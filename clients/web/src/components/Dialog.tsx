import { useId, useLayoutEffect, useRef, type ReactNode, type RefObject } from "react";
import { X } from "lucide-react";
import { useTranslation } from "react-i18next";

/**
 * A modal dialog on the native <dialog> element: focus trapping, Escape and the top layer come
 * from the browser. Open and close it with `open`; `onClose` is called on Escape or the close button.
 * Closed, it hands focus back to what had it before, or to `returnFocus` when given.
 */
export function Dialog({
  open,
  onClose,
  title,
  description,
  children,
  footer,
  returnFocus,
  initialFocus,
}: {
  open: boolean;
  onClose: () => void;
  /** Where focus goes as the dialog closes (a reply box its picks were typed into). */
  returnFocus?: RefObject<HTMLElement | null>;
  /** What gets focus as the dialog opens (a search box), with the cursor after its text. */
  initialFocus?: RefObject<HTMLInputElement | null>;
  title: ReactNode;
  description?: ReactNode;
  children?: ReactNode;
  footer?: ReactNode;
}) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  // In the commit itself, so that focus is where it belongs before the browser handles another key:
  // a key typed between the dialog closing and a later focus would go to the wrong element.
  useLayoutEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      dialog.showModal();
      // After the browser's own dialog focus (its first button), in the same commit: a key typed
      // right after the one that opened the dialog goes into the box.
      const target = initialFocus?.current;
      target?.focus();
      target?.setSelectionRange(target.value.length, target.value.length);
    }
    if (!open && dialog.open) {
      dialog.close();
      const target = returnFocus?.current;
      if (!target) return;
      // Chromium hands focus back to a text box the dialog was opened from without its caret: keys
      // reach the box yet do not edit it until it is focused anew.
      if (document.activeElement === target) target.blur();
      target.focus();
    }
  }, [open, returnFocus, initialFocus]);
  return (
    <dialog
      ref={ref}
      onClose={onClose}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
      aria-labelledby={titleId}
      className="m-auto w-[calc(100%-2rem)] max-w-md rounded-xl border border-border bg-surface p-0 text-fg shadow-xl backdrop:bg-black/40"
    >
      <div className="flex items-start justify-between gap-4 border-b border-border px-5 py-4">
        <div>
          <h2 id={titleId} className="text-base font-semibold">
            {title}
          </h2>
          {description ? <p className="mt-1 text-sm text-muted">{description}</p> : null}
        </div>
        <button type="button" onClick={onClose} aria-label={t("common.close")} className="rounded-md p-1 text-muted hover:bg-subtle">
          <X aria-hidden="true" className="size-4" />
        </button>
      </div>
      {children ? <div className="px-5 py-4">{children}</div> : null}
      {footer ? <div className="flex justify-end gap-2 border-t border-border px-5 py-3">{footer}</div> : null}
    </dialog>
  );
}
