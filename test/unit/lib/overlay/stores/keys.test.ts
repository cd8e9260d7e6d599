import assert from 'node:assert/strict';
import { canonicalSubnet, configKey, normalizePrefix, subnetKey, subnetOfKey, subnetsPrefix } from '../../../../../lib/overlay/stores/keys';
import { parseLeaseAttrs, sameEndpoint } from '../../../../../lib/overlay/stores/lease-attrs';
import { attrs } from '../fixtures';

describe('lib/overlay/stores/keys', () => {
  it('lays keys out as <prefix>/<network>/config and …/subnets/<a.b.c.d>-<len>', () => {
    assert.equal(configKey('/berth/overlay', 'blue'), '/berth/overlay/blue/config');
    assert.equal(subnetsPrefix('/berth/overlay', 'blue'), '/berth/overlay/blue/subnets/');
    assert.equal(subnetKey('/berth/overlay', 'blue', '10.244.3.0/24'), '/berth/overlay/blue/subnets/10.244.3.0-24');
    assert.equal(subnetOfKey('/berth/overlay/blue/subnets/10.244.3.0-24'), '10.244.3.0/24');
    assert.equal(subnetOfKey('/berth/overlay/blue/config'), undefined);
    assert.equal(subnetOfKey('/x/subnets/10.244.3.1-24'), undefined, 'host bits set');
    assert.equal(normalizePrefix(undefined), '/berth/overlay');
    assert.equal(normalizePrefix('/p//'), '/p');
  });

  it('rejects network names that would escape their keys, and non-canonical subnets', () => {
    assert.throws(() => configKey('/p', '../x'), /network name/);
    assert.throws(() => configKey('/p', ''), /network name/);
    assert.throws(() => canonicalSubnet('10.244.3.0'), /not a CIDR/);
    assert.throws(() => canonicalSubnet('010.244.3.0/24'), /not a CIDR/);
    assert.throws(() => canonicalSubnet('fd00::1/64'), /host bits/);
  });

  it('checks lease attrs field by field and normalizes the MAC', () => {
    assert.deepEqual(parseLeaseAttrs({ ...attrs('192.0.2.1'), extra: true }), attrs('192.0.2.1'));
    const upper = { ...attrs('192.0.2.1'), BackendData: { VNI: 1, VtepMAC: '0A:00:00:00:00:01' } };
    assert.equal(parseLeaseAttrs(upper).BackendData.VtepMAC, '0a:00:00:00:00:01');
    assert.throws(() => parseLeaseAttrs(null), /must be an object/);
    assert.throws(() => parseLeaseAttrs({ ...attrs('192.0.2.1'), BackendType: 'udp' }), /BackendType/);
    assert.throws(() => parseLeaseAttrs({ ...attrs('192.0.2.1'), BackendData: { VNI: 0, VtepMAC: '0a:00:00:00:00:01' } }), /BackendData\.VNI/);
    assert.throws(() => parseLeaseAttrs({ ...attrs('192.0.2.1'), BackendData: { VNI: 1, VtepMAC: 'zz' } }), /BackendData\.VtepMAC/);
    assert.equal(sameEndpoint(attrs('192.0.2.1'), upper), true);
    assert.equal(sameEndpoint(attrs('192.0.2.1'), attrs('192.0.2.1', 9)), false);
  });

  it('names an IPv6 subnet\'s key in RFC 5952 text, and reads it back; other spellings are no lease key', () => {
    assert.equal(subnetKey('/p', 'blue', 'fd00:10:244:3::/64'), '/p/blue/subnets/fd00:10:244:3::-64');
    assert.equal(subnetKey('/p', 'blue', 'FD00:10:244:3:0::/64'), '/p/blue/subnets/fd00:10:244:3::-64', 'one key per subnet');
    assert.equal(subnetOfKey('/p/blue/subnets/fd00:10:244:3::-64'), 'fd00:10:244:3::/64');
    assert.equal(subnetOfKey('/p/blue/subnets/fd00:10:244:3:0::-64'), undefined, 'not canonical');
    assert.equal(subnetOfKey('/p/blue/subnets/fd00::1-64'), undefined, 'host bits set');
    assert.equal(canonicalSubnet('fd00:0:0:1:0:0:0:0/64'), 'fd00:0:0:1::/64');
  });
});
