import assert from 'node:assert/strict';
import { containerHosts, containerResolvConf } from '../../../../../lib/runtime/container/etc-files';

describe('lib/runtime/container/etc-files', () => {
  it('drops loopback resolvers and keeps the rest', () => {
    assert.equal(containerResolvConf('search lan\nnameserver 127.0.0.53\nnameserver 192.168.1.1\noptions edns0\n'), 'search lan\nnameserver 192.168.1.1\noptions edns0\n');
  });
  it("falls back to Docker's public resolvers when only loopback ones remain", () => {
    assert.equal(containerResolvConf('nameserver 127.0.0.53\n'), 'nameserver 8.8.8.8\nnameserver 8.8.4.4\n');
    assert.equal(containerResolvConf(''), 'nameserver 8.8.8.8\nnameserver 8.8.4.4\n');
  });
  it('lists the container address with its hostname', () => {
    const hosts = containerHosts('c1', ['10.87.0.2/16']);
    assert.match(hosts, /^127\.0\.0\.1\tlocalhost\n/);
    assert.match(hosts, /\n10\.87\.0\.2\tc1\n$/);
  });
});
