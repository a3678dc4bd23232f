// Errors of the control peer's database layer. Messages are shown to the admin as they are, so
// they name the server and the cause, never the password.

/** The database could not be opened: server unreachable, login refused, bad URL or data dir. */
export class DatabaseConnectError extends Error {
  override name = 'DatabaseConnectError'
  constructor (message = 'database: cannot connect', options?: ErrorOptions) {
    super(message, options)
  }
}

/** The database holds a schema written by a newer build; migrating it down is never attempted. */
export class SchemaVersionError extends Error {
  override name = 'SchemaVersionError'
  constructor (message = 'database: schema is newer than this build') {
    super(message)
  }
}

/** A read was asked with a filter outside its domain (the field is named in the message). */
export class InvalidQueryError extends Error {
  override name = 'InvalidQueryError'
  readonly field: string
  constructor (field: string, message = `invalid ${field}`) {
    super(message)
    this.field = field
  }
}

/** A read named a task the control peer has never seen (crosses HTTP as a 404). */
export class UnknownTaskError extends Error {
  // The name is the API's, so the server answers 404 without knowing this class.
  override name = 'NotFoundError'
  constructor (taskId: string) {
    super(`no task ${taskId} in the control database`)
  }
}
