import Markdown from "react-markdown";

/**
 * An article body as Markdown. Raw HTML in the source is dropped (`skipHtml`, and no rehype-raw),
 * and react-markdown's default URL filter removes `javascript:` and other unsafe links, so the
 * body can never inject markup or script.
 */
export function ArticleBody({ source }: { source: string }) {
  return (
    <div className="prose-article break-words">
      <Markdown
        skipHtml
        components={{
          a: ({ href, children }) => (
            <a href={href} rel="noopener noreferrer nofollow">
              {children}
            </a>
          ),
          img: ({ alt }) => <span>{alt}</span>,
        }}
      >
        {source}
      </Markdown>
    </div>
  );
}
