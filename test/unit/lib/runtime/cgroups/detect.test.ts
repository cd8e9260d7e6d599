import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { parseCgroupLayout, detectCgroupLayout, createCgroupManager } from '../../../../../lib/runtime/cgroups';

// This project's CI host: v1 controllers plus a cgroup2 mount that holds only hugetlb.
const HYBRID = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime shared:9 - cgroup cgroup rw,freezer
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;

describe('lib/runtime/cgroups/detect', () => {
  it('reads a hybrid host: v1 controllers, named hierarchies ignored, the unified mount noted', () => {
    const layout = parseCgroupLayout(HYBRID);
    assert.equal(layout.mode, 'hybrid');
    assert.equal(layout.unified, '/sys/fs/cgroup/unified');
    assert.deepEqual(layout.v1, {
      cpu: '/sys/fs/cgroup/cpu', cpuacct: '/sys/fs/cgroup/cpuacct', memory: '/sys/fs/cgroup/memory', freezer: '/sys/fs/cgroup/freezer',
    });
    assert.equal(createCgroupManager('berth/x', { layout }).version, 'v1');
  });

  it('reads a pure v1 host with co-mounted controllers and escaped paths', () => {
    const layout = parseCgroupLayout('25 20 0:22 / /sys/fs/cgroup/cpu\\054cpuacct rw shared:8 - cgroup cgroup rw,cpu,cpuacct\n'
      + '26 20 0:23 / /cg\\040x/pids rw - cgroup cgroup rw,pids\n');
    assert.equal(layout.mode, 'v1');
    assert.equal(layout.v1.cpu, '/sys/fs/cgroup/cpu,cpuacct');
    assert.equal(layout.v1.cpuacct, '/sys/fs/cgroup/cpu,cpuacct');
    assert.equal(layout.v1.pids, '/cg x/pids');
    assert.equal(layout.unified, undefined);
  });

  it('reads a unified (v2) host and picks the v2 manager', () => {
    const layout = parseCgroupLayout('30 23 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n');
    assert.deepEqual(layout, { mode: 'v2', v1: {}, unified: '/sys/fs/cgroup' });
    assert.equal(createCgroupManager('berth/x', { layout }).version, 'v2');
  });

  it('refuses a host without any cgroup mount', () => {
    assert.throws(() => parseCgroupLayout('22 1 0:5 / /proc rw - proc proc rw\n'), /no cgroup filesystem/);
  });

  it('reads an injected mountinfo file', () => {
    const dir = fs.mkdtempSync(join(os.tmpdir(), 'berth-mi-'));
    try {
      fs.writeFileSync(join(dir, 'mountinfo'), HYBRID);
      assert.equal(detectCgroupLayout(join(dir, 'mountinfo')).mode, 'hybrid');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
