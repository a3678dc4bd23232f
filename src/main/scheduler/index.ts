// scheduler/: the provider loop and the book of known tasks.
export { Scheduler, isRunEnd, rankOf, type Held, type Need, type Placement, type PlacementProblem, type SchedulerComponents, type SchedulerInit, type SchedulerEvent, type TaskDataHooks } from './scheduler.js'
export { TaskBook, type KnownTask } from './task-book.js'
