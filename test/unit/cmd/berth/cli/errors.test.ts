import assert from 'node:assert/strict';
import { DaemonError, daemonRefusalText, reportError } from '../../../../../cmd/berth/cli/errors';
import { CgroupUnsupportedError, ResourceError } from '../../../../../lib/runtime/cgroups/errors';
import { ContainerError } from '../../../../../lib/runtime/container/store';
import { ImageError } from '../../../../../lib/runtime/image/image-error';
import { NetworkError } from '../../../../../lib/runtime/network/types';
import { MountSpecError } from '../../../../../lib/runtime/storage/mount-spec';
import { VolumeError } from '../../../../../lib/runtime/storage/volume-store';

describe('cmd/berth/cli/errors', () => {
  const report = (err: unknown) => reportError(err, 'run', 125, false);

  it('prints the runtime\'s refusals as Docker\'s daemon does, with the command\'s failure status', () => {
    for (const err of [
      new ContainerError('No such container: x', 'not-found'),
      new ImageError('No such image: x:latest', 'not-found'),
      new NetworkError('network x id y has active endpoints', 'in-use'),
      new VolumeError('get x: no such volume', 'not-found'),
      new MountSpecError('invalid mount config for type "bind": bind source path does not exist: /x'),
    ]) {
      assert.deepEqual(report(err), { text: `Error response from daemon: ${err.message}\n`, exitCode: 125 }, err.name);
      assert.equal(daemonRefusalText(err), `Error response from daemon: ${err.message}\n`);
    }
  });

  it('prints limits the command line or the host cannot have as berth\'s own', () => {
    for (const err of [new ResourceError('--memory', 'too small'), new CgroupUnsupportedError('--blkio-weight', 'no io controller')]) {
      assert.deepEqual(report(err), { text: `berth: ${err.message}\n`, exitCode: 125 }, err.name);
      assert.equal(daemonRefusalText(err), undefined);
    }
  });

  it('a DaemonError keeps its own status; anything else is unexpected and gets the debug hint', () => {
    assert.deepEqual(reportError(new DaemonError('no', { exitCode: 3 }), 'rm', 1, false), { text: 'Error response from daemon: no\n', exitCode: 3 });
    assert.equal(daemonRefusalText(new DaemonError('no')), 'Error response from daemon: no\n');
    const odd = Object.assign(new Error('EACCES: permission denied'), { name: 'NetworkError' });
    assert.deepEqual(report(odd), { text: 'berth: EACCES: permission denied\n(set BERTH_DEBUG=1 for the stack trace)\n', exitCode: 125 });
    assert.equal(daemonRefusalText(odd), undefined, 'a class name alone is no refusal');
  });
});
