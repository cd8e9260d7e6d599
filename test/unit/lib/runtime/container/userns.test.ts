import assert from 'node:assert/strict';
import { hostIdOf, idMapText, mapProblem, mappedRoot } from '../../../../../lib/runtime/container/userns';
import { initCommand } from '../../../../../lib/runtime/container/spawn-init';
import { mappingKey } from '../../../../../lib/runtime/container/remapped-rootfs';

describe('lib/runtime/container/userns', () => {
  const maps = [{ containerId: 0, hostId: 100000, size: 1000 }, { containerId: 1000, hostId: 5000, size: 1 }];

  it('writes the maps as /proc/<pid>/uid_map takes them', () => {
    assert.equal(idMapText(maps), '0 100000 1000\n1000 5000 1\n');
  });

  it('finds the host id of a container id, or none outside every line', () => {
    assert.equal(hostIdOf(maps, 0), 100000);
    assert.equal(hostIdOf(maps, 999), 100999);
    assert.equal(hostIdOf(maps, 1000), 5000);
    assert.equal(hostIdOf(maps, 1001), undefined);
    assert.deepEqual(mappedRoot({ uidMap: maps, gidMap: [{ containerId: 0, hostId: 7, size: 1 }] }), { uid: 100000, gid: 7 });
  });

  it('refuses maps without root, empty maps and more lines than the kernel takes', () => {
    assert.equal(mapProblem(maps), undefined);
    assert.equal(mapProblem([{ containerId: 1, hostId: 100000, size: 10 }]), 'container id 0 (root) is not mapped');
    assert.equal(mapProblem([]), 'no map lines');
    const many = Array.from({ length: 341 }, (_, i) => ({ containerId: i, hostId: 100000 + i, size: 1 }));
    assert.equal(mapProblem(many), '341 lines, the kernel takes at most 340');
  });

  it('starts the init through nsenter: the netns joined before the user namespace, no fork', () => {
    const [program, args] = initCommand('/x/berth-init', { user: '/proc/9/ns/user', netns: '/run/berth/netns/c' }, true);
    assert.match(program, /\/nsenter$/);
    assert.deepEqual(args, ['-F', '--net=/run/berth/netns/c', '--user=/proc/9/ns/user', '--', process.execPath, '/x/berth-init', 'pid-namespace-relay', '/x/berth-init']);
    assert.deepEqual(initCommand('/x/berth-init', undefined, false), [process.execPath, ['/x/berth-init']]);
  });

  it('keys a remapped copy by both maps: the same maps share it, any difference does not', () => {
    const a = { uidMap: maps, gidMap: maps };
    assert.equal(mappingKey(a), mappingKey({ uidMap: [...maps], gidMap: [...maps] }));
    assert.notEqual(mappingKey(a), mappingKey({ uidMap: maps, gidMap: [maps[0]!] }));
    assert.match(mappingKey(a), /^[0-9a-f]{16}$/);
  });
});
