export class LeaseLostError extends Error {
  override name = 'LeaseLostError'
  constructor (readonly taskId: string, readonly reason: string) { super(`lease on ${taskId.slice(0, 12)} lost: ${reason}`) }
}
