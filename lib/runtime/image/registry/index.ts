/**
 * The registry side of images: references as `docker pull` reads them, a distribution API v2 client
 * (manifests, resumable blob downloads, uploads, token and Basic auth, insecure registries and
 * certs.d CAs), Docker-format credentials, platform choice in an index, and concurrent blob pulls.
 */
export { parseRegistryRef, manifestReference, familiarName, familiarString, registryApiHost, DOCKER_HUB, DOCKER_HUB_API, type RegistryRef } from './reference';
export { RegistryClient, MANIFEST_TYPES, type RegistryOptions, type FetchedManifest, type RegistryRequest } from './registry-client';
export { type DownloadOptions } from './blob-download';
export { type UploadOptions } from './blob-upload';
export { CredentialStore, credentialKey, DOCKER_HUB_AUTH_KEY, type Credentials } from './credential-store';
export { chooseManifest, hostPlatform, formatPlatform } from './choose-manifest';
export { pullBlobs, type BlobPhase, type PullBlobsOptions } from './pull-blobs';
export { parseWwwAuthenticate, type AuthChallenge } from './www-authenticate';
export { repositoryScope } from './registry-auth';
export { type TransportOptions } from './http-transport';
