import assert from 'node:assert/strict';
import { IMPORT_CONFIG, completeConfig, imageId } from '../../../../../lib/runtime/image/image-config';

describe('lib/runtime/image/image-config', () => {
  const digest = 'a'.repeat(64);

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

  it('uses the content digest as id for the default config, and a distinct id otherwise', () => {
    assert.equal(imageId(digest, completeConfig(undefined, IMPORT_CONFIG), IMPORT_CONFIG), digest);
    const other = imageId(digest, completeConfig({ Cmd: ['/app'] }, IMPORT_CONFIG), IMPORT_CONFIG);
    assert.match(other, /^[0-9a-f]{64}$/);
    assert.notEqual(other, digest);
    assert.equal(imageId(digest, completeConfig({ Cmd: ['/app'] }, IMPORT_CONFIG), IMPORT_CONFIG), other);
  });
});
