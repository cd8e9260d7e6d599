import assert from 'node:assert/strict';
import fs from 'node:fs';
import { CniError } from '../../../../lib/cni/errors';
import { markRetryable } from '../../../../lib/util/retryable';
import type { CmdArgs, GcArgs, PluginFuncs } from '../../../../lib/cni/types';
import { ALL_SPEC_VERSIONS } from '../../../../lib/cni/version';
import { addEnv, conf, golden, recordingFuncs, run, sampleResult, type RunOutcome } from './harness';

const ALL = '"0.1.0" "0.2.0" "0.3.0" "0.3.1" "0.4.0" "1.0.0" "1.1.0"';

/** Exit 1 with exactly this error object on stdout (and nothing that looks like a stack). */
function assertError(out: RunOutcome, expected: { cniVersion?: string; code: number; msg: string; details?: string }): void {
  assert.equal(out.exitCode, 1, out.stdout);
  assert.deepEqual(out.json, { cniVersion: '1.1.0', ...expected });
  assert.doesNotMatch(out.stdout, /\n\s+at /);
}

function throwing(err: unknown): PluginFuncs {
  const fail = async (): Promise<never> => {
    throw err;
  };
  return { add: fail, del: fail, check: fail, gc: fail, status: fail };
}

describe('lib/cni/dispatcher', () => {
  describe('about and VERSION', () => {
    it('prints the about text on stderr and exits 0 without CNI_COMMAND', async () => {
      for (const env of [{}, { CNI_COMMAND: '' }]) {
        const out = await run(env, '');
        assert.equal(out.exitCode, 0);
        assert.equal(out.stdout, '');
        assert.equal(out.stderr, 'CNI testplug plugin v9.8.7\nCNI protocol versions supported: 0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0\n');
      }
    });

    it('answers VERSION with one JSON line, no other variables needed', async () => {
      const out = await run({ CNI_COMMAND: 'VERSION' }, '');
      assert.equal(out.exitCode, 0);
      assert.equal(out.stdout, `{"cniVersion":"1.1.0","supportedVersions":${JSON.stringify(ALL_SPEC_VERSIONS)}}\n`);
    });

    it('echoes a supported cniVersion from stdin and ignores everything else there', async () => {
      assert.equal((await run({ CNI_COMMAND: 'VERSION' }, '{"cniVersion":"0.4.0","name":"bad name!"}')).json?.cniVersion, '0.4.0');
      assert.equal((await run({ CNI_COMMAND: 'VERSION' }, '{"cniVersion":"7.0.0"}')).json?.cniVersion, '1.1.0');
      assert.equal((await run({ CNI_COMMAND: 'VERSION' }, 'not json')).json?.cniVersion, '1.1.0');
      assert.equal((await run({ CNI_COMMAND: 'VERSION' }, new Error('EIO'))).json?.cniVersion, '1.1.0');
    });

    it('lists only the plugin\'s own versions when it restricts them', async () => {
      const out = await run({ CNI_COMMAND: 'VERSION' }, '{"cniVersion":"1.1.0"}', recordingFuncs(), { name: 'p', version: '1', supportedVersions: ['0.4.0', '1.0.0'] });
      assert.equal(out.stdout, '{"cniVersion":"1.0.0","supportedVersions":["0.4.0","1.0.0"]}\n');
    });
  });

  describe('environment', () => {
    it('rejects an unknown CNI_COMMAND (code 4), case-sensitively', async () => {
      assertError(await run({ CNI_COMMAND: 'FOO' }, ''), { code: 4, msg: 'unknown CNI_COMMAND: FOO' });
      assertError(await run(addEnv({ CNI_COMMAND: 'add' }), conf('1.0.0')), { code: 4, msg: 'unknown CNI_COMMAND: add' });
    });

    const missing: Array<[string, Record<string, string>, string]> = [
      ['ADD', {}, 'CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME'],
      ['CHECK', { CNI_CONTAINERID: 'c', CNI_IFNAME: 'eth0' }, 'CNI_NETNS'],
      ['DEL', {}, 'CNI_CONTAINERID,CNI_IFNAME'],
      ['GC', {}, 'CNI_PATH'],
      ['ADD', { CNI_CONTAINERID: '', CNI_NETNS: '/x', CNI_IFNAME: '' }, 'CNI_CONTAINERID,CNI_IFNAME'],
    ];
    for (const [command, env, names] of missing) {
      it(`names every missing variable for ${command}: [${names}] (code 4)`, async () => {
        assertError(await run({ CNI_COMMAND: command, ...env }, conf('1.1.0')), { code: 4, msg: `required env variables [${names}] missing` });
      });
    }

    it('does not require CNI_PATH outside GC, nor CNI_NETNS for DEL', async () => {
      assert.equal((await run(addEnv({ CNI_PATH: undefined }), conf('1.0.0'))).exitCode, 0);
      assert.equal((await run({ CNI_COMMAND: 'DEL', CNI_CONTAINERID: 'c', CNI_IFNAME: 'eth0' }, conf('1.0.0'))).exitCode, 0);
      assert.equal((await run({ CNI_COMMAND: 'STATUS' }, conf('1.1.0'))).exitCode, 0);
    });

    for (const id of ['a b', '-abc', '.abc', 'ab/c', 'ab;c', 'é']) {
      it(`rejects container ID ${JSON.stringify(id)} (code 4)`, async () => {
        assertError(await run(addEnv({ CNI_CONTAINERID: id }), conf('1.0.0')), {
          code: 4,
          msg: `invalid characters in containerID: CNI_CONTAINERID ${JSON.stringify(id)} must match ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`,
        });
      });
    }

    it('accepts container IDs with . _ and -', async () => {
      assert.equal((await run(addEnv({ CNI_CONTAINERID: 'a1.b_c-D' }), conf('1.0.0'))).exitCode, 0);
    });

    const badIfNames: Array<[string, string]> = [
      ['abcdefghijklmnop', 'is 16 bytes long, at most 15 allowed'],
      ['ééééééééé', 'is 18 bytes long, at most 15 allowed'],
      ['.', 'must not be . or ..'],
      ['..', 'must not be . or ..'],
      ['../x', 'must not contain /, : or whitespace'],
      ['eth0:1', 'must not contain /, : or whitespace'],
      ['eth 0', 'must not contain /, : or whitespace'],
      ['eth\t0', 'must not contain /, : or whitespace'],
      ['eth\u00a00', 'must not contain /, : or whitespace'],
    ];
    for (const [name, problem] of badIfNames) {
      it(`rejects ifname ${JSON.stringify(name)} (code 4, naming CNI_IFNAME)`, async () => {
        assertError(await run(addEnv({ CNI_IFNAME: name }), conf('1.0.0')), {
          code: 4,
          msg: `invalid interface name: CNI_IFNAME ${JSON.stringify(name)} ${problem}`,
        });
      });
    }

    it('accepts a 15-byte ifname', async () => {
      assert.equal((await run(addEnv({ CNI_IFNAME: 'abcdefghijklmno' }), conf('1.0.0'))).exitCode, 0);
    });

    for (const name of ['CNI_IFNAME', 'CNI_NETNS', 'CNI_ARGS', 'CNI_CONTAINERID', 'CNI_PATH', 'CNI_COMMAND']) {
      it(`rejects a NUL byte in ${name} (code 4)`, async () => {
        const env = addEnv({ [name]: name === 'CNI_COMMAND' ? 'ADD\0' : 'eth\0x' });
        assertError(await run(env, conf('1.0.0')), { code: 4, msg: `${name} contains a NUL byte` });
      });
    }

    it('does not validate attachment variables a verb does not read', async () => {
      const out = await run({ CNI_COMMAND: 'STATUS', CNI_IFNAME: 'way-too-long-ifname', CNI_CONTAINERID: 'bad id' }, conf('1.1.0'));
      assert.equal(out.exitCode, 0);
    });
  });

  describe('config', () => {
    const cases: Array<[string, string | Buffer, number, string]> = [
      ['empty stdin', '', 6, 'failed to decode config: stdin is empty'],
      ['a JSON array', '[]', 6, 'failed to decode config: expected a JSON object, got an array'],
      ['JSON null', 'null', 6, 'failed to decode config: expected a JSON object, got null'],
      ['a missing name', '{"cniVersion":"1.0.0","type":"t"}', 7, 'invalid config: /name is required'],
      ['a bad name', '{"cniVersion":"1.0.0","name":"a/b"}', 7, 'invalid config: /name must match pattern "^[a-zA-Z0-9][a-zA-Z0-9_.\\-]*$" (got "a/b")'],
      ['a null name', '{"cniVersion":"1.0.0","name":null}', 7, 'invalid config: /name must be string (got null)'],
      ['a null ipam', '{"cniVersion":"1.0.0","name":"n","ipam":null}', 7, 'invalid config: /ipam must be object (got null)'],
      ['a huge number', '{"cniVersion":1e999,"name":"n"}', 7, 'invalid config: /cniVersion must be string (got Infinity)'],
    ];
    for (const [what, stdin, code, msg] of cases) {
      it(`rejects ${what} (code ${code})`, async () => assertError(await run(addEnv(), stdin), { code, msg }));
    }

    it('rejects invalid JSON (code 6)', async () => {
      const out = await run(addEnv(), '{"cniVersion": "1.0.0",');
      assert.equal(out.exitCode, 1);
      assert.equal(out.json?.code, 6);
      assert.match(String(out.json?.msg), /^failed to decode config: /);
    });

    it('reports an unreadable stdin as code 5', async () => {
      assertError(await run(addEnv(), new Error('EIO: i/o error, read')), { code: 5, msg: 'error reading from stdin', details: 'EIO: i/o error, read' });
    });

    it('rejects an unsupported version (code 1) and replies in its newest version', async () => {
      assertError(await run(addEnv(), conf('9.9.9')), { code: 1, msg: 'incompatible CNI versions', details: `config is "9.9.9", plugin supports [${ALL}]` });
      assertError(await run(addEnv(), conf('1.0')), { code: 1, msg: 'incompatible CNI versions', details: `config is "1.0", plugin supports [${ALL}]` });
      const out = await run(addEnv(), conf('1.1.0'), recordingFuncs(), { name: 'p', version: '1', supportedVersions: ['0.4.0', '1.0.0'] });
      assert.deepEqual(out.json, { cniVersion: '1.0.0', code: 1, msg: 'incompatible CNI versions', details: 'config is "1.1.0", plugin supports ["0.4.0" "1.0.0"]' });
    });

    it('treats a config without cniVersion as 0.1.0', async () => {
      const out = await run(addEnv(), conf(undefined));
      assert.equal(out.exitCode, 0);
      assert.deepEqual(out.json, golden('0.1.0'));
      const restricted = await run(addEnv(), conf(undefined), recordingFuncs(), { name: 'p', version: '1', supportedVersions: ['1.0.0'] });
      assert.equal(restricted.json?.details, 'config is "0.1.0", plugin supports ["1.0.0"]');
    });

    for (const [verb, ok, below, env] of [
      ['CHECK', '0.4.0', '0.3.1', addEnv({ CNI_COMMAND: 'CHECK' })],
      ['GC', '1.1.0', '1.0.0', { CNI_COMMAND: 'GC', CNI_PATH: '/opt/cni/bin' }],
      ['STATUS', '1.1.0', '1.0.0', { CNI_COMMAND: 'STATUS' }],
    ] as const) {
      it(`refuses ${verb} below ${ok} (code 1, replying in the config's version)`, async () => {
        const calls: Array<{ verb: string; args: unknown }> = [];
        const out = await run(env, conf(below), recordingFuncs(calls));
        assert.deepEqual(out.json, {
          cniVersion: below,
          code: 1,
          msg: `config version does not allow ${verb}`,
          details: `${verb} needs cniVersion ${ok} or later, config is "${below}"`,
        });
        assert.equal(calls.length, 0);
        assert.equal((await run(env, conf(ok), recordingFuncs(calls))).exitCode, 0);
        assert.equal(calls.length, 1);
      });
    }
  });

  describe('verbs', () => {
    for (const version of ALL_SPEC_VERSIONS) {
      it(`[${version}] prints ADD's result in the config's version`, async () => {
        const out = await run(addEnv(), conf(version));
        assert.equal(out.exitCode, 0);
        assert.equal(out.stdout, `${JSON.stringify(golden(version), null, 4)}\n`);
      });

      it(`[${version}] hands ADD a prevResult parsed from the config's version`, async () => {
        const calls: Array<{ verb: string; args: unknown }> = [];
        const { cniVersion: _, ...prev } = golden(version);
        const out = await run(addEnv(), conf(version, { prevResult: prev }), recordingFuncs(calls));
        assert.equal(out.exitCode, 0, out.stdout);
        const prevResult = (calls[0]?.args as CmdArgs).config.prevResult;
        assert.equal(prevResult?.cniVersion, '1.1.0');
        assert.equal(prevResult?.ips?.[0]?.address, '10.1.0.5/16');
        assert.equal('version' in (prevResult?.ips?.[0] ?? {}), false);
        assert.equal(prevResult?.routes?.length, 3);
      });
    }

    it('passes the validated environment, raw stdin, env and a logger to ADD', async () => {
      const calls: Array<{ verb: string; args: unknown }> = [];
      const env = addEnv({ CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAME=web', CNI_PATH: '/a::/b', OTHER: 'x' });
      const stdin = conf('1.0.0', { bridge: 'cni0' });
      await run(env, stdin, recordingFuncs(calls));
      assert.equal(calls.length, 1);
      const args = calls[0]?.args as CmdArgs;
      assert.equal(args.command, 'ADD');
      assert.equal(args.containerID, 'c0ffee');
      assert.equal(args.netns, '/var/run/netns/does-not-exist');
      assert.equal(args.ifName, 'eth0');
      assert.equal(args.args, 'IgnoreUnknown=1;K8S_POD_NAME=web');
      assert.deepEqual(args.path, ['/a', '/b']);
      assert.equal(args.stdinData.toString(), stdin);
      assert.deepEqual(args.config, { cniVersion: '1.0.0', name: 'testnet', type: 'testplug', bridge: 'cni0' });
      assert.equal(args.env, env);
      assert.equal(typeof args.log?.info, 'function');
    });

    it('prints nothing for a successful DEL, CHECK, GC and STATUS', async () => {
      for (const env of [addEnv({ CNI_COMMAND: 'DEL' }), addEnv({ CNI_COMMAND: 'CHECK' }), { CNI_COMMAND: 'GC', CNI_PATH: '/x' }, { CNI_COMMAND: 'STATUS' }]) {
        const out = await run(env, conf('1.1.0'));
        assert.deepEqual([out.exitCode, out.stdout], [0, ''], env.CNI_COMMAND);
      }
    });

    it('succeeds as a no-op when GC or STATUS is not implemented', async () => {
      const funcs: PluginFuncs = { add: async () => sampleResult(), del: async () => {}, check: async () => {} };
      assert.equal((await run({ CNI_COMMAND: 'GC', CNI_PATH: '/x' }, conf('1.1.0'), funcs)).exitCode, 0);
      assert.equal((await run({ CNI_COMMAND: 'STATUS' }, conf('1.1.0'), funcs)).exitCode, 0);
    });

    it('fails ADD that returns no result (code 999)', async () => {
      const funcs = { ...recordingFuncs(), add: async () => undefined as never };
      assertError(await run(addEnv(), conf('1.1.0'), funcs), { code: 999, msg: 'ADD returned no result' });
    });

    describe('GC attachments', () => {
      const gcEnv = { CNI_COMMAND: 'GC', CNI_PATH: '/opt/cni/bin' };
      const gcArgs = async (extra: Record<string, unknown>): Promise<GcArgs | undefined> => {
        const calls: Array<{ verb: string; args: unknown }> = [];
        const out = await run(gcEnv, conf('1.1.0', extra), recordingFuncs(calls));
        assert.equal(out.exitCode, 0, out.stdout);
        return calls[0]?.args as GcArgs;
      };
      const list = [{ containerID: 'c1', ifname: 'eth0' }, { containerID: 'c2', ifname: 'net1' }];

      it('reads cni.dev/valid-attachments', async () => {
        assert.deepEqual((await gcArgs({ 'cni.dev/valid-attachments': list }))?.validAttachments, list);
      });
      it('falls back to cni.dev/attachments (the spec-v1.1.0 tag\'s key)', async () => {
        assert.deepEqual((await gcArgs({ 'cni.dev/attachments': list }))?.validAttachments, list);
      });
      it('prefers cni.dev/valid-attachments when both are sent', async () => {
        assert.deepEqual((await gcArgs({ 'cni.dev/valid-attachments': list.slice(0, 1), 'cni.dev/attachments': list }))?.validAttachments, list.slice(0, 1));
      });
      it('leaves validAttachments undefined when neither is sent', async () => {
        assert.equal((await gcArgs({}))?.validAttachments, undefined);
      });
      const malformed: Array<[unknown, string]> = [
        [{ containerID: 'c1', ifname: 'eth0' }, '/cni.dev~1valid-attachments must be array (got {"containerID":"c1","ifname":"eth0"})'],
        [[{ containerID: 'c1' }], '/cni.dev~1valid-attachments/0/ifname is required'],
        [[{ containerID: 7, ifname: 'eth0' }], '/cni.dev~1valid-attachments/0/containerID must be string (got 7)'],
        [['c1'], '/cni.dev~1valid-attachments/0 must be object (got "c1")'],
        [[null], '/cni.dev~1valid-attachments/0 must be object (got null)'],
      ];
      for (const [value, where] of malformed) {
        it(`rejects ${JSON.stringify(value)} (code 7)`, async () => {
          assertError(await run(gcEnv, conf('1.1.0', { 'cni.dev/valid-attachments': value })), { code: 7, msg: `invalid config: ${where}` });
        });
      }
    });
  });

  describe('errors thrown by verbs', () => {
    const sysLike = (message: string, code: string, syscall: string): Error => Object.assign(new Error(message), { name: 'SysError', code, syscall, errno: 1 });

    it('passes a CniError through unchanged, in the config\'s version', async () => {
      const out = await run(addEnv(), conf('0.4.0'), throwing(new CniError(107, 'pool exhausted', { details: 'range 10.0.0.0/30' })));
      assert.deepEqual(out.json, { cniVersion: '0.4.0', code: 107, msg: 'pool exhausted', details: 'range 10.0.0.0/30' });
      assert.equal(out.exitCode, 1);
    });

    it('omits empty details', async () => {
      assertError(await run(addEnv(), conf('1.1.0'), throwing(new CniError(7, 'bad'))), { code: 7, msg: 'bad' });
    });

    it('maps a SysError to 999 naming syscall and errno', async () => {
      assertError(await run(addEnv(), conf('1.1.0'), throwing(sysLike('setns /var/run/netns/x: EINVAL (invalid argument)', 'EINVAL', 'setns'))), {
        code: 999,
        msg: 'setns /var/run/netns/x: EINVAL (invalid argument)',
      });
      assertError(await run(addEnv(), conf('1.1.0'), throwing(sysLike('boom', 'EPERM', 'mount'))), { code: 999, msg: 'mount: EPERM: boom' });
    });

    it('maps a Node SystemError the same way', async () => {
      let fsErr: unknown;
      try {
        fs.readFileSync('/nonexistent-berth-test/file');
      } catch (err) {
        fsErr = err;
      }
      assertError(await run(addEnv(), conf('1.1.0'), throwing(fsErr)), { code: 999, msg: "ENOENT: no such file or directory, open '/nonexistent-berth-test/file'" });
    });

    it('maps a plain Error to 999 with its cause chain as details', async () => {
      const err = new Error('ensure bridge "cni0"', { cause: new Error('link add', { cause: sysLike('netlink: EPERM (operation not permitted)', 'EPERM', 'netlink') }) });
      assertError(await run(addEnv(), conf('1.1.0'), throwing(err)), {
        code: 999,
        msg: 'ensure bridge "cni0"',
        details: 'link add: netlink: EPERM (operation not permitted)',
      });
    });

    it('maps retryable errors to 11, marked anywhere in the chain', async () => {
      assertError(await run(addEnv(), conf('1.1.0'), throwing(markRetryable(new Error('lock held')))), { code: 11, msg: 'lock held' });
      const wrapped = new Error('allocate 10.0.0.0/24', { cause: Object.assign(new Error('busy'), { retryable: true }) });
      assertError(await run(addEnv(), conf('1.1.0'), throwing(wrapped)), { code: 11, msg: 'allocate 10.0.0.0/24', details: 'busy' });
      assertError(await run(addEnv(), conf('1.1.0'), throwing(sysLike('flock lock: EAGAIN', 'EAGAIN', 'flock'))), { code: 11, msg: 'flock lock: EAGAIN' });
    });

    it('maps a thrown non-Error to 999', async () => {
      assertError(await run(addEnv(), conf('1.1.0'), throwing('just a string')), { code: 999, msg: 'just a string' });
    });

    it('maps a SyntaxError to 6', async () => {
      assertError(await run(addEnv(), conf('1.1.0'), throwing(new SyntaxError('Unexpected token x in JSON'))), { code: 6, msg: 'failed to decode JSON: Unexpected token x in JSON' });
    });

    it('never writes a stack trace to stdout', async () => {
      const out = await run(addEnv(), conf('1.1.0'), throwing(new TypeError("Cannot read properties of undefined (reading 'x')")));
      assert.equal(out.stdout, `{\n    "cniVersion": "1.1.0",\n    "code": 999,\n    "msg": "Cannot read properties of undefined (reading 'x')"\n}\n`);
    });
  });

  describe('netns self-check', () => {
    for (const command of ['ADD', 'DEL']) {
      it(`refuses ${command} into the plugin's own netns (code 8) before running the verb`, async () => {
        const calls: Array<{ verb: string; args: unknown }> = [];
        const out = await run(addEnv({ CNI_COMMAND: command, CNI_NETNS: '/proc/self/ns/net' }), conf('1.0.0'), recordingFuncs(calls));
        assertError(out, {
          cniVersion: '1.0.0',
          code: 8,
          msg: "plugin's netns and netns from CNI_NETNS should not be the same",
          details: 'CNI_NETNS=/proc/self/ns/net; set CNI_NETNS_OVERRIDE=1 if this is intended',
        });
        assert.equal(calls.length, 0);
      });

      for (const override of ['1', 'true', 'TRUE']) {
        it(`allows ${command} into its own netns with CNI_NETNS_OVERRIDE=${override}`, async () => {
          const out = await run(addEnv({ CNI_COMMAND: command, CNI_NETNS: '/proc/self/ns/net', CNI_NETNS_OVERRIDE: override }), conf('1.0.0'));
          assert.equal(out.exitCode, 0, out.stdout);
        });
      }
    }

    it('treats a missing netns path and a non-netns file as different', async () => {
      assert.equal((await run(addEnv({ CNI_NETNS: '/nonexistent/netns' }), conf('1.0.0'))).exitCode, 0);
      assert.equal((await run(addEnv({ CNI_NETNS: '/proc/self/ns/uts' }), conf('1.0.0'))).exitCode, 0);
    });

    it('does not apply to CHECK', async () => {
      assert.equal((await run(addEnv({ CNI_COMMAND: 'CHECK', CNI_NETNS: '/proc/self/ns/net' }), conf('1.0.0'))).exitCode, 0);
    });
  });
});
