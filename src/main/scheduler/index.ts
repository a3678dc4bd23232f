// scheduler/: the provider loop and the book of known tasks.
export { Scheduler, type SchedulerComponents, type SchedulerInit, type SchedulerEvent } from './scheduler.js'
export { TaskBook, type KnownTask } from './task-book.js'
