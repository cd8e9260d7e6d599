/** Network namespaces: open, create and delete named ones, and run synchronous code inside one. */
export { openNetns, openNetnsIfEnterable, currentNetns, sameNetns, type Netns } from './netns';
export { withNetns, withNewNetns, warmThreadPool } from './with-netns';
export { createNamedNetns, deleteNamedNetns, listNamedNetns, namedPath, NETNS_RUN_DIR } from './named';
export { NetnsNotFoundError, NotANetnsError, isNetnsNotFound, shortPath } from './errors';
