/** Docker-shaped output: durations, sizes, ps columns, tables, stats and `--format` templates. */
export { humanDuration, humanSize, bytesSize } from './units';
export { formatTable, formatTabbedLines } from './table';
export { renderFormat, type TemplateRow } from './template';
export { shortId, ellipsis, goQuote, commandColumn, statusColumn, createdColumn } from './container-columns';
export { formatStats, statsFields, STATS_TABLE, STATS_HEADERS, type StatsSample } from './stats';
