// One small error class per failure of the p2p module; `name` is what callers match on.

/** The organisation key file is missing, unreadable or malformed; the message names the file. */
export class OrgKeyError extends Error {
  override name = 'OrgKeyError'

  constructor (message = 'Invalid organisation key', options?: ErrorOptions) {
    super(message, options)
  }
}

/** The identity key file exists but cannot be decoded as a libp2p private key. */
export class IdentityError extends Error {
  override name = 'IdentityError'

  constructor (message = 'Invalid identity key file', options?: ErrorOptions) {
    super(message, options)
  }
}

/** A DHT put lost against the record this peer already holds (replicas never roll back). */
export class StaleRecordError extends Error {
  override name = 'StaleRecordError'

  constructor (message = 'A better record is already stored for this key') {
    super(message)
  }
}
