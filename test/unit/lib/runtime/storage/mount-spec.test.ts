import assert from 'node:assert/strict';
import {
  checkDuplicateTargets, parseMountFlag, parseSize, parseTmpfsFlag, parseVolumeFlag, type MountSpec,
} from '../../../../../lib/runtime/storage/mount-spec';

const exists = new Set(['/srv/data', '/etc/hosts']);
const pathExists = (p: string): boolean => exists.has(p);

describe('lib/runtime/storage/mount-spec', () => {
  describe('parseVolumeFlag (-v)', () => {
    const ok: Array<[string, MountSpec]> = [
      ['/data', { type: 'volume', name: undefined, target: '/data', readonly: false, noCopy: false, options: {} }],
      ['vol1:/data', { type: 'volume', name: 'vol1', target: '/data', readonly: false, noCopy: false, options: {} }],
      ['vol1:/data/:ro,nocopy', { type: 'volume', name: 'vol1', target: '/data', readonly: true, noCopy: true, options: {} }],
      ['/host:/ctr', { type: 'bind', source: '/host', target: '/ctr', readonly: false, propagation: 'rprivate', createSource: true }],
      ['/host/:/ctr:ro,z', { type: 'bind', source: '/host', target: '/ctr', readonly: true, propagation: 'rprivate', createSource: true }],
      ['/host:/ctr:rw,rshared', { type: 'bind', source: '/host', target: '/ctr', readonly: false, propagation: 'rshared', createSource: true }],
    ];
    for (const [spec, want] of ok) it(`parses ${spec}`, () => assert.deepEqual(parseVolumeFlag(spec), want));

    const bad: Array<[string, string]> = [
      ['a:/b:ro:x', "invalid volume specification: 'a:/b:ro:x'"],
      ['vol::ro', "invalid volume specification: 'vol::ro'"],
      ['data', `invalid volume specification: 'data': invalid mount config for type "volume": invalid mount path: 'data' mount path must be absolute`],
      ['vol:rel', "invalid volume specification: 'vol:rel': invalid mount path: 'rel' mount path must be absolute"],
      ['/h:/c:ro,rw', "invalid volume specification: '/h:/c:ro,rw': invalid mode: ro,rw"],
      ['/h:/c:bogus', "invalid volume specification: '/h:/c:bogus': invalid mode: bogus"],
      ['vol:/c:rshared', "invalid volume specification: 'vol:/c:rshared': invalid mode: rshared"],
      ['/h:/c:nocopy', "invalid volume specification: '/h:/c:nocopy': invalid mode: nocopy"],
      ['/h:/', "invalid specification: destination can't be '/'"],
      ['../x:/c', 'create ../x: "../x" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path'],
    ];
    for (const [spec, message] of bad) it(`refuses ${spec}`, () => assert.throws(() => parseVolumeFlag(spec), { name: 'MountSpecError', message }));
  });

  describe('parseMountFlag (--mount)', () => {
    const ok: Array<[string, MountSpec]> = [
      ['type=bind,source=/srv/data,target=/data', { type: 'bind', source: '/srv/data', target: '/data', readonly: false, propagation: 'rprivate', createSource: false }],
      ['dst=/data,src=/srv/data,type=bind,ro,bind-propagation=rslave', { type: 'bind', source: '/srv/data', target: '/data', readonly: true, propagation: 'rslave', createSource: false }],
      ['type=bind,src=/etc/hosts,destination=/etc/hosts,readonly=false', { type: 'bind', source: '/etc/hosts', target: '/etc/hosts', readonly: false, propagation: 'rprivate', createSource: false }],
      ['target=/data', { type: 'volume', name: undefined, target: '/data', readonly: false, noCopy: false, options: {} }],
      ['type=volume,source=v1,target=/data,volume-nocopy,volume-opt=type=tmpfs,volume-opt=o=size=1m',
        { type: 'volume', name: 'v1', target: '/data', readonly: false, noCopy: true, options: { type: 'tmpfs', o: 'size=1m' } }],
      ['type=tmpfs,target=/run,tmpfs-size=64m,tmpfs-mode=1770', { type: 'tmpfs', target: '/run', readonly: false, sizeBytes: 64 * 1024 * 1024, mode: 0o1770 }],
      ['type=tmpfs,dst=/t,ro=1', { type: 'tmpfs', target: '/t', readonly: true, sizeBytes: undefined, mode: undefined }],
    ];
    for (const [csv, want] of ok) it(`parses ${csv}`, () => assert.deepEqual(parseMountFlag(csv, { pathExists }), want));

    const bad: Array<[string, string]> = [
      ['type=bind,source=/nope,target=/data', 'invalid mount config for type "bind": bind source path does not exist: /nope'],
      ['type=bind,target=/data', 'invalid mount config for type "bind": field Source must not be empty'],
      ['type=bind,source=/srv/data', 'invalid mount config for type "bind": field Target must not be empty'],
      ['type=bind,source=rel,target=/d', "invalid mount config for type \"bind\": invalid mount path: 'rel' mount path must be absolute"],
      ['type=bind,source=/srv/data,target=/d,bind-propagation=weird', 'invalid mount config for type "bind": invalid propagation mode: weird'],
      ['type=tmpfs,source=/srv/data,target=/d', 'invalid mount config for type "tmpfs": field Source must not be specified'],
      ['type=tmpfs,target=/d,tmpfs-size=12q', "invalid size: '12q'"],
      ['type=tmpfs,target=/d,tmpfs-mode=999', 'invalid value for tmpfs-mode: 999'],
      ['type=volume,target=/d,tmpfs-size=1m', 'invalid mount config for type "volume": field TmpfsOptions must not be specified'],
      ['type=tmpfs,target=/d,bind-propagation=shared', 'invalid mount config for type "tmpfs": field BindOptions must not be specified'],
      ['type=bind,source=/srv/data,target=/d,volume-opt=a=b', 'invalid mount config for type "bind": field VolumeOptions must not be specified'],
      ['type=nfs,target=/d', 'invalid mount config for type "nfs": mount type unknown'],
      ['type=bind,source=/srv/data,target=/d,colour=red', "unexpected key 'colour' in 'colour=red'"],
      ['type,target=/d', "invalid field 'type' must be a key=value pair"],
      ['type=volume,target=/d,readonly=maybe', 'invalid value for readonly: maybe'],
      ['type=volume,source=a/b,target=/d', "invalid mount config for type \"volume\": invalid volume name: 'a/b'"],
      ['type=volume,target=/d,volume-driver=nfs', 'invalid mount config for type "volume": volume driver not supported: nfs'],
    ];
    for (const [csv, message] of bad) it(`refuses ${csv}`, () => assert.throws(() => parseMountFlag(csv, { pathExists }), { name: 'MountSpecError', message }));
  });

  describe('parseSize (tmpfs-size units)', () => {
    const cases: Array<[string, number]> = [['1024', 1024], ['512k', 512 * 1024], ['1m', 1 << 20], ['1M', 1 << 20], ['2g', 2 * 2 ** 30], ['64mb', 64 << 20], ['1.5k', 1536], ['1KiB', 1024]];
    for (const [text, bytes] of cases) it(`${text} = ${bytes}`, () => assert.equal(parseSize(text), bytes));
    for (const text of ['', 'm', '-1m', '1x', '1 m b']) it(`refuses '${text}'`, () => assert.throws(() => parseSize(text), { message: `invalid size: '${text}'` }));
  });

  it('parseTmpfsFlag (--tmpfs) reads size, mode and ro', () => {
    assert.deepEqual(parseTmpfsFlag('/run:size=1m,mode=1700,ro,noexec'), { type: 'tmpfs', target: '/run', readonly: true, sizeBytes: 1 << 20, mode: 0o1700 });
    assert.deepEqual(parseTmpfsFlag('/tmp'), { type: 'tmpfs', target: '/tmp', readonly: false, sizeBytes: undefined, mode: undefined });
  });

  it('refuses two mounts on one target, after normalizing', () => {
    const specs = [parseVolumeFlag('v1:/data'), parseTmpfsFlag('/tmp'), parseVolumeFlag('/h:/data/')];
    assert.throws(() => checkDuplicateTargets(specs), { message: 'Duplicate mount point: /data' });
    assert.doesNotThrow(() => checkDuplicateTargets(specs.slice(0, 2)));
  });
});
