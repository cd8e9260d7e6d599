// Finding 3 of the overlay review: a VXLAN device deleted by hand must be noticed by the reconcile
// (the dumps are filtered in user space and came back empty, so the reconcile "succeeded"), so that
// berthd recreates it. Runs the real datapath in a throwaway netns.
import assert from 'node:assert/strict';
import { netlinkDatapath } from '../../../../cmd/berthd/datapath';
import { NetlinkHandle } from '../../../../lib/netlink';
import { DeviceGoneError } from '../../../../lib/overlay/datapath';
import { ip, ipJson, makeTestNetns, type TestNetns } from '../../../helpers/netns';

describe('berthd datapath: a deleted VXLAN device', () => {
  let ns: TestNetns;
  let h: NetlinkHandle | undefined;
  const peer = {
    subnet: '10.244.2.0/24', attrs: { PublicIP: '192.168.77.2', BackendType: 'vxlan' as const, BackendData: { VNI: 42, VtepMAC: '02:00:00:00:00:02' } },
  };

  beforeEach(() => {
    ns = makeTestNetns('dg');
    ip(ns.name, 'link', 'add', 'u0', 'type', 'veth', 'peer', 'name', 'u1');
    ip(ns.name, 'addr', 'add', '192.168.77.1/24', 'dev', 'u0');
    for (const l of ['u0', 'u1']) ip(ns.name, 'link', 'set', l, 'up');
    h = NetlinkHandle.open(ns);
  });
  afterEach(() => {
    h?.close();
    ns.remove();
  });

  it('reconcile throws DeviceGoneError once the device is deleted; the recreated device is programmed', async () => {
    const dp = netlinkDatapath(h!);
    const spec = {
      name: 'berth.42', vni: 42, port: 4789, local: '192.168.77.1', underlayIndex: ipJson(ns.name, 'link', 'show', 'u0')[0].ifindex,
      mtu: 1450, mac: '02:00:00:00:00:01',
    };
    const dev = await dp.ensureDevice(spec, ['10.244.1.0/24']);
    assert.equal((await dp.reconcile(dev, [peer])).added, 3);

    ip(ns.name, 'link', 'del', 'berth.42');
    await assert.rejects(dp.reconcile(dev, [peer]), (err: unknown) => err instanceof DeviceGoneError && /berth\.42/.test(err.message));

    // Another link under the old name is not our device either (its index differs).
    const again = await dp.ensureDevice(spec, ['10.244.1.0/24']);
    assert.notEqual(again.index, dev.index);
    await assert.rejects(dp.reconcile(dev, [peer]), DeviceGoneError);
    assert.equal((await dp.reconcile(again, [peer])).added, 3);
    const neighs = ipJson(ns.name, 'neigh', 'show', 'dev', 'berth.42');
    assert.deepEqual(neighs.map((n: any) => [n.dst, n.lladdr]), [['10.244.2.0', '02:00:00:00:00:02']]);
  });
});
