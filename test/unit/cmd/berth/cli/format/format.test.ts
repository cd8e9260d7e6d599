import assert from 'node:assert/strict';
import {
  bytesSize, commandColumn, createdColumn, ellipsis, formatStats, formatTable, humanDuration, humanSize, renderFormat, shortId, statusColumn,
} from '../../../../../../cmd/berth/cli/format';
import { CliError } from '../../../../../../cmd/berth/cli/errors';
import { ZERO_TIME } from '../../../../../../lib/runtime/container/types';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('cmd/berth/cli/format', () => {
  it('spells durations as units.HumanDuration', () => {
    const cases: [number, string][] = [
      [-5 * S, 'Less than a second'], [999, 'Less than a second'], [S, '1 second'], [45 * S, '45 seconds'], [59 * S, '59 seconds'],
      [M, 'About a minute'], [119 * S, 'About a minute'], [5 * M, '5 minutes'], [59 * M, '59 minutes'], [60 * M, 'About an hour'],
      [89 * M, 'About an hour'], [90 * M, '2 hours'], [3 * H, '3 hours'], [47 * H, '47 hours'], [2 * D, '2 days'], [13 * D, '13 days'],
      [14 * D, '2 weeks'], [3 * 7 * D, '3 weeks'], [59 * D, '8 weeks'], [60 * D, '2 months'], [4 * 30 * D, '4 months'],
      [729 * D, '24 months'], [2 * 365 * D, '2 years'], [1000 * D, '2 years'],
    ];
    for (const [ms, text] of cases) assert.equal(humanDuration(ms), text, `${ms} ms`);
  });

  it('spells sizes as units.HumanSize and units.BytesSize', () => {
    assert.equal(humanSize(0), '0B');
    assert.equal(humanSize(999), '999B');
    assert.equal(humanSize(1000), '1kB');
    assert.equal(humanSize(4_270_000), '4.27MB');
    assert.equal(humanSize(4_271_234), '4.271MB');
    assert.equal(humanSize(4_271_234, 3), '4.27MB');
    assert.equal(humanSize(999_999, 3), '1e+03kB');
    assert.equal(humanSize(1.5e12), '1.5TB');
    assert.equal(bytesSize(0), '0B');
    assert.equal(bytesSize(1023), '1023B');
    assert.equal(bytesSize(1024), '1KiB');
    assert.equal(bytesSize(1.5 * 2 ** 20), '1.5MiB');
    assert.equal(bytesSize(512 * 2 ** 10), '512KiB');
    assert.equal(bytesSize(7.75 * 2 ** 30), '7.75GiB');
  });

  it('spells ps STATUS and CREATED', () => {
    const now = new Date('2026-01-01T12:00:00Z');
    const base = { startedAt: '2026-01-01T11:59:55Z', finishedAt: ZERO_TIME, exitCode: 0 };
    assert.equal(statusColumn({ ...base, status: 'created', startedAt: ZERO_TIME }, now), 'Created');
    assert.equal(statusColumn({ ...base, status: 'running' }, now), 'Up 5 seconds');
    assert.equal(statusColumn({ ...base, status: 'paused' }, now), 'Up 5 seconds (Paused)');
    assert.equal(statusColumn({ ...base, status: 'exited', exitCode: 137, finishedAt: '2026-01-01T11:58:00Z' }, now), 'Exited (137) 2 minutes ago');
    assert.equal(statusColumn({ ...base, status: 'exited', startedAt: ZERO_TIME }, now), 'Created');
    assert.equal(statusColumn({ ...base, status: 'dead' }, now), 'Dead');
    assert.equal(createdColumn('2026-01-01T11:59:55Z', now), '5 seconds ago');
    assert.equal(createdColumn('2025-12-29T12:00:00Z', now), '3 days ago');
  });

  it('quotes and truncates COMMAND as the Docker CLI does', () => {
    assert.equal(commandColumn(['sleep', '1000000000000000']), '"sleep 1000000000000…"');
    assert.equal(commandColumn(['sleep', '1000000000000000'], true), '"sleep 1000000000000000"');
    assert.equal(commandColumn(['sh', '-c', 'echo "hi"']), '"sh -c \'echo \\"hi\\"\'"'.replace(/'/g, ''));
    assert.equal(commandColumn(['/bin/sh']), '"/bin/sh"');
    assert.equal(ellipsis('abcdef', 4), 'abc…');
    assert.equal(ellipsis('abcd', 4), 'abcd');
    assert.equal(shortId('f'.repeat(64)), 'ffffffffffff');
    assert.equal(shortId(`sha256:${'a'.repeat(64)}`), 'aaaaaaaaaaaa');
    assert.equal(shortId('f'.repeat(64), true), 'f'.repeat(64));
  });

  it('lays out tables as the Docker CLI\'s tabwriter', () => {
    assert.equal(formatTable([['DRIVER', 'VOLUME NAME'], ['local', 'data'], ['local', 'x']]), 'DRIVER    VOLUME NAME\nlocal     data\nlocal     x\n');
    assert.equal(
      formatTable([['CONTAINER ID', 'IMAGE', 'COMMAND', 'NAMES'], ['0123456789ab', 'busybox', '"sleep 1000000000000…"', 'web']]),
      'CONTAINER ID   IMAGE     COMMAND                  NAMES\n0123456789ab   busybox   "sleep 1000000000000…"   web\n',
    );
  });

  it('renders --format templates: fields, json, table, and the json/table shortcuts', () => {
    const headers = { ID: 'CONTAINER ID', Names: 'NAMES', Status: 'STATUS', Labels: 'LABELS' };
    const rows = [
      { fields: { ID: 'abc', Names: 'web', Status: 'Up 1 second', Labels: 'a=1' }, raw: { Labels: { a: '1' } } },
      { fields: { ID: 'def', Names: 'db', Status: 'Created', Labels: '' }, json: { ID: 'def', custom: true } },
    ];
    assert.equal(renderFormat('{{.ID}}', 'table {{.ID}}', rows, headers), 'abc\ndef\n');
    assert.equal(renderFormat('{{.Names}}: {{.Status}}', 'x', rows, headers), 'web: Up 1 second\ndb: Created\n');
    assert.equal(renderFormat('{{json .Labels}}', 'x', rows, headers), '{"a":"1"}\n""\n');
    assert.equal(renderFormat('{{ .Names | json }}', 'x', rows, headers), '"web"\n"db"\n');
    assert.equal(renderFormat('{{json .}}', 'x', rows, headers), '{"ID":"abc","Names":"web","Status":"Up 1 second","Labels":"a=1"}\n{"ID":"def","custom":true}\n');
    assert.equal(renderFormat('json', 'x', rows.slice(1), headers), '{"ID":"def","custom":true}\n');
    assert.equal(renderFormat('table {{.ID}}\\t{{.Names}}', 'x', rows, headers), 'CONTAINER ID   NAMES\nabc            web\ndef            db\n');
    assert.equal(renderFormat(undefined, 'table {{.Names}}\t{{.Status}}', rows, headers), 'NAMES     STATUS\nweb       Up 1 second\ndb        Created\n');
    assert.equal(renderFormat('table', 'table {{.Names}}', rows, headers), 'NAMES\nweb\ndb\n');
    assert.equal(renderFormat('table {{.Names}}', 'x', [], headers), 'NAMES\n');
    assert.throws(() => renderFormat('{{.Nope}}', 'x', rows, headers), (e: unknown) => e instanceof CliError && /can't evaluate field Nope/.test(e.message));
    assert.throws(() => renderFormat('{{range .}}', 'x', rows, headers), (e: unknown) => e instanceof CliError && /not supported/.test(e.message));
  });

  it('prints `stats --no-stream` as Docker does', () => {
    const text = formatStats([
      { id: '0123456789abcdef'.repeat(4), name: 'web', cpuPercent: 0.1234, memUsage: 1.5 * 2 ** 20, memLimit: 512 * 2 ** 20, netRx: 1296, netTx: 0, blockRead: 4_270_000, blockWrite: 8192, pids: 3 },
    ]);
    assert.equal(
      text,
      'CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT   MEM %     NET I/O      BLOCK I/O         PIDS\n' +
        '0123456789ab   web       0.12%     1.5MiB / 512MiB     0.29%     1.3kB / 0B   4.27MB / 8.19kB   3\n',
    );
    assert.equal(formatStats([], { format: '{{.Name}}' }), '');
  });
});
