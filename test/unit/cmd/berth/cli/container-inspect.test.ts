import assert from 'node:assert/strict';
import { dockerContainerInspect, formatInspect } from '../../../../../cmd/berth/cli/container-inspect';
import { newContainerId, randomName, ADJECTIVES, SURNAMES } from '../../../../../cmd/berth/cli/names';
import type { ContainerRecord } from '../../../../../lib/runtime/container/types';

const ID = 'a'.repeat(64);
const REC: ContainerRecord = {
  config: {
    id: ID, name: 'web', image: 'busybox', imageId: 'b'.repeat(64), command: ['sleep', '60'], env: ['PATH=/bin', 'A=1'],
    workingDir: '/', hostname: 'aaaaaaaaaaaa', network: { kind: 'network', name: 'bridge' },
    mounts: [
      { type: 'bind', source: '/srv', target: '/s', readonly: true, propagation: 'rprivate', createSource: true },
      { type: 'bind', source: '/opt', target: '/o', readonly: false, propagation: 'rshared', createSource: false },
      { type: 'volume', name: 'data', target: '/data', readonly: false, noCopy: false, options: {} },
      { type: 'tmpfs', target: '/run', readonly: false, sizeBytes: 65536, mode: 0o1770 },
    ],
    resources: { memory: 64 * 2 ** 20, cpus: { quota: 150000, period: 100000 }, pidsLimit: 100, deviceReadBps: [{ major: 8, minor: 0, rate: 1048576 }] },
    autoRemove: true, created: '2026-01-01T00:00:00.000Z',
  },
  state: {
    status: 'running', pid: 4242, exitCode: 0, oomKilled: false, startedAt: '2026-01-01T00:00:01.000Z', finishedAt: '0001-01-01T00:00:00Z',
    error: '', netns: '/run/berth/netns/aaaa', attachments: [],
  },
};

describe('cmd/berth/cli/container-inspect', () => {
  it('builds Docker\'s inspect element (golden)', () => {
    const got = dockerContainerInspect(REC, {
      logPath: `/var/lib/berth/containers/${ID}/${ID}-json.log`,
      rootfs: { lower: '/l', upper: '/u', work: '/w', merged: '/m' },
      imageId: 'b'.repeat(64),
      volumesDir: '/var/lib/berth/volumes',
      networks: { bridge: { NetworkID: 'n'.repeat(64), EndpointID: 'e'.repeat(64), MacAddress: '02:42:0a:57:00:02', IPAddress: '10.87.0.2', IPPrefixLen: 16, Gateway: '10.87.0.1' } },
    }) as Record<string, any>;
    assert.equal(got.Id, ID);
    assert.equal(got.Path, 'sleep');
    assert.deepEqual(got.Args, ['60']);
    assert.deepEqual(got.State, {
      Status: 'running', Running: true, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 4242, ExitCode: 0, Error: '',
      StartedAt: '2026-01-01T00:00:01.000Z', FinishedAt: '0001-01-01T00:00:00Z',
    });
    assert.equal(got.Image, `sha256:${'b'.repeat(64)}`);
    assert.equal(got.ResolvConfPath, `/var/lib/berth/containers/${ID}/resolv.conf`);
    assert.equal(got.Name, '/web');
    assert.equal(got.Driver, 'overlay2');
    assert.equal(got.Platform, 'linux');
    const hc = got.HostConfig;
    assert.deepEqual(hc.Binds, ['/srv:/s:ro', 'data:/data']);
    assert.deepEqual(hc.Mounts, [{ Type: 'bind', Source: '/opt', Target: '/o', ReadOnly: false }]);
    assert.deepEqual(hc.Tmpfs, { '/run': 'size=65536,mode=1770' });
    assert.equal(hc.NetworkMode, 'bridge');
    assert.equal(hc.AutoRemove, true);
    assert.equal(hc.Memory, 64 * 2 ** 20);
    assert.equal(hc.MemorySwap, 0);
    assert.equal(hc.NanoCpus, 1_500_000_000);
    assert.equal(hc.CpuQuota, 0);
    assert.equal(hc.PidsLimit, 100);
    assert.deepEqual(hc.BlkioDeviceReadBps, [{ Path: '8:0', Rate: 1048576 }]);
    assert.deepEqual(got.GraphDriver, { Data: { LowerDir: '/l', MergedDir: '/m', UpperDir: '/u', WorkDir: '/w' }, Name: 'overlay2' });
    assert.deepEqual(got.Mounts, [
      { Type: 'bind', Source: '/srv', Destination: '/s', Mode: 'ro', RW: false, Propagation: 'rprivate' },
      { Type: 'bind', Source: '/opt', Destination: '/o', Mode: '', RW: true, Propagation: 'rshared' },
      { Type: 'volume', Name: 'data', Source: '/var/lib/berth/volumes/data/_data', Destination: '/data', Driver: 'local', Mode: 'z', RW: true, Propagation: '' },
      { Type: 'tmpfs', Source: '', Destination: '/run', Mode: '', RW: true, Propagation: '' },
    ]);
    assert.deepEqual(
      [got.Config.Hostname, got.Config.Env, got.Config.Cmd, got.Config.Image, got.Config.WorkingDir, got.Config.Entrypoint],
      ['aaaaaaaaaaaa', ['PATH=/bin', 'A=1'], ['sleep', '60'], 'busybox', '/', null],
    );
    const ns = got.NetworkSettings;
    assert.equal(ns.SandboxKey, '/run/berth/netns/aaaa');
    assert.deepEqual([ns.IPAddress, ns.IPPrefixLen, ns.Gateway, ns.MacAddress], ['10.87.0.2', 16, '10.87.0.1', '02:42:0a:57:00:02']);
    assert.equal(ns.Networks.bridge.IPAddress, '10.87.0.2');
    assert.equal(ns.Networks.bridge.NetworkID, 'n'.repeat(64));
    assert.equal(ns.Networks.bridge.Aliases, null);
  });

  it('shows a paused, exited or host-network container as Docker does', () => {
    const paused = dockerContainerInspect({ ...REC, state: { ...REC.state, status: 'paused' } }, { logPath: '/x/log', imageId: 'sha256:c', networks: {} }) as Record<string, any>;
    assert.equal(paused.State.Running, true);
    assert.equal(paused.State.Paused, true);
    assert.equal(paused.Image, 'sha256:c');
    assert.equal(paused.GraphDriver.Data, null);
    assert.equal(paused.NetworkSettings.IPAddress, '');
    const host = dockerContainerInspect({ ...REC, config: { ...REC.config, network: { kind: 'container', container: 'db' }, mounts: [], resources: {} } }, { logPath: '/x/log', imageId: 'c', networks: {} }) as Record<string, any>;
    assert.equal(host.HostConfig.NetworkMode, 'container:db');
    assert.equal(host.HostConfig.Binds, null);
    assert.equal(host.HostConfig.PidsLimit, null);
    assert.equal(host.HostConfig.NanoCpus, 0);
  });

  it('prints inspect output as a 4-space-indented JSON array', () => {
    assert.equal(formatInspect([]), '[]\n');
    assert.equal(formatInspect([{ A: 1 }]), '[\n    {\n        "A": 1\n    }\n]\n');
  });

  it('makes Docker-style names and ids', () => {
    assert.ok(ADJECTIVES.length >= 50 && SURNAMES.length >= 50);
    assert.match(randomName(), /^[a-z]+_[a-z]+$/);
    assert.match(randomName(1), /^[a-z]+_[a-z]+\d$/);
    // A picker that would produce boring_wozniak first must get another name.
    const seq = [ADJECTIVES.indexOf('boring'), SURNAMES.indexOf('wozniak'), 0, 0];
    assert.equal(randomName(0, () => seq.shift()!), `${ADJECTIVES[0]}_${SURNAMES[0]}`);
    assert.match(newContainerId(), /^[0-9a-f]{64}$/);
    const draws = [Buffer.alloc(32, 0x11), Buffer.alloc(32, 0xab)];
    assert.equal(newContainerId(() => draws.shift()!), 'ab'.repeat(32));
  });
});
