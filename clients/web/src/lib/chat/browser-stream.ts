// What every live stream of the app needs in a browser: the session refreshed when the server
// refused an expired token, and the network's comings and goings.

import { client } from "@/lib/client";
import type { LiveStream } from "./stream";

/** Exchanges the refresh token after an expired access token; false when signed out. */
export async function refreshSignedInSession(): Promise<boolean> {
  if (!client.session.signedIn) {
    return false;
  }
  await client.session.refresh("rejected");
  return true;
}

/** Whether the browser believes it is online. */
export function browserOnline(): boolean {
  return navigator.onLine;
}

/**
 * Starts `stream` and ties it to the network: offline, a stream may hang instead of failing, so it
 * is dropped; back online, it reconnects at once. Returns the cleanup that stops it for good.
 */
export function followInBrowser<E>(stream: LiveStream<E>): () => void {
  void stream.start();
  const offline = (): void => stream.interrupt();
  const online = (): void => stream.reconnectNow();
  window.addEventListener("offline", offline);
  window.addEventListener("online", online);
  return () => {
    window.removeEventListener("offline", offline);
    window.removeEventListener("online", online);
    stream.stop();
  };
}
