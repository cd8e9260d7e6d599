import assert from 'node:assert/strict';
import { MNT_DETACH } from '../../../../../lib/sys/mount';
import { overlayLayout, planOverlayRoot, planOverlayTeardown } from '../../../../../lib/runtime/storage/overlay-root';

describe('lib/runtime/storage/overlay-root', () => {
  const layout = overlayLayout('/var/lib/berth/containers/c1', ['/img/top', '/img/base']);

  it('mounts the image as lower and a per-container upper/work on merged', () => {
    assert.deepEqual(planOverlayRoot(layout), [
      { op: 'mkdir', path: '/var/lib/berth/containers/c1/upper' },
      { op: 'mkdir', path: '/var/lib/berth/containers/c1/work' },
      { op: 'mkdir', path: '/var/lib/berth/containers/c1/merged' },
      {
        op: 'mount', source: 'overlay', target: '/var/lib/berth/containers/c1/merged', fstype: 'overlay', flags: 0,
        data: 'lowerdir=/img/top:/img/base,upperdir=/var/lib/berth/containers/c1/upper,workdir=/var/lib/berth/containers/c1/work',
      },
    ]);
    assert.deepEqual(planOverlayTeardown(layout), [{ op: 'umount2', target: '/var/lib/berth/containers/c1/merged', flags: MNT_DETACH }]);
  });

  it('refuses layouts overlayfs cannot express', () => {
    assert.throws(() => planOverlayRoot(overlayLayout('/c', [])), { message: 'overlay root: at least one lower layer is required' });
    assert.throws(() => planOverlayRoot(overlayLayout('/c', ['/img:1'])), { message: "overlay root: path /img:1 contains ',' or ':', which overlayfs options cannot carry" });
    const many = Array.from({ length: 300 }, (_, i) => `/var/lib/berth/images/layer-${i}`);
    assert.throws(() => planOverlayRoot(overlayLayout('/c', many)), { message: 'overlay root: 300 layers make mount data longer than one page' });
  });
});
