export * from './constants';
export { type NftExpr, type NftVerdict, encodeExprs, decodeExprs } from './expr';
export { addrMatch, nfprotoIs, familyOf } from './match';
export { commentUserdata, userdataComment } from './userdata';
export { type NftOp, type NftHook, encodeOp } from './ops';
export { batchMessages, serializeBatch } from './batch';
export { type NftObjectInfo, type NftRuleInfo, decodeRule, decodeObject, nftListRules, nftListChains, nftListSets, nftGetTable } from './dump';
export { openNftables, nftApply, nftGenerationReadable } from './apply';
