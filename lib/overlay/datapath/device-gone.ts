/**
 * The VXLAN device a reconcile was asked to program is not there any more (deleted by hand, or
 * replaced by another link under the same index or name). The caller recreates it: dumps filtered in
 * user space would otherwise return empty lists, and the reconcile would "succeed" on nothing.
 */
export class DeviceGoneError extends Error {
  /** The device's index as the caller knew it. */
  readonly index: number;
  /** The device's name as the caller knew it, when it knew one. */
  readonly device: string | undefined;

  constructor(index: number, device: string | undefined, detail: string, cause?: unknown) {
    super(`VXLAN device ${device ?? '(unnamed)'} (#${index}) is gone: ${detail}`, cause === undefined ? undefined : { cause });
    this.name = 'DeviceGoneError';
    this.index = index;
    this.device = device;
  }
}
