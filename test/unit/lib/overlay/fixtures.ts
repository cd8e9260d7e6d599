// Leases and configs for the overlay unit tests.
import type { Lease, LeaseAttrs, OverlayConfig } from '../../../../lib/overlay/types';

/** A vxlan config on `network` with /`subnetLen` subnets. */
export function config(network = '10.244.0.0/16', subnetLen = 24): OverlayConfig {
  return { Network: network, SubnetLen: subnetLen, Backend: { Type: 'vxlan', VNI: 1, Port: 4789 } };
}

/** Lease attrs of a node at `ip`; the MAC's last byte defaults to the IP's. */
export function attrs(ip: string, macByte?: number): LeaseAttrs {
  const b = (macByte ?? Number(ip.split('.').at(-1))).toString(16).padStart(2, '0');
  return { PublicIP: ip, BackendType: 'vxlan', BackendData: { VNI: 1, VtepMAC: `0a:00:00:00:00:${b}` } };
}

/** A lease of `subnet` for the node at `ip`. */
export function lease(subnet: string, ip: string, macByte?: number, expiresAt?: number): Lease {
  return expiresAt === undefined ? { subnet, attrs: attrs(ip, macByte) } : { subnet, attrs: attrs(ip, macByte), expiresAt };
}
