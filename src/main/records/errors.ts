// One small error class per failure (js-libp2p style); `name` is what crosses boundaries.
export class InvalidSignatureError extends Error {
  override name = 'InvalidSignatureError'
  readonly field = 'sig'
  constructor (message = 'record signature does not verify against its signer') { super(message) }
}

export class QuorumNotReachedError extends Error {
  override name = 'QuorumNotReachedError'
  constructor (readonly key: string, readonly acks: number, readonly required: number) {
    super(`put ${key}: ${acks} of ${required} required peers acknowledged`)
  }
}

export class StaleRecordError extends Error {
  override name = 'StaleRecordError'
  constructor (readonly key: string) { super(`a better record is already known for ${key}`) }
}

/** The record's signer is on this peer's deny list (or off its allow list). */
export class SignerRefusedError extends Error {
  override name = 'SignerRefusedError'
  readonly field = 'signer'
  constructor (readonly signer: string) { super(`records signed by ${signer} are refused by this peer's allow/deny lists`) }
}
