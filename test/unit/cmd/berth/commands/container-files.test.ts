import assert from 'node:assert/strict';
import { splitCpArg } from '../../../../../cmd/berth/commands/container-files';

describe('cmd/berth/commands/container-files', () => {
  it("splits cp arguments as Docker's splitCpArg: absolute and ./ paths are local, else CONTAINER:PATH", () => {
    assert.deepEqual(splitCpArg('web:/etc/hosts'), { container: 'web', path: '/etc/hosts' });
    assert.deepEqual(splitCpArg('web:rel'), { container: 'web', path: 'rel' });
    assert.deepEqual(splitCpArg('/abs:with-colon'), { path: '/abs:with-colon' });
    assert.deepEqual(splitCpArg('./file:name.txt'), { path: './file:name.txt' });
    assert.deepEqual(splitCpArg('plain'), { path: 'plain' });
    assert.deepEqual(splitCpArg('-'), { path: '-' });
  });
});
