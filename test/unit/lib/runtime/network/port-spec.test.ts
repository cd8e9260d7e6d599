import assert from 'node:assert/strict';
import { parseExpose, parsePortKey, parsePublish, PortSpecError } from '../../../../../lib/runtime/network/port-spec';

const refused = (raw: string, message: string, parse: (raw: string) => unknown = parsePublish) =>
  assert.throws(() => parse(raw), (e: unknown) => e instanceof PortSpecError && e.message === message, raw);

describe('lib/runtime/network/port-spec', () => {
  it('reads every -p shape Docker accepts', () => {
    const one = (containerPort: number, hostIp: string, hostPorts: [number, number], protocol = 'tcp') => ({ containerPort, protocol, hostIp, hostPorts });
    assert.deepEqual(parsePublish('80'), [one(80, '', [0, 0])]);
    assert.deepEqual(parsePublish('8080:80'), [one(80, '', [8080, 8080])]);
    assert.deepEqual(parsePublish('0:80'), [one(80, '', [0, 0])], 'host port 0 is ephemeral');
    assert.deepEqual(parsePublish('10.0.0.1:8080:80/UDP'), [one(80, '10.0.0.1', [8080, 8080], 'udp')]);
    assert.deepEqual(parsePublish('10.0.0.1::80'), [one(80, '10.0.0.1', [0, 0])]);
    assert.deepEqual(parsePublish('[::1]:53:53/udp'), [one(53, '::1', [53, 53], 'udp')]);
    assert.deepEqual(parsePublish('::1:53:53'), [one(53, '::1', [53, 53])], 'an unbracketed IPv6 address is what precedes the two ports');
    assert.deepEqual(parsePublish('8000-8001:80-81'), [one(80, '', [8000, 8000]), one(81, '', [8001, 8001])]);
    assert.deepEqual(parsePublish('8000-8010:80'), [one(80, '', [8000, 8010])], 'a host range for one port is the pool');
    assert.deepEqual(parsePublish('80-81'), [one(80, '', [0, 0]), one(81, '', [0, 0])]);
    assert.deepEqual(parsePublish('9/sctp'), [one(9, '', [0, 0], 'sctp')]);
    assert.deepEqual(parsePublish('80/'), [one(80, '', [0, 0])]);
  });

  it('refuses the rest with the nat package\'s words', () => {
    refused('', 'no port specified: <empty>');
    refused('8080:', 'no port specified: 8080:<empty>');
    refused('x', 'invalid containerPort: x');
    refused('0', 'invalid containerPort: 0');
    refused('-1', 'invalid containerPort: -1');
    refused('65536', 'invalid containerPort: 65536');
    refused('99999999999999999999', 'invalid containerPort: 99999999999999999999');
    refused('81-80', 'invalid containerPort: 81-80');
    refused('a:80', 'invalid hostPort: a');
    refused('host:1:80', 'invalid IP address: host');
    refused('[::1:80:80', "invalid IP address [::1: missing ']' in address");
    refused('1-3:80-81', 'invalid ranges specified for container and host Ports: 80-81 and 1-3');
    refused('80/icmp', 'invalid proto: icmp');
    refused('80\0', 'invalid containerPort: 80\0');
  });

  it('reads --expose and ExposedPorts keys', () => {
    assert.deepEqual(parseExpose('80'), [{ port: 80, protocol: 'tcp' }]);
    assert.deepEqual(parseExpose('7-8/udp'), [{ port: 7, protocol: 'udp' }, { port: 8, protocol: 'udp' }]);
    refused('1:2', 'invalid port format for --expose: 1:2', parseExpose);
    refused('x', 'invalid range format for --expose: x, error: invalid port x', parseExpose);
    refused('80/gre', 'invalid proto: gre', parseExpose);
    assert.deepEqual(parsePortKey('53/udp'), { port: 53, protocol: 'udp' });
    assert.deepEqual(parsePortKey('80'), { port: 80, protocol: 'tcp' });
    for (const bad of ['80-81/tcp', '0/tcp', 'x', '80/icmp']) assert.equal(parsePortKey(bad), undefined, bad);
  });
});
