import assert from 'node:assert/strict';
import {
  MNT_DETACH, MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_PRIVATE, MS_RDONLY, MS_REC, MS_REMOUNT, MS_SLAVE,
} from '../../../../../lib/sys/mount';
import { SysError } from '../../../../../lib/sys/errno';
import { apply, planMounts, planTeardown, teardown, type PlanContext, type Syscalls } from '../../../../../lib/runtime/storage/mount-plan';
import { parseMountFlag, parseTmpfsFlag, parseVolumeFlag } from '../../../../../lib/runtime/storage/mount-spec';

/** Records every call as a line; `failOn` makes the call whose line starts with it throw. */
function recorder(failOn?: string, errno = 22): Syscalls & { calls: string[] } {
  const calls: string[] = [];
  const record = (line: string): void => {
    calls.push(line);
    if (failOn !== undefined && line.startsWith(failOn)) throw new SysError(line.split(' ')[0]!, errno, line);
  };
  return {
    calls,
    mount: (s, t, f, flags, d) => record(`mount ${s} ${t} ${f} 0x${flags.toString(16)} ${d}`),
    umount2: (t, flags) => record(`umount2 ${t} 0x${flags.toString(16)}`),
    mkdir: (p) => record(`mkdir ${p}`),
    touch: (p) => record(`touch ${p}`),
  };
}

const hex = (n: number): string => `0x${n.toString(16)}`;
const kinds: Record<string, 'directory' | 'file'> = { '/srv/data': 'directory', '/etc/hosts': 'file' };
const ctx: PlanContext = {
  rootfs: '/c/merged',
  volumePath: (name) => `/var/lib/berth/volumes/${name}/_data`,
  sourceKind: (p) => kinds[p],
};
const pathExists = (p: string): boolean => p in kinds;

describe('lib/runtime/storage/mount-plan', () => {
  it('plans bind, volume and tmpfs as exact calls, parents first, else in the given order', () => {
    const specs = [
      parseMountFlag('type=bind,src=/srv/data,dst=/data/sub,ro,bind-propagation=rslave', { pathExists }),
      parseVolumeFlag('vol1:/data'),
      parseTmpfsFlag('/tmp:size=1m,mode=1777'),
      parseMountFlag('type=bind,src=/etc/hosts,dst=/etc/hosts', { pathExists }),
    ];
    const sys = recorder();
    apply(planMounts(specs, ctx), sys);
    assert.deepEqual(sys.calls, [
      'mkdir /c/merged/data',
      `mount /var/lib/berth/volumes/vol1/_data /c/merged/data null ${hex(MS_BIND | MS_REC)} null`,
      `mount null /c/merged/data null ${hex(MS_PRIVATE | MS_REC)} null`,
      'mkdir /c/merged/tmp',
      `mount tmpfs /c/merged/tmp tmpfs ${hex(MS_NOSUID | MS_NODEV | MS_NOEXEC)} mode=1777,size=1048576`,
      'mkdir /c/merged/data/sub',
      `mount /srv/data /c/merged/data/sub null ${hex(MS_BIND | MS_REC)} null`,
      `mount null /c/merged/data/sub null ${hex(MS_REMOUNT | MS_BIND | MS_RDONLY)} null`,
      `mount null /c/merged/data/sub null ${hex(MS_SLAVE | MS_REC)} null`,
      'touch /c/merged/etc/hosts',
      `mount /etc/hosts /c/merged/etc/hosts null ${hex(MS_BIND | MS_REC)} null`,
      `mount null /c/merged/etc/hosts null ${hex(MS_PRIVATE | MS_REC)} null`,
    ]);
  });

  it('creates a missing -v bind source, and a read-only tmpfs carries MS_RDONLY without data', () => {
    const sys = recorder();
    apply(planMounts([parseVolumeFlag('/new/dir:/x'), parseTmpfsFlag('/t:ro')], ctx), sys);
    assert.deepEqual(sys.calls, [
      'mkdir /new/dir',
      'mkdir /c/merged/x',
      `mount /new/dir /c/merged/x null ${hex(MS_BIND | MS_REC)} null`,
      `mount null /c/merged/x null ${hex(MS_PRIVATE | MS_REC)} null`,
      'mkdir /c/merged/t',
      `mount tmpfs /c/merged/t tmpfs ${hex(MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY)} null`,
    ]);
  });

  it('refuses an unnamed volume and a --mount bind whose source vanished before planning', () => {
    assert.throws(() => planMounts([parseVolumeFlag('/anon')], ctx), /anonymous volume at \/anon must be created and named/);
    const spec = parseMountFlag('type=bind,src=/srv/data,dst=/d', { pathExists });
    assert.throws(() => planMounts([spec], { ...ctx, sourceKind: () => undefined }), {
      message: 'invalid mount config for type "bind": bind source path does not exist: /srv/data',
    });
  });

  it('tears down each created mount once, deepest last-mounted first, detached', () => {
    const plan = planMounts([parseVolumeFlag('v1:/a'), parseTmpfsFlag('/a/b'), parseVolumeFlag('/srv/data:/c:ro')], ctx);
    assert.deepEqual(planTeardown(plan), [
      { op: 'umount2', target: '/c/merged/a/b', flags: MNT_DETACH },
      { op: 'umount2', target: '/c/merged/c', flags: MNT_DETACH },
      { op: 'umount2', target: '/c/merged/a', flags: MNT_DETACH },
    ]);
  });

  it('undoes what it mounted when a later call fails, and rethrows the first error', () => {
    const plan = planMounts([parseVolumeFlag('v1:/a'), parseTmpfsFlag('/b')], ctx);
    const sys = recorder('mount tmpfs');
    assert.throws(() => apply(plan, sys), { name: 'SysError', code: 'EINVAL' });
    assert.deepEqual(sys.calls.slice(-2), ['mount tmpfs /c/merged/b tmpfs 0xe null', `umount2 /c/merged/a ${hex(MNT_DETACH)}`]);
  });

  it('teardown is idempotent (EINVAL: not mounted) but reports other failures', () => {
    const steps = [{ op: 'umount2', target: '/x', flags: MNT_DETACH } as const];
    assert.doesNotThrow(() => teardown(steps, recorder('umount2', 22)));
    assert.throws(() => teardown(steps, recorder('umount2', 16)), { name: 'AggregateError', message: 'teardown: 1 unmount(s) failed' });
  });
});
