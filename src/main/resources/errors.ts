// One small error class per failure of the resources module; `name` is what callers match on.

/** A settings update was refused; `field` names the setting (for the API's "bad field" answers). */
export class SettingsError extends Error {
  override name = 'SettingsError'

  constructor (readonly field: string, message = `${field} is not valid`) {
    super(message)
  }
}

/**
 * settings.json cannot be trusted (unreadable, not JSON, a bad or unknown setting). The peer
 * refuses to start rather than lend against the owner's will; the message names the file and field.
 */
export class SettingsFileError extends Error {
  override name = 'SettingsFileError'

  constructor (readonly file: string, readonly field: string | null, message: string, options?: ErrorOptions) {
    super(`${file}: ${message}`, options)
  }
}
