import assert from 'node:assert/strict';
import { IMPORT_CONFIG, completeConfig } from '../../../../../lib/runtime/image/image-config';

describe('lib/runtime/image/image-config', () => {

  it('completes a partial config from the defaults without sharing arrays', () => {
    const c = completeConfig({ Cmd: ['/app'] }, IMPORT_CONFIG);
    assert.notStrictEqual(c.Env, IMPORT_CONFIG.Env);
    assert.deepEqual(c, { Cmd: ['/app'], Env: [], WorkingDir: '', Entrypoint: null });
  });

  for (const [partial, message] of [
    [{ Cmd: 'sh' }, /^invalid image config: Cmd must be a list of strings, got "sh"$/],
    [{ Env: ['=x'] }, /Env must be KEY=VALUE entries, got "=x"/],
    [{ WorkingDir: 'rel' }, /WorkingDir must be an absolute path, got "rel"/],
    [{ Entrypoint: [1] }, /Entrypoint must be a list of strings, got \[1\]/],
  ] as const) {
    it(`refuses ${JSON.stringify(partial)}`, () => {
      assert.throws(() => completeConfig(partial as never, IMPORT_CONFIG), { kind: 'invalid', message });
    });
  }

  it('keeps USER and VOLUME, drops empty ones, and refuses bad shapes by field', () => {
    const c = completeConfig({ User: 'app:staff', Volumes: { '/data': {}, '/a': {} } }, IMPORT_CONFIG);
    assert.equal(c.User, 'app:staff');
    assert.deepEqual(Object.keys(c.Volumes!), ['/a', '/data']);
    const empty = completeConfig({ User: '', Volumes: {} }, IMPORT_CONFIG);
    assert.equal('User' in empty, false);
    assert.equal('Volumes' in empty, false);
    assert.throws(() => completeConfig({ User: 7 as never }, IMPORT_CONFIG), { kind: 'invalid', message: /User must be a string/ });
    assert.throws(() => completeConfig({ Volumes: { data: {} } as never }, IMPORT_CONFIG), { kind: 'invalid', message: /Volumes must be an object keyed by absolute paths/ });
  });
});
