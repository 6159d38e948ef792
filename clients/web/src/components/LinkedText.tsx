import { splitHelpLinks } from "@/lib/help-links";

/**
 * Message text as text, with this site's help-article addresses (an inserted article link) as
 * links to the article, opened in a new tab so a chat or a draft stays where it is. Everything
 * else stays plain text: React escapes it, nothing is HTML.
 */
export function LinkedText({ text }: { text: string }) {
  const parts = splitHelpLinks(text, window.location.origin);
  if (parts.every((part) => part.path === undefined)) return <>{text}</>;
  return (
    <>
      {parts.map((part, index) =>
        part.path === undefined ? (
          part.text
        ) : (
          <a key={index} href={part.path} target="_blank" rel="noopener noreferrer" className="font-medium underline underline-offset-2">
            {part.text}
          </a>
        ),
      )}
    </>
  );
}
