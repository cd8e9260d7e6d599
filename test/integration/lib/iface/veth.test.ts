// setupVeth in throwaway netns: a pair it cannot read back (the kernel renamed the container end from
// a name template such as `eth%d`) is deleted before the error is thrown, so no caller can leak the
// host end; the host end is named as asked first.
import assert from 'node:assert/strict';
import { NetlinkHandle } from '../../../../lib/netlink/handle';
import { setupVeth } from '../../../../lib/iface/veth';
import { ipJson, useNetnsPair } from '../../../helpers/netns';

const veths = (ns: string): string[] => (ipJson(ns, 'link', 'show') as any[]).filter((l) => l.linkinfo?.info_kind === 'veth').map((l) => l.ifname);

describe('lib/iface setupVeth (integration)', () => {
  const ns = useNetnsPair();
  const handles = () => [NetlinkHandle.open(ns.host), NetlinkHandle.open(ns.container)] as const;

  it('names the host end hostNameFirst, and another one when that is taken', async () => {
    const [host, ctr] = handles();
    try {
      const a = await setupVeth(host, { ifName: 'eth0', containerNs: ns.container, container: ctr, hostNameFirst: 'vethfeedbeef' });
      assert.equal(a.host.name, 'vethfeedbeef');
      const b = await setupVeth(host, { ifName: 'eth1', containerNs: ns.container, container: ctr, hostNameFirst: 'vethfeedbeef' });
      assert.match(b.host.name, /^veth[0-9a-f]{8}$/);
      assert.notEqual(b.host.name, 'vethfeedbeef');
    } finally {
      host.close();
      ctr.close();
    }
  });

  it('a container end the kernel renamed (eth%d) cannot be read back: the pair is deleted, then the error thrown', async () => {
    const [host, ctr] = handles();
    try {
      await assert.rejects(setupVeth(host, { ifName: 'eth%d', containerNs: ns.container, container: ctr, hostNameFirst: 'vethfeedbeef' }));
      assert.deepEqual(veths(ns.host.name), [], 'no host end left');
      assert.deepEqual(veths(ns.container.name), [], 'no container end left');
    } finally {
      host.close();
      ctr.close();
    }
  });
});
