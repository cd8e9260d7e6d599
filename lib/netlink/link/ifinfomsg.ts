import { AF_UNSPEC } from '../nl/constants';
import { IFINFOMSG_LEN } from './constants';

/** struct ifinfomsg, the fixed header of every RTM_*LINK message. */
export interface IfInfoMsg {
  family: number;
  /** ARPHRD_* device type. */
  type: number;
  index: number;
  flags: number;
  change: number;
}

/** Encodes struct ifinfomsg { u8 family; u8 pad; u16 type; s32 index; u32 flags; u32 change; } (host-endian). */
export function encodeIfInfoMsg({ family = AF_UNSPEC, index = 0, flags = 0, change = 0 }: Partial<IfInfoMsg> = {}): Buffer {
  const b = Buffer.alloc(IFINFOMSG_LEN);
  b.writeUInt8(family, 0);
  b.writeInt32LE(index, 4);
  b.writeUInt32LE(flags >>> 0, 8);
  b.writeUInt32LE(change >>> 0, 12);
  return b;
}

/** Decodes the ifinfomsg at the start of a message body. */
export function decodeIfInfoMsg(body: Buffer): IfInfoMsg {
  if (body.length < IFINFOMSG_LEN) throw new RangeError(`ifinfomsg of ${body.length} bytes`);
  return {
    family: body.readUInt8(0),
    type: body.readUInt16LE(2),
    index: body.readInt32LE(4),
    flags: body.readUInt32LE(8),
    change: body.readUInt32LE(12),
  };
}
