// records/: signed records over the DHT — codec, validators + selectors, quorum put/get.
export { signRecord, openRecord, readRecord, type OpenedRecord } from './codec.js'
export { dhtValidators, dhtValidatorsFor, dhtSelectors, validateDhtRecord, selectDhtRecord, compareOpened } from './validators.js'
export { RecordStore, type RecordStoreComponents, type RecordStoreInit, type PutResult, type GetResult } from './record-store.js'
export { InvalidSignatureError, QuorumNotReachedError, SignerRefusedError, StaleRecordError } from './errors.js'
