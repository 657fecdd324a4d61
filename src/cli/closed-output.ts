/**
 * `vmigrate plan … 2>&1 | head -2`: the reader went away. What the command does must not fail
 * because of that (a move goes on; its result is in the state store and the log), and the
 * process must not die of an EPIPE error on stdout or stderr: output after that point is
 * dropped. (oclif swallows EPIPE on stdout only; the notes and the log path go to stderr.)
 */
let installed = false;

export function ignoreClosedOutput(): void {
  if (installed) return;
  installed = true;
  for (const stream of [process.stdout, process.stderr])
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return;
      throw err;
    });
}
