import type { NlMessage } from '../nl/message';
import { attrMap, attrU8, attrU16, attrU32 } from '../nl/attrs';
import type { BridgeAttrs } from './types';
import { prune } from './prune';

/** IFLA_INFO_DATA attributes of kind "bridge" (<linux/if_link.h>). */
export const IFLA_BR_FORWARD_DELAY = 1;
export const IFLA_BR_HELLO_TIME = 2;
export const IFLA_BR_MAX_AGE = 3;
export const IFLA_BR_AGEING_TIME = 4;
export const IFLA_BR_STP_STATE = 5;
export const IFLA_BR_PRIORITY = 6;
export const IFLA_BR_VLAN_FILTERING = 7;
export const IFLA_BR_GROUP_FWD_MASK = 9;
export const IFLA_BR_MCAST_SNOOPING = 23;
export const IFLA_BR_MCAST_QUERIER = 25;
export const IFLA_BR_NF_CALL_IPTABLES = 36;
export const IFLA_BR_VLAN_DEFAULT_PVID = 39;

/** Appends the IFLA_BR_* children of IFLA_INFO_DATA for the settings given (in attribute order). */
export function encodeBridgeData(m: NlMessage, b: BridgeAttrs): void {
  if (b.forwardDelay !== undefined) m.u32(IFLA_BR_FORWARD_DELAY, b.forwardDelay);
  if (b.helloTime !== undefined) m.u32(IFLA_BR_HELLO_TIME, b.helloTime);
  if (b.maxAge !== undefined) m.u32(IFLA_BR_MAX_AGE, b.maxAge);
  if (b.ageingTime !== undefined) m.u32(IFLA_BR_AGEING_TIME, b.ageingTime);
  if (b.stp !== undefined) m.u32(IFLA_BR_STP_STATE, b.stp ? 1 : 0);
  if (b.priority !== undefined) m.u16(IFLA_BR_PRIORITY, b.priority);
  if (b.vlanFiltering !== undefined) m.u8(IFLA_BR_VLAN_FILTERING, b.vlanFiltering ? 1 : 0);
  if (b.groupFwdMask !== undefined) m.u16(IFLA_BR_GROUP_FWD_MASK, b.groupFwdMask);
  if (b.mcastSnooping !== undefined) m.u8(IFLA_BR_MCAST_SNOOPING, b.mcastSnooping ? 1 : 0);
  if (b.mcastQuerier !== undefined) m.u8(IFLA_BR_MCAST_QUERIER, b.mcastQuerier ? 1 : 0);
  if (b.nfCallIptables !== undefined) m.u8(IFLA_BR_NF_CALL_IPTABLES, b.nfCallIptables ? 1 : 0);
  if (b.vlanDefaultPvid !== undefined) m.u16(IFLA_BR_VLAN_DEFAULT_PVID, b.vlanDefaultPvid);
}

/** True when any setting would be encoded (an empty IFLA_INFO_DATA is left out). */
export function hasBridgeData(b: BridgeAttrs | undefined): b is BridgeAttrs {
  return b !== undefined && Object.values(b).some((v) => v !== undefined);
}

/** Decodes the IFLA_INFO_DATA payload of a bridge. Absent attributes stay undefined. */
export function decodeBridgeData(data: Buffer | undefined): BridgeAttrs {
  if (!data) return {};
  const a = attrMap(data);
  const bool = (t: number): boolean | undefined => {
    const v = t === IFLA_BR_STP_STATE ? attrU32(a.get(t)) : attrU8(a.get(t));
    return v === undefined ? undefined : v !== 0;
  };
  return prune({
    forwardDelay: attrU32(a.get(IFLA_BR_FORWARD_DELAY)),
    helloTime: attrU32(a.get(IFLA_BR_HELLO_TIME)),
    maxAge: attrU32(a.get(IFLA_BR_MAX_AGE)),
    ageingTime: attrU32(a.get(IFLA_BR_AGEING_TIME)),
    stp: bool(IFLA_BR_STP_STATE),
    priority: attrU16(a.get(IFLA_BR_PRIORITY)),
    vlanFiltering: bool(IFLA_BR_VLAN_FILTERING),
    groupFwdMask: attrU16(a.get(IFLA_BR_GROUP_FWD_MASK)),
    mcastSnooping: bool(IFLA_BR_MCAST_SNOOPING),
    mcastQuerier: bool(IFLA_BR_MCAST_QUERIER),
    nfCallIptables: bool(IFLA_BR_NF_CALL_IPTABLES),
    vlanDefaultPvid: attrU16(a.get(IFLA_BR_VLAN_DEFAULT_PVID)),
  });
}

