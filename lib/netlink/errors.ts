import { errnoName } from '../sys';

/**
 * The kernel refused a netlink request. Shaped like a SysError (`code` is the errno name) so callers
 * test `err.code === 'EEXIST'` whatever layer failed; `extack` is the kernel's own explanation.
 */
export class NetlinkError extends Error {
  readonly code: string;
  readonly errno: number;
  /** What was asked, e.g. `RTM_NEWLINK "br0"`. */
  readonly op: string;
  readonly extack: string | undefined;

  constructor(op: string, errno: number, extack?: string) {
    const code = errnoName(errno);
    super(`${op}: ${code}${extack ? ` (${extack})` : ''}`);
    this.name = 'NetlinkError';
    this.code = code;
    this.errno = errno;
    this.op = op;
    this.extack = extack;
  }
}

/** No link has the given name or index. */
export class LinkNotFoundError extends Error {
  readonly code = 'ENODEV';
  readonly link: string | number;
  constructor(link: string | number, options?: { cause?: unknown }) {
    super(`link ${typeof link === 'string' ? JSON.stringify(link) : `index ${link}`} not found`, options);
    this.name = 'LinkNotFoundError';
    this.link = link;
  }
}

/** True for a LinkNotFoundError (by name, so two bundled copies agree). */
export function isLinkNotFound(err: unknown): err is LinkNotFoundError {
  return err instanceof Error && err.name === 'LinkNotFoundError';
}
