import { parseSnippet } from "@/lib/highlight";

/** A server search snippet: its <mark> hits highlighted, everything else plain text. */
export function Highlighted({ snippet }: { snippet: string }) {
  return (
    <>
      {parseSnippet(snippet).map((part, index) =>
        part.highlighted ? <mark key={index}>{part.text}</mark> : <span key={index}>{part.text}</span>,
      )}
    </>
  );
}
