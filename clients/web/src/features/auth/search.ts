// ?redirect=/tickets/123 on the sign-in and registration pages: where to go once signed in.

export interface AuthSearch {
  redirect?: string;
}

/** Only same-app paths are followed ("/x", never "//host" or "https://..."), to avoid open redirects. */
export function parseAuthSearch(raw: Record<string, unknown>): AuthSearch {
  const redirect = raw.redirect;
  if (typeof redirect === "string" && /^\/(?![/\\])/.test(redirect)) {
    return { redirect };
  }
  return {};
}
