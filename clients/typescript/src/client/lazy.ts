// Service clients whose descriptors load on first call.
//
// `createClient` (@connectrpc/connect) walks `service.methods` when it is called, so any code that
// builds a client holds a static reference to the service descriptor, and with it the whole embedded
// file descriptor of that .proto and of every file it imports (protoc-gen-es v2 tree-shakes per file,
// not per message). A browser app that built every service up front downloaded the staff consoles'
// descriptors on a customer's first visit. A lazy client has the same type as `createClient`'s; its
// descriptor comes from a dynamic import on the first call, which bundlers split into its own chunk.

import type { DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Client, type Transport } from "@connectrpc/connect";
import { HelpdeskError } from "./errors.js";

/** The names of a service's server-streaming methods. */
export type StreamingMethodName<S extends DescService> = {
  [K in keyof S["method"]]: S["method"][K] extends { methodKind: "server_streaming" } ? K : never;
}[keyof S["method"]];

/**
 * Every server-streaming method of the service, and nothing else (the compiler checks both ways):
 * before the descriptor has loaded, a call has to know whether to answer a promise or a stream.
 */
export type StreamingMethods<S extends DescService> = Record<StreamingMethodName<S>, true>;

type AnyMethod = (input: unknown, options?: unknown) => unknown;

/**
 * A client of the service `load` resolves to, over `transport`, that imports the descriptor on its
 * first call (once; a failed import is retried by the next call and fails that call UNAVAILABLE).
 * Unary calls answer a promise; server-streaming calls a stream whose request is sent at once.
 */
export function lazyClient<S extends DescService>(
  transport: Transport,
  load: () => Promise<S>,
  streaming: StreamingMethods<S>,
): Client<S> {
  let loading: Promise<Record<string, AnyMethod>> | undefined;
  const loaded = (): Promise<Record<string, AnyMethod>> => {
    loading ??= load().then(
      (service) => {
        checkStreaming(service, streaming);
        return createClient(service, transport) as unknown as Record<string, AnyMethod>;
      },
      (reason: unknown) => {
        loading = undefined;
        throw new HelpdeskError(
          new ConnectError("the service could not be loaded; check the connection", Code.Unavailable, undefined, undefined, reason),
        );
      },
    );
    return loading;
  };
  const methods = new Map<string, AnyMethod>();
  const method = (name: string): AnyMethod => {
    const call: AnyMethod = (name in streaming)
      ? (input, options) => lazyStream(loaded().then((client) => client[name]!(input, options) as AsyncIterable<unknown>))
      : (input, options) => loaded().then((client) => client[name]!(input, options));
    methods.set(name, call);
    return call;
  };
  return new Proxy({} as Client<S>, {
    get(_target, name) {
      // Not thenable, not iterable: only method names are properties of a client.
      if (typeof name !== "string" || name === "then") {
        return undefined;
      }
      return methods.get(name) ?? method(name);
    },
  });
}

/** A stream that starts when `started` resolves; errors (loading included) surface on iteration. */
function lazyStream<T>(started: Promise<AsyncIterable<T>>): AsyncIterable<T> {
  const iterator = started.then((stream) => stream[Symbol.asyncIterator]());
  // Nobody iterating is no reason for an unhandled rejection; iterating still sees the error.
  iterator.catch(() => undefined);
  return {
    [Symbol.asyncIterator]: () => ({ next: () => iterator.then((it) => it.next()) }),
  };
}

/** Fails loudly if the descriptor and the streaming table disagree (a proto changed, the table did not). */
function checkStreaming(service: DescService, streaming: Record<string, true>): void {
  for (const method of service.methods) {
    const listed = method.localName in streaming;
    if (method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming") {
      throw new Error(`${service.typeName}.${method.name}: client streams cannot be called lazily`);
    }
    if ((method.methodKind === "server_streaming") !== listed) {
      throw new Error(`${service.typeName}.${method.name}: the lazy client's streaming table is out of date`);
    }
  }
}
