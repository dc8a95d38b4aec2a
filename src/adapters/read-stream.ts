import { StreamAbortedError } from "../errors.js";

/**
 * Reads a stream to its end, handing each item to `onItem` synchronously. With a `signal`, an abort stops the read
 * at once, even while the source is waiting for the network: the source is cancelled and this rejects with
 * `StreamAbortedError`. When `onItem` throws, the source is cancelled and the error is rethrown; an error of the
 * source is rethrown as it is.
 */
export async function readStream<T>(
  source: AsyncIterable<T> | ReadableStream<T>,
  signal: AbortSignal | undefined,
  onItem: (item: T) => void,
): Promise<void> {
  if (signal?.aborted) {
    cancelSource(source, signal.reason);
    throw abortedError(signal);
  }
  // A ReadableStream (the AI SDK's fullStream) is read with its own reader: reader.cancel() settles a pending read
  // at once, where an async iterator's return() would wait behind it.
  if (isReadableStream(source)) return readReadable(source, signal, onItem);
  return readIterable(source, signal, onItem);
}

async function readReadable<T>(
  source: ReadableStream<T>,
  signal: AbortSignal | undefined,
  onItem: (item: T) => void,
): Promise<void> {
  const reader = source.getReader();
  let done = false;
  const onAbort = (): void => {
    reader.cancel(signal?.reason).catch(ignore);
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    for (;;) {
      const next = await reader.read();
      if (signal?.aborted) throw abortedError(signal);
      if (next.done) {
        done = true;
        return;
      }
      onItem(next.value);
    }
  } catch (error) {
    if (!done) reader.cancel(error).catch(ignore);
    throw error;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    reader.releaseLock();
  }
}

async function readIterable<T>(
  source: AsyncIterable<T>,
  signal: AbortSignal | undefined,
  onItem: (item: T) => void,
): Promise<void> {
  const iterator = source[Symbol.asyncIterator]();
  let aborted: Promise<never> | undefined;
  let onAbort: (() => void) | undefined;
  if (signal !== undefined) {
    aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(abortedError(signal));
      signal.addEventListener("abort", onAbort, { once: true });
    });
    aborted.catch(ignore);
  }
  let done = false;
  try {
    for (;;) {
      // Only with a signal does each read race the abort: without one there is nothing to wait for.
      const next = aborted === undefined ? await iterator.next() : await Promise.race([iterator.next(), aborted]);
      if (signal?.aborted) throw abortedError(signal);
      if (next.done === true) {
        done = true;
        return;
      }
      onItem(next.value);
    }
  } catch (error) {
    if (!done) closeIterator(iterator, source, error);
    throw error;
  } finally {
    if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
  }
}

function closeIterator<T>(iterator: AsyncIterator<T>, source: AsyncIterable<T>, reason: unknown): void {
  // The OpenAI SDK's Stream carries the AbortController of its request: aborting it ends the HTTP response now.
  const controller = (source as { controller?: unknown }).controller;
  if (controller instanceof AbortController) controller.abort(reason);
  try {
    Promise.resolve(iterator.return?.()).catch(ignore);
  } catch {
    // A hostile iterator whose return() throws has nothing left to close.
  }
}

function cancelSource<T>(source: AsyncIterable<T> | ReadableStream<T>, reason: unknown): void {
  try {
    if (isReadableStream(source)) {
      if (!source.locked) source.cancel(reason).catch(ignore);
    } else {
      closeIterator(source[Symbol.asyncIterator](), source, reason);
    }
  } catch {
    // Cancelling is a courtesy to the producer; the abort is what the caller hears about.
  }
}

function isReadableStream<T>(source: AsyncIterable<T> | ReadableStream<T>): source is ReadableStream<T> {
  return typeof (source as { getReader?: unknown }).getReader === "function";
}

function abortedError(signal: AbortSignal): StreamAbortedError {
  return new StreamAbortedError("the model stream was aborted; the events read before the abort were published", {
    cause: signal.reason,
  });
}

function ignore(): void {}
