/**
 * An ssh-agent inside the controller that holds the run's keys (one per grant), made in memory
 * for one run and never written anywhere. Forwarded to the source over the controller's own
 * connection, it lets the source's `ssh` log in to the destination for the direct data path
 * without any lasting secret on either server: the private keys never leave this process, the
 * agent answers only while the run's connection is open, and it signs with those keys alone
 * (it holds nothing else, so a forwarded socket on the source can reach nothing of the
 * operator's).
 */
import ssh2 from 'ssh2';
import type { AgentInboundRequest, ParsedKey } from 'ssh2';
import { Duplex } from 'node:stream';

const { AgentProtocol, BaseAgent, utils } = ssh2;

/** The public blob of an ed25519 key: its type's name and 32 bytes, each with its length. */
const ED25519_BLOB = 4 + 'ssh-ed25519'.length + 4 + 32;

/**
 * A fresh ed25519 pair: the private key parsed, the public one as authorized_keys names it.
 * ssh2's generator drops a leading zero byte of the public key (about one key in 300 comes out
 * 31 bytes long, which nothing can parse): such a pair is made again.
 */
function keyPair(): { key: ParsedKey; publicKey: string } {
  for (;;) {
    const pair = utils.generateKeyPairSync('ed25519');
    const pub = utils.parseKey(pair.public);
    const key = utils.parseKey(pair.private);
    if (pub instanceof Error || key instanceof Error) continue;
    const blob = pub.getPublicSSH();
    if (blob.length !== ED25519_BLOB || !key.getPublicSSH().equals(blob)) continue;
    return { key, publicKey: `${pub.type} ${blob.toString('base64')}` };
  }
}

export class EphemeralAgent extends BaseAgent<ParsedKey> {
  readonly #keys: ParsedKey[] = [];
  /** `ssh-ed25519 AAAA…`, without a comment: what an authorized_keys line names. The first key. */
  readonly publicKey: string;
  /** How many signatures it has made: each is one login by the source's ssh. */
  signatures = 0;

  constructor() {
    super();
    this.publicKey = this.addKey();
  }

  /**
   * One more key, for one more grant: sshd applies the first authorized_keys line whose key
   * matches, so two grants (two domains moved at once) must not share a key.
   */
  addKey(): string {
    const { key, publicKey } = keyPair();
    this.#keys.push(key);
    return publicKey;
  }

  /** A grant's key, once its line is gone: nothing signs with it any more. */
  dropKey(publicKey: string): void {
    const blob = Buffer.from(publicKey.split(' ')[1] ?? '', 'base64');
    const at = this.#keys.findIndex((k) => k.getPublicSSH().equals(blob));
    if (at >= 0) this.#keys.splice(at, 1);
  }

  getIdentities(cb: (err: Error | undefined, keys?: ParsedKey[]) => void): void {
    cb(undefined, [...this.#keys]);
  }

  sign(
    pubKey: ParsedKey,
    data: Buffer,
    options: { hash?: string } | ((err?: Error, sig?: Buffer) => void),
    cb?: (err?: Error, sig?: Buffer) => void,
  ): void {
    const done = typeof options === 'function' ? options : cb;
    const hash = typeof options === 'function' ? undefined : options.hash;
    const sig = this.#signWith(pubKey, data, hash);
    done?.(sig instanceof Error ? sig : undefined, sig instanceof Error ? undefined : sig);
  }

  /** The agent protocol for a forwarded channel: the run's keys and their signatures, nothing else. */
  override getStream(cb: (err: Error | undefined, stream?: Duplex) => void): void {
    cb(undefined, onlyKnownRequests(this.#protocol()));
  }

  #protocol(): InstanceType<typeof AgentProtocol> {
    const protocol = new AgentProtocol(false);
    protocol.on('identities', (req: AgentInboundRequest) =>
      protocol.getIdentitiesReply(req, [...this.#keys]),
    );
    protocol.on(
      'sign',
      (req: AgentInboundRequest, pubKey: ParsedKey, data: Buffer, flags: { hash?: string }) => {
        const sig = this.#signWith(pubKey, data, flags.hash);
        if (sig instanceof Error) protocol.failureReply(req);
        else protocol.signReply(req, sig);
      },
    );
    return protocol;
  }

  #signWith(pubKey: ParsedKey, data: Buffer, hash: string | undefined): Buffer | Error {
    // By the public blob: ssh2's equals() of a private and a public key is false.
    const key = this.#keys.find((k) => k.getPublicSSH().equals(pubKey.getPublicSSH()));
    if (!key) return new Error("not one of the run's keys");
    this.signatures += 1;
    return key.sign(data, hash);
  }
}

const REQUEST_IDENTITIES = 11;
const SIGN_REQUEST = 13;
const FAILURE = Buffer.from([0, 0, 0, 1, 5]);

/**
 * The agent's side of a forwarded channel, answering FAILURE itself to every request but the
 * two it serves. OpenSSH's ssh first asks an agent to bind to the session
 * (session-bind@openssh.com, an extension); ssh2's AgentProtocol answers an unknown request
 * without skipping its body and then misreads the next one, so such a request never reaches
 * it. The agent client waits for each answer, so answers stay in order.
 */
function onlyKnownRequests(protocol: InstanceType<typeof AgentProtocol>): Duplex {
  let pending = Buffer.alloc(0);
  const outer: Duplex = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, done) {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 5) {
        const length = pending.readUInt32BE(0);
        if (pending.length < 4 + length) break;
        const message = pending.subarray(0, 4 + length);
        pending = pending.subarray(4 + length);
        const type = message[4];
        if (type === REQUEST_IDENTITIES || type === SIGN_REQUEST) protocol.write(message);
        else outer.push(FAILURE);
      }
      done();
    },
    final(done) {
      protocol.end();
      done();
    },
  });
  protocol.on('data', (d: Buffer) => outer.push(d));
  protocol.on('end', () => outer.push(null));
  protocol.on('error', (e: Error) => outer.destroy(e));
  return outer;
}
