/**
 * The narrow seam between vmigrate and a server: run an argv, or stream through one.
 * Everything above this file speaks argv arrays; the command line is built by quote.ts only.
 */
import type { Duplex, Readable, Writable } from 'node:stream';

import type { Arg } from './quote.js';
import type { PipeEnd } from './stream-thread-protocol.js';

export interface ExitStatus {
  /** null when the process died of a signal or the server sent no status (treated as failure). */
  code: number | null;
  signal: string | null;
  /** Captured standard error, capped (head kept) so a chatty command cannot exhaust memory. */
  stderr: string;
  /** The connection died under the command: a retry after reconnecting may cure it. */
  lost?: boolean;
}

export interface ExecResult extends ExitStatus {
  stdout: Buffer;
  /** The command as shown in logs and errors (secrets redacted). */
  command: string;
}

export interface ExecOptions {
  stdin?: string | Buffer | Readable;
  /** Kill the remote process and fail after this many milliseconds. */
  timeoutMs?: number;
  /** Fail rather than buffer more stdout than this (default 64 MiB). */
  maxStdout?: number;
}

export interface SpawnOptions {
  /**
   * Give the command the agent its connection forwards (the direct data path's run key);
   * an error where the connection has none.
   */
  forwardAgent?: boolean;
}

export interface RemoteProcess {
  readonly stdin: Writable;
  readonly stdout: Readable;
  /** Resolves when the channel closes, whatever the exit status. */
  readonly done: Promise<ExitStatus>;
  readonly command: string;
  /** Ask the server to kill the process and close the channel. */
  kill(): void;
}

/**
 * A command one of whose ends is joined to a command on another host's stream thread
 * (stream-thread.ts): its data never passes through the main thread.
 */
export interface PipedProcess extends RemoteProcess {
  /** For the end fed by the other thread: settles once all of it was written into stdin. */
  readonly piped: Promise<void>;
}

/** A file as the server has it, read whole (small files only: control files, vpasswd). */
export interface FileRead {
  type: 'file' | 'dir' | 'link' | 'other';
  content: Buffer;
  /** Permission bits, sticky and set-id bits included. */
  mode: number;
  uid: number;
  gid: number;
}

export interface Remote {
  /** The host as the operator named it. */
  readonly label: string;
  exec(argv: readonly Arg[], options?: ExecOptions): Promise<ExecResult>;
  /** exec, throwing RemoteCommandError unless the exit status is 0. */
  run(argv: readonly Arg[], options?: ExecOptions): Promise<ExecResult>;
  spawn(argv: readonly Arg[], options?: SpawnOptions): Promise<RemoteProcess>;
  /**
   * spawn on the host's stream thread, stdout sent to or stdin fed from another host's thread
   * (the relay off the main thread); absent where the host has no stream thread.
   */
  spawnPiped?:
    | ((argv: readonly Arg[], pipe: PipeEnd, onBytes?: (n: number) => void) => Promise<PipedProcess>)
    | undefined;
  /** A TCP connection opened by the server to host:port (absent where there is no server). */
  connectFrom?(host: string, port: number): Promise<Duplex>;
  /**
   * Reads a file through SFTP, where the login itself may read it (undefined: it does not
   * exist). Absent for logins that work through sudo: their reads go through exec.
   */
  readFile?: ((path: string) => Promise<FileRead | undefined>) | undefined;
  close(): Promise<void>;
}
