/** libc through koffi: every call checked, errno read right after the call and thrown as a SysError. */
export { SysError, ERRNO, errnoName, hasErrno } from './errno';
export * from './socket';
export * from './namespaces';
export * from './mount';
export * from './flock';
export * from './process';
export * from './fd';
export * from './file-lock';
export * from './make-dirs';
export * from './unusable-path';
export * from './durable-file';
export * from './read-if-exists';
export * from './idmapped-mount';
export * from './xattr';
export * from './device-node';
