/**
 * The domain's one connection from the source to the destination on the direct data path
 * (direct-master.sh): logged in once, its control socket shared by every stream, held open by a
 * command on the controller's connection to the source and closed with it — when the domain
 * ends, or when the controller goes away (the command's stdin ends).
 */
import type { Remote, RemoteProcess } from '../remote/remote.js';
import { directScript, type DirectRoute } from './direct-tree.js';

const MASTER = directScript('direct-master.sh');
const READY = /^vmigrate-master (\S+)$/m;

export interface DirectMaster {
  controlPath: string;
  /** Closes the connection and removes its files on the source. */
  stop(): Promise<void>;
}

/** Opens the connection; rejects with what the source's ssh said when it cannot log in. */
export async function startMaster(
  source: Remote,
  route: Omit<DirectRoute, 'controlPath'>,
): Promise<DirectMaster> {
  const proc: RemoteProcess = await source.spawn(
    [
      'sh',
      '-c',
      MASTER,
      'vmigrate-master',
      route.hostKey,
      route.runKey,
      route.host,
      String(route.port),
      route.login,
    ],
    { forwardAgent: true },
  );
  let out = '';
  const ready = new Promise<string>((resolve) => {
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (d: string) => {
      out += d;
      const m = READY.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
  });
  const ended = proc.done.then((st) => {
    throw new Error(
      `${source.label} could not log in to ${route.label}: ${st.stderr.replaceAll('vmigrate-dest: ', '').trim() || `exit ${st.code ?? st.signal}`}`,
    );
  });
  const controlPath = await Promise.race([ready, ended]);
  ended.catch(() => {});
  return {
    controlPath,
    stop: async () => {
      proc.stdin.end();
      await proc.done;
    },
  };
}
