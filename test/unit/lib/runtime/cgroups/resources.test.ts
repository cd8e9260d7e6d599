import assert from 'node:assert/strict';
import {
  ResourceError, validateResources, cpusToQuota, cpuSharesToWeight, blkioWeightToIoWeight, memorySwapToV2, pidsMaxValue,
  formatDeviceRule, type Resources,
} from '../../../../../lib/runtime/cgroups';

const MiB = 1024 * 1024;

function rejects(r: Resources, flag: string, message: RegExp): void {
  assert.throws(() => validateResources(r), (err: unknown) => {
    assert.ok(err instanceof ResourceError);
    assert.equal(err.flag, flag);
    assert.match(err.message, message);
    assert.ok(err.message.startsWith(`invalid ${flag}: `));
    return true;
  });
}

describe('lib/runtime/cgroups/resources', () => {
  it('accepts a full, consistent set of resources', () => {
    validateResources({
      memory: 64 * MiB, memorySwap: 128 * MiB, cpus: cpusToQuota(0.5), cpuShares: 512, cpusetCpus: '0-1,3', cpusetMems: '0',
      pidsLimit: 0, blkioWeight: 500, deviceReadBps: [{ major: 8, minor: 0, rate: 1048576 }], devices: [{ type: 'c', major: 1, minor: '*', access: 'rwm' }],
      netClsClassid: 0x100001, netPrioIfpriomap: [{ ifname: 'eth0', priority: 5 }],
    });
    validateResources({ memory: -1, memorySwap: -1 });
    validateResources({});
  });

  it('refuses memory below Docker\'s 6MB minimum', () => {
    rejects({ memory: 6 * MiB - 1 }, '--memory', /^invalid --memory: Minimum memory limit allowed is 6MB$/);
    validateResources({ memory: 6 * MiB });
  });

  it('refuses swap below memory or without memory', () => {
    rejects({ memory: 64 * MiB, memorySwap: 32 * MiB }, '--memory-swap', /Minimum memoryswap limit should be larger than memory limit/);
    rejects({ memorySwap: 64 * MiB }, '--memory-swap', /always set the Memory limit/);
    validateResources({ memory: 64 * MiB, memorySwap: 64 * MiB });
  });

  it('turns --cpus into a quota over the 100ms period and refuses zero or less', () => {
    assert.deepEqual(cpusToQuota(1.5), { quota: 150000, period: 100000 });
    assert.deepEqual(cpusToQuota(0.01), { quota: 1000, period: 100000 });
    assert.throws(() => cpusToQuota(0), (e: unknown) => e instanceof ResourceError && e.flag === '--cpus');
    assert.throws(() => cpusToQuota(-1), /invalid --cpus/);
    rejects({ cpus: { quota: 0, period: 100000 } }, '--cpus', /greater than 0/);
    rejects({ cpus: { quota: 500, period: 100000 } }, '--cpus', /less than 1ms/);
    rejects({ cpus: { quota: 5000, period: 100 } }, '--cpu-period', /period/);
    validateResources({ cpus: { quota: -1, period: 100000 } });
  });

  it('checks shares, cpuset lists, blkio weight, devices and net values', () => {
    rejects({ cpuShares: 1 }, '--cpu-shares', /2 to 262144/);
    rejects({ cpusetCpus: '0-' }, '--cpuset-cpus', /Invalid value 0- for cpuset cpus/);
    rejects({ cpusetMems: 'a' }, '--cpuset-mems', /Invalid value a for cpuset mems/);
    rejects({ blkioWeight: 5 }, '--blkio-weight', /^invalid --blkio-weight: Range of blkio weight is from 10 to 1000$/);
    validateResources({ blkioWeight: 0 });
    rejects({ deviceWriteBps: [{ major: 8, minor: 0, rate: -1 }] }, '--device-write-bps', /negative/);
    rejects({ devices: [{ type: 'c', major: 1, minor: 3, access: 'rx' }] }, '--device-cgroup-rule', /access "rx"/);
    rejects({ devices: [{ type: 'c', major: 1, minor: 3, access: 'rr' }] }, '--device-cgroup-rule', /access "rr"/);
    rejects({ netClsClassid: 2 ** 32 }, '--net-cls-classid', /32 bits/);
    rejects({ netPrioIfpriomap: [{ ifname: 'a b', priority: 1 }] }, '--net-prio', /interface name/);
    rejects({ pidsLimit: 1.5 }, '--pids-limit', /not an integer/);
  });

  it('converts cpu.shares to cpu.weight with runc\'s quadratic', () => {
    assert.equal(cpuSharesToWeight(0), 0);
    assert.equal(cpuSharesToWeight(2), 1);
    assert.equal(cpuSharesToWeight(512), 59);
    assert.equal(cpuSharesToWeight(1024), 100);
    assert.equal(cpuSharesToWeight(2048), 174);
    assert.equal(cpuSharesToWeight(262144), 10000);
  });

  it('converts blkio weight, swap and pids limits to their v2 spellings', () => {
    assert.equal(blkioWeightToIoWeight(10), 1);
    assert.equal(blkioWeightToIoWeight(500), 4950);
    assert.equal(blkioWeightToIoWeight(1000), 10000);
    assert.equal(memorySwapToV2(64 * MiB, 128 * MiB), String(64 * MiB));
    assert.equal(memorySwapToV2(64 * MiB, -1), 'max');
    assert.equal(memorySwapToV2(64 * MiB, undefined), undefined);
    assert.equal(pidsMaxValue(0), 'max');
    assert.equal(pidsMaxValue(-1), 'max');
    assert.equal(pidsMaxValue(100), '100');
    assert.equal(formatDeviceRule({ type: 'b', major: '*', minor: '*', access: 'm' }), 'b *:* m');
  });
});
