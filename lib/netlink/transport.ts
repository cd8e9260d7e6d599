/**
 * The seam between the netlink handle and the kernel: the koffi socket in production, a recording
 * fake in unit tests (so request encoding and reply handling are tested without privileges).
 */
export interface NetlinkTransport {
  /** The socket's netlink port id (the kernel fills replies' nlmsg_pid with it). */
  readonly portId: number;
  /** Sends one request on the calling thread. rtnetlink serves it inside send(), so replies are queued on return. */
  send(request: Buffer): void;
  /** Sends off the main thread, for requests the kernel serves slowly (RTM_DELLINK waits for RCU). */
  sendAsync(request: Buffer): Promise<void>;
  /** Receives one datagram (blocking, bounded by a timeout); returns a view valid until the next receive. */
  receive(): Buffer;
  close(): void;
}
