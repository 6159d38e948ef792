import type { ReactNode } from "react";
import { cx } from "@/lib/cx";
import { parseBlocks, type Block, type Inline } from "@/lib/markdown";

function inlines(nodes: readonly Inline[]): ReactNode[] {
  return nodes.map((node, index) => {
    switch (node.kind) {
      case "text":
        return node.text;
      case "strong":
        return <strong key={index}>{inlines(node.children)}</strong>;
      case "em":
        return <em key={index}>{inlines(node.children)}</em>;
      case "code":
        return <code key={index}>{node.text}</code>;
      case "link":
        return (
          <a key={index} href={node.href} rel="noopener noreferrer nofollow">
            {inlines(node.children)}
          </a>
        );
    }
  });
}

function block(node: Block, index: number): ReactNode {
  switch (node.kind) {
    case "heading": {
      const Heading = `h${node.level}` as const;
      return <Heading key={index}>{inlines(node.children)}</Heading>;
    }
    case "paragraph":
      return <p key={index}>{inlines(node.children)}</p>;
    case "list": {
      const List = node.ordered ? "ol" : "ul";
      return (
        <List key={index}>
          {node.items.map((item, position) => (
            <li key={position}>{inlines(item)}</li>
          ))}
        </List>
      );
    }
    case "quote":
      return <blockquote key={index}>{inlines(node.children)}</blockquote>;
    case "code":
      return (
        <pre key={index}>
          <code>{node.text}</code>
        </pre>
      );
  }
}

/**
 * Markdown (an article body, a preview) read by @/lib/markdown into elements and text, never HTML:
 * the source can never inject markup or script, and only safe links survive.
 */
export function MarkdownView({ source, className }: { source: string; className?: string }) {
  return <div className={cx("prose-article break-words", className)}>{parseBlocks(source).map(block)}</div>;
}
