import { lazy, Suspense } from "react";

// Loaded with the first message that links to a help article (most never do).
const LinkedText = lazy(() => import("./LinkedText").then((module) => ({ default: module.LinkedText })));

/** A message's text as text; help-article addresses in it become links to the article (see LinkedText). */
export function MessageText({ text }: { text: string }) {
  if (!text.includes("/help/")) return <>{text}</>;
  return (
    <Suspense fallback={text}>
      <LinkedText text={text} />
    </Suspense>
  );
}
