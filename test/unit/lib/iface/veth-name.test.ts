import assert from 'node:assert/strict';
import { attachmentVethName } from '../../../../lib/iface/veth-name';

describe('lib/iface/veth-name', () => {
  it('is the reference\'s shape, the same for one attachment every time, and different for another', () => {
    const name = attachmentVethName('brnet', 'ctr1', 'eth0');
    assert.match(name, /^veth[0-9a-f]{8}$/);
    assert.equal(attachmentVethName('brnet', 'ctr1', 'eth0'), name);
    const others = [attachmentVethName('brnet', 'ctr1', 'net1'), attachmentVethName('brnet', 'ctr2', 'eth0'), attachmentVethName('other', 'ctr1', 'eth0')];
    for (const o of others) assert.notEqual(o, name);
    // The parts are separated, so moving characters between them changes the name.
    assert.notEqual(attachmentVethName('ab', 'c', 'eth0'), attachmentVethName('a', 'bc', 'eth0'));
  });
  it('is FNV-1a over network NUL containerID NUL ifname (a fixed vector, so names stay stable across versions)', () => {
    // FNV-1a 32 of "" is the offset basis, of "a" is 0xe40c292c (the published vectors); here of "\0\0".
    assert.equal(attachmentVethName('', '', ''), 'veth117697cd');
  });
});
