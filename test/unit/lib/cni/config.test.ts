import assert from 'node:assert/strict';
import Ajv from 'ajv';
import { decodeConfig, loadConfig } from '../../../../lib/cni/config';
import { CniError } from '../../../../lib/cni/errors';
import { formatValue, validationError, validationMessage } from '../../../../lib/cni/validation';
import { golden } from './harness';

function rejects(fn: () => unknown, code: number, message: string): void {
  assert.throws(fn, (err: CniError) => {
    assert.equal(err.message, message);
    assert.equal(err.code, code);
    return true;
  });
}

describe('lib/cni/config', () => {
  describe('decodeConfig', () => {
    it('decodes a JSON object, NUL bytes inside strings included', () => {
      assert.deepEqual(decodeConfig(Buffer.from('{"name":"n","x":"a\\u0000b"}')), { name: 'n', x: 'a\u0000b' });
    });
    it('rejects empty and blank input (code 6)', () => {
      rejects(() => decodeConfig(Buffer.alloc(0)), 6, 'failed to decode config: stdin is empty');
      rejects(() => decodeConfig(' \n\t'), 6, 'failed to decode config: stdin is empty');
    });
    it('rejects invalid JSON (code 6) with the parser\'s reason', () => {
      assert.throws(() => decodeConfig('{"name":'), (err: CniError) => {
        assert.equal(err.code, 6);
        assert.match(err.message, /^failed to decode config: .*JSON/);
        return true;
      });
      // A raw control character inside a string is invalid JSON.
      assert.throws(() => decodeConfig('{"name":"a\u0000b"}'), { code: 6 });
    });
    for (const [text, kind] of [['[1]', 'an array'], ['null', 'null'], ['"x"', 'a string'], ['12', 'a number'], ['true', 'a boolean']]) {
      it(`rejects a top level of ${kind} (code 6)`, () => {
        rejects(() => decodeConfig(text as string), 6, `failed to decode config: expected a JSON object, got ${kind}`);
      });
    }
  });

  describe('loadConfig', () => {
    it('defaults a missing or empty cniVersion to 0.1.0', () => {
      assert.equal(loadConfig('{"name":"n","type":"t"}').cniVersion, '0.1.0');
      assert.equal(loadConfig('{"cniVersion":"","name":"n"}').cniVersion, '0.1.0');
      assert.equal(loadConfig('{"cniVersion":"0.4.0","name":"n"}').cniVersion, '0.4.0');
    });

    it('keeps unknown keys', () => {
      assert.deepEqual(loadConfig('{"cniVersion":"1.0.0","name":"n","type":"t","bridge":"cni0","cni.dev/x":1}'), {
        cniVersion: '1.0.0',
        name: 'n',
        type: 't',
        bridge: 'cni0',
        'cni.dev/x': 1,
      });
    });

    const invalid: Array<[string, string, string?]> = [
      ['{"cniVersion":"1.0.0","type":"t"}', 'invalid config: /name is required'],
      ['{"name":"a b"}', 'invalid config: /name must match pattern "^[a-zA-Z0-9][a-zA-Z0-9_.\\-]*$" (got "a b")'],
      ['{"name":"-lead"}', 'invalid config: /name must match pattern "^[a-zA-Z0-9][a-zA-Z0-9_.\\-]*$" (got "-lead")'],
      ['{"name":""}', 'invalid config: /name must match pattern "^[a-zA-Z0-9][a-zA-Z0-9_.\\-]*$" (got "")'],
      ['{"name":"a\\u0000b"}', 'invalid config: /name must match pattern "^[a-zA-Z0-9][a-zA-Z0-9_.\\-]*$" (got "a\\u0000b")'],
      ['{"name":null}', 'invalid config: /name must be string (got null)'],
      ['{"name":12345678901234567890123}', 'invalid config: /name must be string (got 1.2345678901234568e+22)'],
      ['{"name":"n","cniVersion":1e400}', 'invalid config: /cniVersion must be string (got Infinity)'],
      ['{"name":"n","cniVersion":1.0}', 'invalid config: /cniVersion must be string (got 1)'],
      ['{"name":"n","type":["bridge"]}', 'invalid config: /type must be string (got ["bridge"])'],
      ['{"name":"n","ipam":null}', 'invalid config: /ipam must be object (got null)'],
      ['{"name":"n","ipam":{"type":7}}', 'invalid config: /ipam/type must be string (got 7)'],
      ['{"name":"n","capabilities":{"ips":"yes"}}', 'invalid config: /capabilities/ips must be boolean (got "yes")'],
      ['{"name":"n","dns":{"nameservers":"8.8.8.8"}}', 'invalid config: /dns/nameservers must be array (got "8.8.8.8")'],
      ['{"name":"n","prevResult":[]}', 'invalid config: /prevResult must be object (got [])'],
      ['{"name":"n","cni.dev/valid-attachments":[{"containerID":"c1"}]}', 'invalid config: /cni.dev~1valid-attachments/0/ifname is required'],
      ['{"name":"n","cni.dev/attachments":{"containerID":"c1"}}', 'invalid config: /cni.dev~1attachments must be array (got {"containerID":"c1"})'],
      ['{"name":"n","cniVersion":"0.4.0","prevResult":{"ips":[{"version":"4","address":"10.0.0.2/24","gateway":10}]}}', 'invalid config: /prevResult/ips/0/gateway must be string (got 10)'],
    ];
    for (const [input, message] of invalid) {
      it(`rejects ${input} (code 7)`, () => rejects(() => loadConfig(input), 7, message));
    }

    it('cuts long values in messages', () => {
      const long = 'x'.repeat(200);
      assert.throws(() => loadConfig(JSON.stringify({ name: 'n', type: [long] })), (err: CniError) => {
        assert.equal(err.message, `invalid config: /type must be string (got ["${'x'.repeat(75)}...)`);
        return true;
      });
    });

    it('parses prevResult from the config\'s version when it has none of its own', () => {
      const { cniVersion: _, ...prev } = golden('0.2.0');
      const c = loadConfig(JSON.stringify({ cniVersion: '0.2.0', name: 'n', prevResult: prev }));
      assert.deepEqual(c.prevResult, {
        cniVersion: '1.1.0',
        ips: [
          { address: '10.1.0.5/16', gateway: '10.1.0.1' },
          { address: 'fd00::5/64', gateway: 'fd00::1' },
        ],
        routes: [{ dst: '0.0.0.0/0', gw: '10.1.0.1' }, { dst: '10.2.0.0/16', gw: '10.1.0.254' }, { dst: '::/0' }],
        dns: { nameservers: ['10.1.0.1'], search: ['example.com'] },
      });
    });

    it('runs the plugin\'s own schema after the base one, with the same message style', () => {
      const ajv = new Ajv({ strict: true, allowUnionTypes: true });
      const validate = ajv.compile({
        type: 'object',
        properties: {
          ipam: {
            type: 'object',
            properties: {
              ranges: {
                type: 'array',
                items: { type: 'array', items: { type: 'object', properties: { subnet: { type: 'string' } } } },
              },
            },
          },
          mtu: { type: 'integer', minimum: 68 },
        },
      });
      rejects(() => loadConfig('{"name":"n","ipam":{"ranges":[[{"subnet":12}]]}}', validate), 7, 'invalid config: /ipam/ranges/0/0/subnet must be string (got 12)');
      rejects(() => loadConfig('{"name":"n","mtu":1e400}', validate), 7, 'invalid config: /mtu must be integer (got Infinity)');
      rejects(() => loadConfig('{"name":"n","mtu":12}', validate), 7, 'invalid config: /mtu must be >= 68 (got 12)');
      // The base schema runs first.
      rejects(() => loadConfig('{"ipam":{"ranges":[[{"subnet":12}]]}}', validate), 7, 'invalid config: /name is required');
      assert.equal(loadConfig<{ cniVersion: string; name: string; type: string; mtu?: number }>('{"name":"n","mtu":1500}', validate).mtu, 1500);
    });

    it('reports a key the plugin forbids as code 2, naming key and value', () => {
      const validate = new Ajv({ strict: true }).compile({ type: 'object', properties: { name: {}, cniVersion: {} }, additionalProperties: false });
      rejects(() => loadConfig('{"name":"n","hairpin":true}', validate), 2, 'invalid config: /hairpin is not supported (got true)');
    });
  });

  describe('validationMessage', () => {
    it('falls back when there is no error', () => {
      assert.equal(validationMessage(undefined, {}), 'invalid config: validation failed');
      assert.equal(validationError(null, {}).code, 7);
    });
    it('names the root as (root) and honours prefix and pointer', () => {
      const validate = new Ajv({ strict: true }).compile({ type: 'object' });
      validate(5);
      assert.equal(validationMessage(validate.errors, 5), 'invalid config: (root) must be object (got 5)');
      assert.equal(validationMessage(validate.errors, 5, { prefix: 'bad thing', pointer: '/ipam' }), 'bad thing: /ipam must be object (got 5)');
    });
    it('formats values unambiguously', () => {
      assert.equal(formatValue(undefined), 'nothing');
      assert.equal(formatValue(-Infinity), '-Infinity');
      assert.equal(formatValue(Number.NaN), 'NaN');
      assert.equal(formatValue('a"b'), '"a\\"b"');
      assert.equal(formatValue({ a: [1] }), '{"a":[1]}');
    });
  });
});
