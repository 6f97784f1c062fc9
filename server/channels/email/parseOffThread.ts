import { Worker } from 'node:worker_threads';
import type { InboundMessage } from '../types.ts';
import { parseMail } from './parser.ts';

/**
 * postal-mime parses a whole message in one synchronous run: ~3 ms for a typical 20 KB mail, but a
 * third of a second for a 10 MB one, during which this process would answer no API request, no
 * socket and no SMTP client. So a large mail is parsed on a worker thread (one per process, started
 * on first need, its work queued); small ones stay here, where a thread hop would cost more than it
 * saves. Invariant: the result is exactly parseMail's, whichever side ran it.
 */
const OFF_THREAD_BYTES = 256 * 1024;

let worker: Worker | null = null;
let nextId = 0;
const waiting = new Map<number, { resolve: (m: InboundMessage) => void; reject: (e: Error) => void }>();

function parseWorker(): Worker {
  if (worker) return worker;
  const started = new Worker(new URL('./parseWorkerEntry.js', import.meta.url));
  // The thread must not keep a process alive that is otherwise done (CLI commands, tests).
  started.unref();
  started.on('message', ({ id, message, error }: { id: number; message?: InboundMessage; error?: string }) => {
    const call = waiting.get(id);
    waiting.delete(id);
    if (!call) return;
    if (error !== undefined) call.reject(new Error(error));
    else call.resolve(revive(message!));
  });
  // A crashed thread fails what it held (the jobs retry) and the next large mail starts a new one.
  const fail = (err: Error) => {
    if (worker === started) worker = null;
    for (const call of waiting.values()) call.reject(err);
    waiting.clear();
  };
  started.on('error', fail);
  started.on('exit', (code) => fail(new Error(`mail parser thread exited (${code})`)));
  return (worker = started);
}

/** Structured cloning turns Buffers into plain Uint8Arrays: make them Buffers again. */
function revive(message: InboundMessage): InboundMessage {
  return { ...message, attachments: message.attachments.map((a) => ({ ...a, content: Buffer.from(a.content.buffer, a.content.byteOffset, a.content.byteLength) })) };
}

/** parseMail, on a worker thread for mail large enough to stall the event loop. */
export function parseMailOffThread(raw: Buffer): Promise<InboundMessage> {
  if (raw.length < OFF_THREAD_BYTES) return parseMail(raw);
  const id = nextId++;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    parseWorker().postMessage({ id, raw });
  });
}
