// j/k in a list: keyboard focus moves between the rows' links (Enter then opens one natively).

const ROW_LINK = "[data-ticket-row] [data-row-link]";

/** Moves focus `step` rows down (or up); from outside the list, to the first row. */
export function moveRowFocus(step: 1 | -1): void {
  const links = [...document.querySelectorAll<HTMLElement>(ROW_LINK)];
  if (links.length === 0) return;
  const current = links.findIndex((link) => link.closest("[data-ticket-row]")?.contains(document.activeElement));
  const next = current < 0 ? 0 : Math.min(links.length - 1, Math.max(0, current + step));
  links[next]?.focus();
  links[next]?.scrollIntoView({ block: "nearest" });
}

/** The ticket of the row holding focus, if any. */
export function focusedRowId(): string | undefined {
  const row = document.activeElement?.closest<HTMLElement>("[data-ticket-row]");
  return row?.dataset.ticketRow;
}
