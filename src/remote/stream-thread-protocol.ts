/**
 * The messages between the controller's main thread and a host's stream thread
 * (stream-thread.ts, stream-worker.ts), and between two stream threads joined by a relay.
 * Everything here is structured-clone data: no functions, no class instances.
 */
import { Buffer } from 'node:buffer';
import type { MessagePort } from 'node:worker_threads';
import type { HostSpec } from '../ssh/host-spec.js';
import type { ChannelExit } from '../ssh/pool.js';

/** Where a channel's data goes besides the main thread: another stream thread, through `port`. */
export type PipeEnd = { stdoutTo: MessagePort } | { stdinFrom: MessagePort };

export type ToWorker =
  | {
      type: 'open';
      spec: HostSpec;
      /** The host key the main thread's connection verified: the worker's must be the same. */
      fingerprint: string;
    }
  | { type: 'exec'; id: number; command: string; stdoutTo?: MessagePort; stdinFrom?: MessagePort }
  | { type: 'stdin'; id: number; data: Uint8Array }
  | { type: 'stdin-end'; id: number }
  /** Nobody reads the channel's stdout any more (a kill): drain it so that it can close. */
  | { type: 'resume'; id: number }
  | { type: 'passphrase'; request: number; passphrase: string | undefined }
  | { type: 'cut' }
  | { type: 'close' };

/** An error as it crosses threads: enough to rebuild the same kind of VmigrateError. */
export interface WorkerError {
  name: string;
  message: string;
  hint?: string | undefined;
  transient?: boolean | undefined;
}

export type FromWorker =
  | { type: 'opened' }
  | { type: 'open-failed'; error: WorkerError }
  | { type: 'exec-failed'; id: number; error: WorkerError }
  | { type: 'started'; id: number }
  | { type: 'stdout'; id: number; data: Uint8Array }
  | { type: 'stderr'; id: number; data: Uint8Array }
  /** Bytes that went into the channel from the other thread (progress). */
  | { type: 'bytes'; id: number; n: number }
  /** The relay into this channel ended: undefined when every byte arrived and was written. */
  | { type: 'piped'; id: number; error: WorkerError | undefined }
  | { type: 'closed'; id: number; exit: ChannelExit }
  | { type: 'passphrase'; request: number; file: string }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; fields: Record<string, unknown>; msg: string }
  /** Its connections closed; the CPU time the thread spent, where the system says it. */
  | { type: 'closed-all'; cpuSeconds: number | undefined };

/** Between the two stream threads of one relay, over its MessageChannel. */
export type PeerMessage =
  /** A chunk of the archive, its ArrayBuffer transferred. */
  | { chunk: ArrayBuffer }
  /** The archive ended. */
  | { end: true }
  /** The source's channel closed before its stdout ended (a lost connection): no clean end. */
  | { abort: true }
  /** The receiving side took this many bytes off the port (flow control). */
  | { ack: number }
  /** The receiving side is gone: discard what remains (still read, so its channel can close). */
  | { gone: true };

/** The bytes of a message's data as a Buffer, without a copy. */
export function asBuffer(data: Uint8Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
